"""What the ledger endpoints show: public summaries, confidential records, public totals.

Public (viewer, anonymous when enabled): a lot's identity and status, its origin
shares, compliance verdicts, checkpoints, proofs and aggregate totals.
Confidential (auditor, admin, or an operator whose organisation touched the lot's
chain): custodians, sites, masses, the provenance graph, event envelopes and
site mass-balance reports.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from orechain.api.auth import Principal
from orechain.api.errors import ApiError
from orechain.ledger.domain import LedgerState, Lot
from orechain.ledger.provenance import downstream, upstream
from orechain.services.transparency import transparency_totals

__all__ = [
    "check_actor",
    "lot_detail",
    "lot_summary",
    "may_see_event",
    "may_see_lot",
    "may_see_site",
    "search_lots",
    "transparency_totals",
]


def lot_summary(lot: Lot) -> dict[str, Any]:
    """The public identity of a lot."""
    return {
        "lot_id": lot.lot_id,
        "product": lot.product,
        "commodity": lot.commodity,
        "status": lot.status,
        "created_at": lot.created_at.isoformat(),
        "events": list(lot.events),
    }


def lot_detail(state: LedgerState, lot: Lot) -> dict[str, Any]:
    """Everything recorded about a lot (confidential)."""
    site = state.sites.get(lot.site_id)
    return {
        **lot_summary(lot),
        "quantity_t": lot.quantity_t,
        "remaining_t": lot.remaining_t,
        "basis": lot.basis,
        "custodian": lot.custodian,
        "site_id": lot.site_id,
        "site_country": site.country if site else None,
        "created_by": lot.created_by,
        "grades": lot.grades,
        "destination": lot.destination,
        "parents": [{"lot_id": p, "mass_t": m} for p, m in lot.parents],
    }


def search_lots(state: LedgerState, q: str | None, commodity: str | None) -> list[dict[str, Any]]:
    """Public summaries of lots whose id or product contains ``q``, sorted by id."""
    needle = (q or "").lower()
    found = [
        lot_summary(lot)
        for lot in state.lots.values()
        if (not needle or needle in lot.lot_id.lower() or needle in lot.product.lower())
        and (commodity is None or lot.commodity == commodity)
    ]
    return sorted(found, key=lambda r: r["lot_id"])


def _chain(state: LedgerState, lot_id: str) -> set[str]:
    edges = upstream(state, lot_id) + downstream(state, lot_id)
    return {lot_id} | {e.parent for e in edges} | {e.child for e in edges}


def may_see_lot(state: LedgerState, lot_id: str, who: Principal) -> bool:
    """Auditors and admins see every lot; an operator sees lots its organisation touched."""
    if who.sees_all:
        return True
    if who.role != "operator" or who.org_id is None:
        return False
    for lid in _chain(state, lot_id):
        lot = state.lot(lid)
        if who.org_id in (lot.custodian, lot.created_by):
            return True
        if any(state.events[e].actor == who.org_id for e in lot.events if e in state.events):
            return True
    return False


def may_see_event(state: LedgerState, event_id: str, who: Principal) -> bool:
    """Auditors and admins read every envelope; an operator those its organisation signed."""
    if who.sees_all:
        return True
    event = state.events.get(event_id)
    return who.role == "operator" and event is not None and event.actor == who.org_id


def may_see_site(state: LedgerState, site_id: str, who: Principal) -> bool:
    """Auditors and admins see every site's accounts; an operator its own sites'."""
    return who.sees_all or (who.role == "operator" and state.site(site_id).operator == who.org_id)


def require(allowed: bool, what: str) -> None:
    """Refuse with 403 unless ``allowed``."""
    if not allowed:
        msg = f"{what} is confidential to auditors and to the organisations that handled it"
        raise ApiError(403, msg)


def check_actor(envelopes: list[dict[str, Any]], who: Principal) -> None:
    """Refuse events whose actor is not the operator token's organisation."""
    for i, env in enumerate(envelopes):
        event = env.get("event")
        actor = event.get("actor") if isinstance(event, dict) else None
        if actor != who.org_id:
            msg = (
                f"envelope {i}: a token of organisation {who.org_id!r} may not submit "
                f"events acted by {actor!r}"
            )
            raise ApiError(403, msg)


def edges(state: LedgerState, lot_id: str) -> dict[str, Any]:
    """The upstream and downstream graphs of a lot, with the lots' public summaries."""
    up, down = upstream(state, lot_id), downstream(state, lot_id)
    ids = {lot_id} | {e.parent for e in up + down} | {e.child for e in up + down}
    nodes = [lot_detail(state, state.lot(i)) for i in sorted(ids) if i in state.lots]
    return {
        "lot_id": lot_id,
        "upstream": [asdict(e) for e in up],
        "downstream": [asdict(e) for e in down],
        "lots": nodes,
    }
