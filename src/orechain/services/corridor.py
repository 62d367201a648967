"""The Pakistan → United States corridor in numbers.

The same facts feed the dashboard's Overview page and ``orechain report
corridor``: China's share at each stage of rare earths, antimony and copper
(from the risk overview), U.S. net import reliance, and what the Pakistan
mitigations change in the bundled corridor scenario.
"""

from __future__ import annotations

import logging
from typing import Any

from orechain.atlas.stages import measure_stage
from orechain.atlas.store import Atlas
from orechain.errors import OreChainError
from orechain.ledger.domain import LedgerState
from orechain.risk.commodity import commodity_risk
from orechain.risk.overview import OverviewRow, risk_overview
from orechain.risk.verified import verified_supply
from orechain.stages import stage_index

logger = logging.getLogger(__name__)

CORRIDOR_COMMODITIES = ("rare-earths", "antimony", "copper")
"""The commodities of the first Pakistan → US shipment (seed article)."""

CORRIDOR_SCENARIO = "pakistan-us-corridor"
"""The bundled scenario of the corridor."""

__all__ = [
    "CORRIDOR_COMMODITIES",
    "corridor_backtests",
    "CORRIDOR_SCENARIO",
    "corridor_facts",
    "corridor_scenario",
    "scenario_digest",
    "stage_rows",
    "verified_supply_view",
]


def _china_share(atlas: Atlas, row: OverviewRow) -> float | None:
    if row.top_country == "CHN":
        return row.cr1
    try:
        risk = commodity_risk(atlas, row.commodity, row.measure, row.year)
    except OreChainError:
        return None
    return next((c.share for c in risk.countries if c.iso3 == "CHN"), 0.0)


def stage_rows(atlas: Atlas, rows: list[OverviewRow], commodity: str) -> list[dict[str, Any]]:
    """China's share, HHI and source at each stage of one commodity, in value-chain order."""
    picked = sorted(
        (r for r in rows if r.commodity == commodity),
        key=lambda r: (stage_index(measure_stage(r.measure)), r.measure),
    )
    return [
        {
            "commodity": r.commodity,
            "name": r.name,
            "stage": r.measure,
            "stage_id": measure_stage(r.measure),
            "year": r.year,
            "china_share": _china_share(atlas, r),
            "top_country": r.top_country,
            "hhi": r.hhi,
            "lower_bound": r.note is not None,
            "source_id": r.source_id,
            "note": r.note,
        }
        for r in picked
    ]


def corridor_facts(atlas: Atlas, year: int | None = None) -> dict[str, Any]:
    """China's share by stage and U.S. net import reliance for the corridor's commodities."""
    rows = risk_overview(atlas, year)
    stages = {cid: stage_rows(atlas, rows, cid) for cid in CORRIDOR_COMMODITIES}
    nir = []
    for cid in CORRIDOR_COMMODITIES:
        first = next((r for r in rows if r.commodity == cid), None)
        if first is not None:
            nir.append(
                {
                    "commodity": cid,
                    "name": first.name,
                    "year": first.year,
                    "net_import_reliance": first.net_import_reliance,
                    "flag": first.net_import_reliance_flag,
                }
            )
    return {"stages": stages, "nir": nir}


def scenario_digest(doc: dict[str, Any]) -> dict[str, Any]:
    """Headline of a corridor run: shortfall and China's last-year shares, with and without."""
    last = doc["years"][-1]
    out: dict[str, Any] = {
        "scenario": doc["scenario"],
        "region": doc["summary"]["region"],
        "year": last["year"],
        "with": _side(doc["summary"], last),
        "years": _yearly(doc),
        "traced": [a for a in doc.get("assumptions", []) if a.startswith("restriction ")],
        "routing_samples": max((y.get("routing_samples", 0) for y in doc["years"]), default=0),
        "observed": doc.get("observed", []),
    }
    without = doc.get("without")
    if without:
        out["variant"] = without["variant"]
        out["without"] = _side(without["summary"], without["years"][-1])
    return out


def _side(summary: dict[str, Any], last: dict[str, Any]) -> dict[str, Any]:
    china = {
        stage: shares.get("CHN", 0.0)
        for stage, shares in last.get("supply_share_by_origin", {}).items()
    }
    return {
        "shortfall_t": summary["shortfall_t"],
        "shortfall_share": summary["shortfall_share"],
        "china_share_last_year": china,
        "china_range_last_year": _china_ranges(last),
        "price_index_last_year": dict(last.get("price_index", {})),
    }


def _china_ranges(year: dict[str, Any]) -> dict[str, list[float]]:
    """China's share range by stage over equally cheap routings (empty for runs without)."""
    return {
        stage: by["CHN"]
        for stage, by in year.get("supply_share_range_by_origin", {}).items()
        if "CHN" in by
    }


def _yearly(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Per year: shortfall, end-use price index and China's origin-traced share by stage."""
    out = []
    for y in doc["years"]:
        prices = y.get("price_index", {})
        out.append(
            {
                "year": y["year"],
                "shortfall_t": y["shortfall_t"],
                "price_index": prices.get(list(prices)[-1]) if prices else None,
                "china_share": {
                    stage: shares.get("CHN", 0.0)
                    for stage, shares in y.get("supply_share_by_origin", {}).items()
                },
                "china_range": _china_ranges(y),
            }
        )
    return out


def corridor_scenario(atlas: Atlas) -> dict[str, Any] | None:
    """Digest of the bundled corridor scenario, or None when it cannot be run."""
    from orechain.services.catalog import bundled_scenario
    from orechain.services.scenarios import run_document

    try:
        doc = run_document(bundled_scenario(CORRIDOR_SCENARIO), atlas)
    except OreChainError as exc:
        logger.warning("corridor scenario left out of the report: %s", exc)
        return None
    return scenario_digest(doc)


def corridor_backtests(atlas: Atlas) -> dict[str, Any] | None:
    """Every backtest (observed against predicted), or None when they cannot run."""
    from orechain.services.scenarios import backtest_document

    try:
        return backtest_document(atlas)
    except OreChainError as exc:
        logger.warning("backtests left out of the report: %s", exc)
        return None


def verified_supply_view(
    state: LedgerState,
    commodity: str,
    buyer: str,
    period: str | None = None,
    *,
    confidential: bool = False,
) -> dict[str, Any]:
    """The ledger's verified origin shares of what ``buyer`` received, for the overview.

    Origin shares per stage, total weight and the verified and assayed mass shares
    are aggregates, public like the transparency totals; the received lots (masses,
    exporters, dates) are confidential and listed only when ``confidential``.
    """
    supply = verified_supply(state, commodity, buyer, period)
    doc = supply.to_dict()
    doc["n_lots"] = len(supply.lots)
    doc["lots"] = doc["lots"] if confidential else None
    return doc
