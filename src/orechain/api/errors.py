"""One JSON error shape for every error the service returns.

Every error — a domain :class:`~orechain.errors.OreChainError`, a request that
fails validation, an unknown route, a refused token, a rate limit or an oversized
body — is answered with::

    {"error": {"status": 404, "code": "not_found", "message": "...", "details": null}}

``tests/api/test_error_shape.py`` pins this shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from orechain.api.headers import SECURITY_HEADERS
from orechain.errors import (
    ConflictError,
    InfeasibleScenarioError,
    InputError,
    IntegrityError,
    NotFoundError,
    OreChainError,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ApiError",
    "ErrorBody",
    "ErrorResponse",
    "domain_error",
    "error_payload",
    "error_responses",
    "install_error_handlers",
    "status_of",
]

CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
"""HTTP status → stable machine-readable ``code``."""

DOMAIN_STATUS: tuple[tuple[type[OreChainError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (IntegrityError, 422, "integrity_error"),
    (InfeasibleScenarioError, 422, "infeasible_scenario"),
    (InputError, 400, "input_error"),
    (OreChainError, 400, "bad_request"),
)
"""Domain error class → (HTTP status, code); the first matching row wins."""


class ErrorBody(BaseModel):
    """What went wrong."""

    status: int = Field(description="HTTP status code, repeated in the body.", examples=[404])
    code: str = Field(description="Stable machine-readable code.", examples=["not_found"])
    message: str = Field(description="One-line human reason.", examples=["unknown lot 'PK-XYZ'"])
    details: list[dict[str, Any]] | dict[str, Any] | None = Field(
        default=None, description="Per-field problems (validation) or extra context."
    )


class ErrorResponse(BaseModel):
    """The single error envelope of every 4xx and 5xx response."""

    error: ErrorBody


class ApiError(Exception):
    """An error raised by the API layer itself (auth, limits, missing features)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.headers = headers or {}
        self.details = details


def status_of(exc: OreChainError) -> tuple[int, str]:
    """HTTP status and code of a domain error."""
    for cls, status, code in DOMAIN_STATUS:
        if isinstance(exc, cls):
            return status, code
    return 400, "bad_request"  # pragma: no cover - OreChainError is the last row


def error_payload(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    body = {"status": status, "code": code, "message": message, "details": details}
    return {"error": jsonable_encoder(body)}


def _respond(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_payload(status, code, message, details), status, headers=headers)


async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
    """The JSON error response of a domain error."""
    assert isinstance(exc, OreChainError)
    status, code = status_of(exc)
    details = None
    if isinstance(exc, InputError):
        details = {"source": exc.source, "row": exc.row, "field": exc.field, "reason": exc.reason}
    return _respond(status, code, str(exc), details)


async def _api(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _respond(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return _respond(422, "validation_error", f"{where}: {first['msg']}", details)


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    message = str(exc.detail) if exc.detail else CODES.get(exc.status_code, "error")
    return _respond(exc.status_code, CODES.get(exc.status_code, "error"), message, None, headers)


async def _unexpected(request: Request, _exc: Exception) -> JSONResponse:
    # Starlette answers this one outside every middleware, so the security
    # headers the service middleware adds to other responses are added here.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    headers = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}
    return _respond(500, "internal_error", "internal error; see the server log", None, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Route every error class to the one JSON error shape."""
    app.add_exception_handler(OreChainError, domain_error)
    app.add_exception_handler(ApiError, _api)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the error shape for ``statuses``."""
    return {
        s: {"model": ErrorResponse, "description": CODES.get(s, "error").replace("_", " ")}
        for s in statuses
    }
