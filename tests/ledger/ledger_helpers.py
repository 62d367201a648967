"""Small builders of signed events on top of the sample ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orechain.ledger import sample
from orechain.ledger.envelope import SignedEnvelope, open_envelope, sign_event

TEST_NOW = datetime(2026, 3, 5, tzinfo=UTC)
"""The log clock of test ledgers: a few days after the events the tests submit."""


def fixed_clock() -> datetime:
    return TEST_NOW


def signed(actor: str, kind: str, event_id: str, time: str, **fields: Any) -> dict[str, Any]:
    event = {"type": kind, "event_id": event_id, "actor": actor, "time": time, **fields}
    return sign_event(event, sample.org_key(actor), origin=sample.ORIGIN)


def lot(lot_id: str, q: float, basis: str = "gross", **extra: Any) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "product": "p",
        "commodity": "rare earths",
        "quantity_t": q,
        "basis": basis,
        **extra,
    }


def opened(raw: Any) -> SignedEnvelope:
    """An envelope as the log would judge it, received at its own event time."""
    env = open_envelope(raw)
    return env if env.received_at else env.stamped(env.event.time)
