"""Small builders of signed events on top of the sample ledger."""

from __future__ import annotations

from typing import Any

from orechain.ledger import sample
from orechain.ledger.envelope import sign_event


def signed(actor: str, kind: str, event_id: str, time: str, **fields: Any) -> dict[str, Any]:
    event = {"type": kind, "event_id": event_id, "actor": actor, "time": time, **fields}
    return sign_event(event, sample.org_key(actor))


def lot(lot_id: str, q: float, basis: str = "gross", **extra: Any) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "product": "p",
        "commodity": "rare earths",
        "quantity_t": q,
        "basis": basis,
        **extra,
    }
