"""Ledger use cases: open a ledger, trace a lot back to its origins."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from orechain.ledger.provenance import downstream, origin_shares, upstream
from orechain.ledger.service import Ledger
from orechain.settings import Settings

__all__ = ["open_ledger", "trace"]


def open_ledger(url: str | None = None) -> Ledger:
    """Open the ledger at ``url`` (default: ``ORECHAIN_DATABASE_URL`` or the user's ledger)."""
    return Ledger.open(url or Settings.from_env().database_url)


def trace(ledger: Ledger, lot_id: str) -> dict[str, Any]:
    """Origin shares of a lot and its upstream and downstream graphs, in one document."""
    state = ledger.state
    return {
        "lot_id": lot_id,
        "origin_shares": origin_shares(state, lot_id),
        "upstream": [asdict(e) for e in upstream(state, lot_id)],
        "downstream": [asdict(e) for e in downstream(state, lot_id)],
    }
