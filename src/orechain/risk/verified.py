"""Verified supply: where the lots a buyer country actually received came from.

Beside the atlas's modelled shares, the chain-of-custody ledger shows the lots
that crossed into the buyer's country (a ``receive`` at a site in the buyer
country of a lot shipped from a site abroad). Each lot counts with its mass of
the assayed element where an ``assay`` event exists (e.g. REO for rare earths),
else its gross mass; its origin shares per stage follow
:func:`orechain.ledger.provenance.origin_shares` and its verified part
:func:`orechain.ledger.provenance.verified_share` (certified ``verified-origin``
upstream).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from orechain.errors import InputError
from orechain.ledger import events as ev
from orechain.ledger.domain import LedgerState
from orechain.ledger.provenance import Shares, origin_shares, verified_share

ASSAY_ELEMENT = {"rare-earths": "REO", "antimony": "Sb", "copper": "Cu"}
"""Grade key that weights a lot of each commodity (the atlas's basis for it)."""

__all__ = [
    "ReceivedLot",
    "VerifiedSupply",
    "parse_period",
    "received_lots",
    "summarise",
    "verified_supply",
]


@dataclass(frozen=True)
class ReceivedLot:
    """One lot the buyer country received from abroad."""

    lot_id: str
    from_country: str
    received_at: str
    quantity_t: float
    """Gross mass of the lot [t]."""
    weight_t: float
    """Mass counted in the shares [t]: assayed element content, else gross."""
    weight_basis: str
    """The grade key (e.g. ``REO``) when assayed, else ``gross``."""
    verified_share: float
    """Share of the lot's mass with a certified origin upstream [-]."""
    origin: Shares


@dataclass(frozen=True)
class VerifiedSupply:
    """Origin shares of what a buyer received, per stage, and how much of it is verified."""

    commodity: str
    buyer: str
    period: str | None
    lots: list[ReceivedLot]
    total_weight_t: float
    origin_shares: Shares
    """stage → ISO3 → share of the weight of the received lots that went through it [-]."""
    verified_mass_share: float
    unverified_mass_share: float
    assayed_mass_share: float
    """Share of the weight that comes from assayed lots (the rest is gross mass)."""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def parse_period(text: str | None) -> tuple[str, str] | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-Qn`` as an ISO date range [start, end).

    Examples
    --------
    >>> parse_period("2026-Q1")
    ('2026-01-01', '2026-04-01')
    """
    if text is None:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(?:(\d{2})|Q([1-4])))?", text.strip())
    if not m:
        msg = f"period {text!r} must be YYYY, YYYY-MM or YYYY-Qn"
        raise InputError(msg, field="--period")
    year, month, quarter = int(m[1]), m[2], m[3]
    if month is not None and not 1 <= int(month) <= 12:
        msg = f"period {text!r} has no month {month}"
        raise InputError(msg, field="--period")
    first = int(month) if month else 3 * int(quarter) - 2 if quarter else 1
    span = 1 if month else 3 if quarter else 12
    end_month, end_year = first + span, year
    if end_month > 12:
        end_month, end_year = end_month - 12, year + 1
    return f"{year:04d}-{first:02d}-01", f"{end_year:04d}-{end_month:02d}-01"


def _assayed_grade(state: LedgerState, lot_id: str, element: str | None) -> float | None:
    grade = None
    for event_id in state.lots[lot_id].events:
        event = state.events[event_id]
        if isinstance(event, ev.Assay) and element and element in event.grades:
            grade = float(event.grades[element])
    return grade


def _imports(state: LedgerState, buyer: str) -> dict[str, tuple[str, datetime]]:
    """Lot id → (exporting country, receipt time) of cross-border receipts into ``buyer``."""
    shipped_from: dict[str, str] = {}
    out: dict[str, tuple[str, datetime]] = {}
    for event in sorted(state.events.values(), key=lambda e: state.event_index[e.event_id]):
        if isinstance(event, ev.Ship):
            for lid in event.lot_ids:
                shipped_from[lid] = state.sites[event.from_site].country
        elif isinstance(event, ev.Receive) and state.sites[event.site_id].country == buyer:
            for lid in event.lot_ids:
                origin = shipped_from.get(lid)
                if origin is not None and origin != buyer:
                    out[lid] = (origin, event.time)
    return out


def received_lots(
    state: LedgerState, commodity: str, buyer: str, period: str | None = None
) -> list[ReceivedLot]:
    """The lots of ``commodity`` (atlas id) that ``buyer`` received from abroad in ``period``."""
    from orechain.atlas.commodities import resolve_commodity

    window = parse_period(period)
    element = ASSAY_ELEMENT.get(commodity)
    out = []
    for lid, (origin, when) in sorted(_imports(state, buyer).items()):
        lot = state.lots[lid]
        day = when.date().isoformat()
        if resolve_commodity(lot.commodity) != commodity:
            continue
        if window is not None and not window[0] <= day < window[1]:
            continue
        grade = _assayed_grade(state, lid, element)
        weight = lot.quantity_t * grade if grade is not None else lot.quantity_t
        out.append(
            ReceivedLot(
                lid, origin, when.isoformat(), lot.quantity_t, weight,
                element if grade is not None and element else "gross",
                verified_share(state, lid), origin_shares(state, lid),
            )
        )  # fmt: skip
    return out


def _stage_shares(lots: list[ReceivedLot]) -> Shares:
    """Per stage, country shares of the weight of the lots that went through that stage.

    A concentrate has no separation stage yet: it is left out of that stage's
    denominator rather than counted as "unknown".
    """
    shares: Shares = {}
    for stage in sorted({s for lot in lots for s in lot.origin}):
        have = [lot for lot in lots if stage in lot.origin]
        weight = sum(lot.weight_t for lot in have)
        row: dict[str, float] = {}
        for lot in have:
            for country, s in lot.origin[stage].items():
                row[country] = row.get(country, 0.0) + lot.weight_t * s / weight
        shares[stage] = dict(sorted(row.items(), key=lambda kv: (-kv[1], kv[0])))
    return shares


def verified_supply(
    state: LedgerState, commodity: str, buyer: str, period: str | None = None
) -> VerifiedSupply:
    """Weight-averaged origin shares and verified share of what ``buyer`` received.

    Notes
    -----
    ``share_{stage,c} = Σ_l w_l·s_{l,stage,c} / Σ_l w_l`` over the lots that went
    through the stage, and
    ``verified = Σ w_l·v_l / Σ w_l`` with ``w_l`` the assayed element mass
    (gross mass where no assay exists) and ``v_l`` the lot's verified share.
    """
    return summarise(commodity, buyer, period, received_lots(state, commodity, buyer, period))


def summarise(
    commodity: str, buyer: str, period: str | None, lots: list[ReceivedLot]
) -> VerifiedSupply:
    """The weighted shares and verified share of a list of received lots (see above)."""
    total = sum(lot.weight_t for lot in lots)
    notes = []
    shares = _stage_shares(lots)
    verified = sum(lot.weight_t * lot.verified_share for lot in lots) / total if total else 0.0
    assayed = (
        sum(lot.weight_t for lot in lots if lot.weight_basis != "gross") / total if total else 0.0
    )
    if 0 < assayed < 1:
        notes.append("assayed lots count their element content, the others their gross mass")
    if not lots:
        notes.append(f"no {commodity} lots received by {buyer} from abroad in the ledger")
    return VerifiedSupply(
        commodity, buyer, period, lots, total, shares, verified,
        (1.0 - verified) if total else 0.0, assayed, notes,
    )  # fmt: skip
