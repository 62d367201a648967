"""Risk use cases: a commodity's risk profile, the overview, the exposure matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orechain.risk.commodity import CommodityRisk, commodity_risk
from orechain.risk.overview import OverviewRow, risk_overview

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

__all__ = ["exposure_rows", "overview", "risk_profile"]


def risk_profile(
    atlas: Atlas,
    commodity: str,
    measure: str | None = None,
    year: int | None = None,
    *,
    source: str = "usgs-mcs",
    product: str | None = None,
) -> CommodityRisk:
    """Shares, HHI, CR1/CR3, HHI_WGI and U.S. import reliance of one commodity and stage.

    The same object is printed by ``orechain risk commodity --json`` and sent by
    ``GET /api/risk/commodities/{commodity}``.
    """
    return commodity_risk(atlas, commodity, measure, year, source=source, product=product)


def overview(atlas: Atlas, year: int | None = None) -> list[OverviewRow]:
    """One row per commodity × stage: top country, CR1, CR3, HHI, HHI_WGI, U.S. NIR."""
    return risk_overview(atlas, year)


def exposure_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per commodity, the stage with the highest governance-weighted HHI and its U.S. NIR.

    ``rows`` are overview rows as documents. The "importance" axis of the EU
    criticality matrix (economic importance) is not in the atlas; the page plots
    U.S. net import reliance instead and says so.
    """
    best: dict[str, dict[str, Any]] = {}
    for r in rows:
        current = best.get(r["commodity"])
        if current is None or (r["hhi_wgi"] or -1.0) > (current["hhi_wgi"] or -1.0):
            best[r["commodity"]] = r
    return [
        {
            "commodity": r["commodity"],
            "name": r["name"],
            "stage": r["measure"],
            "hhi_wgi": r["hhi_wgi"],
            "hhi": r["hhi"],
            "net_import_reliance": r["net_import_reliance"],
            "top_country": r["top_country"],
        }
        for r in sorted(best.values(), key=lambda r: r["commodity"])
    ]
