"""Builders of the registration events behind ``orechain ledger org add`` and ``site add``.

Organisations and sites are not rows anyone edits: they enter the ledger as
signed ``register-org`` and ``register-site`` events like everything else, so
who registered whom, and when, is itself in the transparency log. These helpers
only assemble the event objects; signing and acceptance are the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from orechain.ledger.events import format_time

__all__ = [
    "attest_site_event", "now", "register_org_event", "register_site_event", "revoke_key_event",
    "rotate_key_event",
]  # fmt: skip


def now() -> str:
    """The current time in the RFC 3339 UTC form events use (whole seconds)."""
    return format_time(datetime.now(UTC).replace(microsecond=0))


def register_org_event(
    org_id: str,
    name: str,
    country: str,
    roles: Sequence[str],
    public_key_b64: str,
    *,
    actor: str | None = None,
    time: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """A ``register-org`` event; the actor defaults to the organisation itself.

    The first organisation of a ledger must register itself with the
    ``registrar`` role; later ones are registered by a registrar.
    """
    return {
        "type": "register-org",
        "event_id": event_id or f"register-org-{org_id}",
        "actor": actor or org_id,
        "time": time or now(),
        "org_id": org_id,
        "org_name": name,
        "country": country,
        "roles": list(roles),
        "public_key": public_key_b64,
    }


def register_site_event(
    site_id: str,
    name: str,
    kind: str,
    country: str,
    operator: str,
    *,
    actor: str | None = None,
    time: str | None = None,
    event_id: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> dict[str, Any]:
    """A ``register-site`` event; the actor defaults to the operator."""
    event: dict[str, Any] = {
        "type": "register-site",
        "event_id": event_id or f"register-site-{site_id}",
        "actor": actor or operator,
        "time": time or now(),
        "site_id": site_id,
        "site_name": name,
        "kind": kind,
        "country": country,
        "operator": operator,
    }
    if latitude is not None and longitude is not None:
        event |= {"latitude": latitude, "longitude": longitude}
    return event


def attest_site_event(
    site_id: str,
    kind: str,
    country: str,
    actor: str,
    *,
    reference: str = "",
    time: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An ``attest-site`` event: registrar or certifier ``actor`` vouches for kind and country."""
    return {
        "type": "attest-site",
        "event_id": event_id or f"attest-site-{site_id}-{actor}",
        "actor": actor,
        "time": time or now(),
        "site_id": site_id,
        "kind": kind,
        "country": country,
        "reference": reference,
    }


def rotate_key_event(
    org_id: str,
    public_key_b64: str,
    *,
    actor: str | None = None,
    time: str | None = None,
    valid_until: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """A ``rotate-key`` event adding a key to ``org_id``; it is valid from the log's receipt."""
    t = time or now()
    event: dict[str, Any] = {
        "type": "rotate-key",
        "event_id": event_id or f"rotate-key-{org_id}-{t}",
        "actor": actor or org_id,
        "time": t,
        "org_id": org_id,
        "public_key": public_key_b64,
    }
    if valid_until is not None:
        event["valid_until"] = valid_until
    return event


def revoke_key_event(
    org_id: str,
    key_id: str,
    *,
    reason: str = "",
    revoked_at: str | None = None,
    actor: str | None = None,
    time: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """A ``revoke-key`` event; without ``revoked_at`` the key stops at the log's receipt."""
    t = time or now()
    event: dict[str, Any] = {
        "type": "revoke-key",
        "event_id": event_id or f"revoke-key-{org_id}-{key_id}",
        "actor": actor or org_id,
        "time": t,
        "org_id": org_id,
        "key_id": key_id,
        "reason": reason,
    }
    if revoked_at is not None:
        event["revoked_at"] = revoked_at
    return event
