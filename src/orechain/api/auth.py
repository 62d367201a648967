"""Who is calling and what they may do: tokens, roles, organisations, rate limits.

Roles (``orechain token create --role``):

=========  ==========================================================================
admin      everything but ledger writes; signs checkpoints
operator   submits signed events *for its own organisation*; reads the ledger records
           of lots its organisation touched; signs checkpoints
auditor    reads everything, writes nothing
viewer     reads non-confidential data: atlas, risk, scenarios, economics, public
           ledger summaries (origin shares, compliance verdicts, proofs)
=========  ==========================================================================

Requests without a token are anonymous: they may read the transparency endpoints,
and — when ``anonymous_read`` is on, as it is for the local dashboard — what a
viewer may read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from orechain.api.errors import ApiError
from orechain.api.services import Services

__all__ = [
    "Access",
    "Principal",
    "access",
    "authorise",
    "get_services",
    "identify",
    "rate_limit",
    "services_of",
]

Access = Literal["public", "read", "confidential", "write", "sign", "admin"]

ALLOWED: dict[Access, tuple[str, ...]] = {
    "public": ("admin", "operator", "auditor", "viewer", "anonymous"),
    "read": ("admin", "operator", "auditor", "viewer"),
    "confidential": ("admin", "operator", "auditor"),
    "write": ("operator",),
    "sign": ("admin", "operator"),
    "admin": ("admin",),
}
"""Which roles pass each access level (``read`` also admits anonymous when enabled)."""


@dataclass(frozen=True)
class Principal:
    """The caller of one request."""

    role: str
    """admin, operator, auditor, viewer, or ``anonymous``."""
    org_id: str | None = None
    token_id: str | None = None

    @property
    def sees_all(self) -> bool:
        """Auditors and admins read every ledger record."""
        return self.role in ("admin", "auditor")


def services_of(request: Request) -> Services:
    """The :class:`Services` of the app serving ``request``."""
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    """:func:`services_of` as an async dependency (a sync one would hop to a thread)."""
    return services_of(request)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "Authorization must be 'Bearer <token>'", headers=_challenge())
    return value.strip()


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="orechain"'}


def identify(request: Request) -> Principal:
    """The caller of ``request`` (anonymous without a token); 401 for a bad token."""
    token = _bearer(request)
    if token is None:
        return Principal("anonymous")
    record = services_of(request).verify_token(token)
    if record is None:
        raise ApiError(401, "unknown or revoked token", headers=_challenge())
    return Principal(record.role, record.org_id, record.token_id)


def rate_limit(request: Request, who: Principal) -> None:
    """Take one request from the caller's bucket; 429 with Retry-After when empty."""
    services = services_of(request)
    if who.token_id is not None:
        key, rate = f"token:{who.token_id}", services.settings.rate_limit_per_minute
    else:
        host = request.client.host if request.client else "unknown"
        key, rate = f"ip:{host}", services.settings.anonymous_rate_limit_per_minute
    wait = services.limiter.check(key, rate)
    if wait is not None:
        msg = f"rate limit of {rate} requests per minute exceeded; retry in {wait} s"
        raise ApiError(429, msg, headers={"Retry-After": str(wait)})


def authorise(request: Request, who: Principal, level: Access) -> None:
    """Refuse with 401/403 unless ``who`` may act at ``level``."""
    allowed = ALLOWED[level]
    if who.role in allowed:
        return
    anonymous_read = services_of(request).settings.anonymous_read
    if who.role == "anonymous" and level == "read" and anonymous_read:
        return
    if who.role == "anonymous":
        raise ApiError(401, "this endpoint needs an API token", headers=_challenge())
    msg = f"a {who.role} token may not do this; needs one of: {', '.join(allowed)}"
    raise ApiError(403, msg)


def access(level: Access) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency: identify the caller, apply its rate limit, check ``level``."""

    async def dependency(request: Request) -> Principal:
        who = identify(request)
        rate_limit(request, who)
        authorise(request, who, level)
        return who

    return dependency
