"""The public transparency summary of a ledger: identity, latest checkpoint, totals.

The same summary feeds ``GET /api/transparency``, the dashboard's Overview,
Ledger and Transparency pages and the corridor report.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from orechain.errors import NotFoundError
from orechain.ledger import events as ev
from orechain.ledger import sample
from orechain.ledger.domain import LedgerState
from orechain.ledger.log import latest_checkpoint
from orechain.ledger.service import Ledger

__all__ = ["head", "summary", "transparency_totals"]


def summary(ledger: Ledger) -> dict[str, Any]:
    """Origin, verifier key, size, root, latest signed checkpoint, sample label, totals."""
    try:
        note: str | None = latest_checkpoint(ledger)
    except NotFoundError:
        note = None
    is_sample = ledger.origin == sample.ORIGIN
    return {
        **head(ledger),
        "checkpoint": note,
        "label": sample.LABEL if is_sample else None,
        "totals": transparency_totals(ledger.state),
    }


def _site_country(state: LedgerState, site_id: str) -> str:
    site = state.sites.get(site_id)
    return site.country if site else "unknown"


def transparency_totals(state: LedgerState) -> dict[str, list[dict[str, Any]]]:
    """Public aggregates [t]: extraction by commodity and by origin, shipments by corridor."""
    by_commodity: dict[tuple[str, str], float] = defaultdict(float)
    by_origin: dict[tuple[str, str, str], float] = defaultdict(float)
    corridor: dict[tuple[str, str, str, str], float] = defaultdict(float)
    for event in state.events.values():
        if isinstance(event, ev.Extract):
            spec, origin = event.lot, _site_country(state, event.site_id)
            by_commodity[(spec.commodity, spec.basis)] += spec.quantity_t
            by_origin[(spec.commodity, origin, spec.basis)] += spec.quantity_t
        elif isinstance(event, ev.Ship):
            route = (_site_country(state, event.from_site), _site_country(state, event.to_site))
            for lid in event.lot_ids:
                lot = state.lots.get(lid)
                if lot is not None:
                    corridor[(*route, lot.commodity, lot.basis)] += lot.quantity_t
    return {
        "by_commodity": [
            {"commodity": c, "basis": b, "quantity_t": q}
            for (c, b), q in sorted(by_commodity.items())
        ],
        "by_origin": [
            {"commodity": c, "origin": o, "basis": b, "quantity_t": q}
            for (c, o, b), q in sorted(by_origin.items())
        ],
        "by_corridor": [
            {"from_country": f, "to_country": t, "commodity": c, "basis": b, "quantity_t": q}
            for (f, t, c, b), q in sorted(corridor.items())
        ],
    }


def head(ledger: Ledger) -> dict[str, Any]:
    """The log's identity and current size."""
    tree = ledger.tree
    return {
        "origin": ledger.origin,
        "vkey": ledger.vkey,
        "tree_size": tree.size,
        "root_hash": tree.root().hex() if tree.size else None,
    }
