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


def _handled(state: LedgerState, lot_id: str, org_id: str) -> bool:
    """The organisation held, made or acted on this lot."""
    lot = state.lot(lot_id)
    if org_id == lot.custodian or state.events[lot.created_by].actor == org_id:
        return True
    return any(state.events[e].actor == org_id for e in lot.events if e in state.events)


def may_see_lot(state: LedgerState, lot_id: str, who: Principal) -> bool:
    """Who sees a lot's confidential record and provenance.

    Auditors and admins see every lot. An operator sees the lots its
    organisation handled and everything upstream of them (where its material
    came from), never the lots downstream of its own made by others (a
    supplier does not read its customer's products). Everyone else sees the
    public summary, hashes and proofs only.
    """
    if who.sees_all:
        return True
    if who.role != "operator" or who.org_id is None:
        return False
    mine = {lot_id} | {e.child for e in downstream(state, lot_id)}
    return any(_handled(state, lid, who.org_id) for lid in mine)


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


def edges(state: LedgerState, lot_id: str, who: Principal) -> dict[str, Any]:
    """The upstream and downstream graphs of a lot, limited to the lots ``who`` may see.

    An edge is shown only when both of its lots are visible, so a supplier's
    provenance view of its own lot does not reveal what customers made of it.
    """
    up, down = upstream(state, lot_id), downstream(state, lot_id)
    ids = {lot_id} | {e.parent for e in up + down} | {e.child for e in up + down}
    seen = {i for i in ids if i in state.lots and may_see_lot(state, i, who)}
    nodes = [lot_detail(state, state.lot(i)) for i in sorted(seen)]
    return {
        "lot_id": lot_id,
        "upstream": [asdict(e) for e in up if e.parent in seen and e.child in seen],
        "downstream": [asdict(e) for e in down if e.parent in seen and e.child in seen],
        "lots": nodes,
    }
