"""``/api/log``: public, paginated listings so an auditor can mirror the log without a database.

* ``/api/log/entries`` — every leaf in order: index, leaf hash, event id, type and time
  (the public view; envelopes stay confidential, see ``tile/entries``).
* ``/api/log/orgs`` — organisations and their signing keys with validity periods,
  as the log's register-org, rotate-key and revoke-key events established them.
* ``/api/log/checkpoints`` — every stored checkpoint, with its witness-cosigned
  version where one was published.

Together with the tiles (``/tile/…``) this is enough to rebuild and check the
tree and to judge which key could sign what, when.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from orechain.api.auth import access
from orechain.api.pagination import Limit, Offset, Page
from orechain.api.responses import COMMON_ERRORS, Svc
from orechain.api.routes.tiles import _root_of
from orechain.ledger.domain import KeyRecord
from orechain.ledger.service import Ledger
from orechain.transparency.publish import published_history

router = APIRouter(
    prefix="/api/log",
    tags=["log mirror"],
    responses=COMMON_ERRORS,
    dependencies=[Depends(access("public"))],
)

__all__ = ["router"]


class LogEntry(BaseModel):
    """The public view of one log leaf."""

    index: int
    leaf_hash: str = Field(description="Base64 SHA-256(0x00 || leaf) (RFC 9162 §2.1.1).")
    event_id: str
    event_type: str
    event_time: str = Field(description="RFC 3339 UTC time the signer gave the event.")
    received_at: str | None = Field(
        description="RFC 3339 UTC time the log received it: key validity is judged at this time."
    )


class KeyOut(BaseModel):
    """An organisation's Ed25519 key and when it may sign."""

    key_id: str
    public_key: str = Field(description="Base64 raw Ed25519 public key.")
    valid_from: str
    valid_until: str | None
    revoked_at: str | None


class OrgOut(BaseModel):
    """A registered organisation."""

    org_id: str
    name: str
    country: str
    roles: list[str]
    keys: list[KeyOut]


class CheckpointRow(BaseModel):
    """A stored checkpoint and, if published, its witness-cosigned form."""

    tree_size: int
    checkpoint: str = Field(description="The note as the log signed it.")
    cosigned: str | None = Field(description="The published note with witness cosignatures.")


def _page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    end = offset + len(items)
    return {"items": items, "total": total, "limit": limit, "offset": offset,
            "next_offset": end if end < total else None}  # fmt: skip


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat().replace("+00:00", "Z")


def _key(k: KeyRecord) -> dict[str, Any]:
    return {"key_id": k.key_id, "public_key": base64.b64encode(k.public).decode(),
            "valid_from": _iso(k.valid_from), "valid_until": _iso(k.valid_until),
            "revoked_at": _iso(k.revoked_at)}  # fmt: skip


@router.get("/entries", response_model=Page[LogEntry])
async def entries(svc: Svc, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Log leaves in index order (public view), read from ``offset`` without a full scan."""

    def page(led: Ledger) -> dict[str, Any]:
        total = led.store.size()
        items: list[dict[str, Any]] = []
        for e in led.store.entries(offset):
            if len(items) == limit or e.index >= total:
                break
            items.append({"index": e.index, "leaf_hash": base64.b64encode(e.leaf_hash).decode(),
                          "event_id": e.event_id, "event_type": e.event_type,
                          "event_time": e.event_time, "received_at": e.received_at})  # fmt: skip
        return _page(items, total, limit, offset)

    return await svc.ledger.run(page)


@router.get("/orgs", response_model=Page[OrgOut])
async def orgs(svc: Svc, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Organisations with every key they registered, rotated or revoked, by org id."""

    def page(led: Ledger) -> dict[str, Any]:
        all_orgs = sorted(led.state.orgs.values(), key=lambda o: o.org_id)
        items = [{"org_id": o.org_id, "name": o.name, "country": o.country,
                  "roles": list(o.roles), "keys": [_key(k) for k in o.keys.values()]}
                 for o in all_orgs[offset : offset + limit]]  # fmt: skip
        return _page(items, len(all_orgs), limit, offset)

    return await svc.ledger.run(page)


@router.get("/checkpoints", response_model=Page[CheckpointRow])
async def checkpoints(svc: Svc, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Stored checkpoints by tree size, with the cosigned version where published."""
    rows = await svc.ledger.run(lambda led: led.store.checkpoints())
    cosigned = dict(published_history(_root_of(svc)))
    items = [{"tree_size": s, "checkpoint": n, "cosigned": cosigned.get(s)}
             for s, n in rows[offset : offset + limit]]  # fmt: skip
    return _page(items, len(rows), limit, offset)
