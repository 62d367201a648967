"""Helpers shared by the route modules: pre-serialised JSON and common parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query
from fastapi.responses import JSONResponse

from orechain.api.auth import get_services
from orechain.api.errors import error_responses
from orechain.api.services import Services

__all__ = [
    "COMMON_ERRORS",
    "CommodityPath",
    "JsonBytes",
    "Svc",
    "YearQuery",
    "ok",
]

COMMON_ERRORS = error_responses(400, 401, 403, 404, 413, 422, 429)
"""Error responses every API route may give (all in the one error shape)."""


class JsonBytes(JSONResponse):
    """A JSON response whose body may already be serialised (bytes pass through)."""

    def render(self, content: Any) -> bytes:
        """Bytes as they are; anything else as JSON."""
        return content if isinstance(content, bytes) else super().render(content)


def ok(model: Any, example: Any = None, description: str = "OK") -> dict[int | str, Any]:
    """OpenAPI ``responses`` for a 200 with ``model`` (and an example) plus the errors."""
    entry: dict[str, Any] = {"model": model, "description": description}
    if example is not None:
        entry["content"] = {"application/json": {"example": example}}
    return {200: entry, **COMMON_ERRORS}


Svc = Annotated[Services, Depends(get_services)]
"""The process's :class:`Services`, injected into a handler."""

CommodityPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=80,
        description="Commodity id, name or alias.",
        openapi_examples={
            "rare earths": {"value": "rare-earths"},
            "antimony": {"value": "antimony"},
        },
    ),
]
YearQuery = Annotated[
    int | None,
    Query(ge=1900, le=2100, description="Data year (default: latest with data).", examples=[2023]),
]
