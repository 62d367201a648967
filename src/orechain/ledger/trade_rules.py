"""Acceptance rules of the trade fields (:mod:`orechain.ledger.trade`) over the ledger state.

A party (seller, buyer, umpire) assay is the laboratory's: an ``assayer``
organisation signs it and cites its assay certificate; an umpire assay is
accepted only when the seller's and buyer's assays differ beyond the contract's
splitting limits. An out-turn weight on ``receive`` must lie within
:data:`~orechain.ledger.trade.OUTTURN_TOLERANCE` of the shipment's loading
weight unless the receiver records a weight dispute.
"""

from __future__ import annotations

from orechain.errors import ConflictError, InputError
from orechain.ledger import events as ev
from orechain.ledger.domain import LedgerState
from orechain.ledger.trade import OUTTURN_TOLERANCE, outturn_difference, settle_grades

__all__ = ["check_trade"]


def _last(state: LedgerState, lot_id: str, kind: type[ev.Event]) -> list[ev.Event]:
    lot = state.lots.get(lot_id)
    ids = lot.events if lot is not None else []
    return [state.events[i] for i in ids if isinstance(state.events[i], kind)]


def _party_assays(state: LedgerState, lot_id: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for a in _last(state, lot_id, ev.Assay):
        assert isinstance(a, ev.Assay)
        if a.party is not None:
            out[a.party] = a.grades
    return out


def _check_assay(state: LedgerState, e: ev.Assay) -> None:
    """A party assay is the laboratory's: an assayer org signs it with its certificate."""
    if e.party is None:
        return
    if "assayer" not in state.org(e.actor).roles:
        msg = f"a {e.party} assay must be signed by the laboratory; {e.actor!r} is not an assayer"
        raise ConflictError(msg)
    if not any(d.kind == "assay-certificate" for d in e.documents):
        msg = f"a {e.party} assay must reference its assay-certificate document"
        raise InputError(msg, field="event.documents")
    if e.party != "umpire":
        return
    parties = _party_assays(state, e.lot_id)
    if "seller" not in parties or "buyer" not in parties:
        msg = f"an umpire assay of {e.lot_id!r} needs the seller's and the buyer's assays first"
        raise ConflictError(msg)
    if e.splitting_limits is None:
        msg = "an umpire assay must state the contract's splitting limits"
        raise InputError(msg, field="event.splitting_limits")
    try:
        settle_grades(parties["seller"], parties["buyer"], e.splitting_limits)
    except ConflictError:
        return
    msg = f"seller and buyer assays of {e.lot_id!r} agree within the splitting limits: no umpire"
    raise ConflictError(msg)


def _check_receive(state: LedgerState, e: ev.Receive) -> None:
    """The out-turn weight lies within the tolerance of the loading weight, or is disputed."""
    if e.outturn is None:
        return
    ships = _last(state, e.lot_ids[0], ev.Ship) if e.lot_ids else []
    ship = ships[-1] if ships else None
    assert ship is None or isinstance(ship, ev.Ship)
    if ship is None or ship.weight is None:
        msg = "an out-turn weight needs the loading weight on the ship event"
        raise InputError(msg, field="event.outturn")
    if sorted(ship.lot_ids) != sorted(e.lot_ids):
        msg = f"out-turn weight is for the whole shipment {list(ship.lot_ids)}"
        raise InputError(msg, field="event.lot_ids")
    diff = outturn_difference(ship.weight, e.outturn)
    if abs(diff) > OUTTURN_TOLERANCE and not e.weight_dispute:
        msg = (
            f"out-turn dry weight {e.outturn.dry_t:g} t differs from the loading weight "
            f"{ship.weight.dry_t:g} t by {diff:+.2%}, beyond the tolerance of "
            f"{OUTTURN_TOLERANCE:.1%}; state the weight_dispute to record it"
        )
        raise InputError(msg, field="event.outturn.dry_t")


def check_trade(state: LedgerState, event: ev.Event) -> None:
    """Trade-field rules beyond the event schema (called by the acceptance checks)."""
    if isinstance(event, ev.Assay):
        _check_assay(state, event)
    elif isinstance(event, ev.Receive):
        _check_receive(state, event)
