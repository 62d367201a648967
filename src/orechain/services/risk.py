"""Risk use cases: a commodity's risk profile, the overview, the exposure matrix."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from orechain.risk.commodity import CommodityRisk, commodity_risk

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.risk.geopolrisk import GeoPolRisk
    from orechain.risk.imports import ImportMix
    from orechain.risk.overview import OverviewRow

__all__ = [
    "exposure_rows",
    "import_risk",
    "imports_document",
    "overview",
    "overview_with_bands",
    "risk_document",
    "risk_profile",
    "supply_risk_document",
    "verified_document",
    "with_bands",
]


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


def risk_document(
    atlas: Atlas,
    commodity: str,
    measure: str | None = None,
    year: int | None = None,
    *,
    source: str = "usgs-mcs",
    product: str | None = None,
    bands: bool = False,
) -> dict[str, Any]:
    """The ``orechain risk COMMODITY --json`` document, with ``bands`` when asked.

    A recorded run re-executes this function (:mod:`orechain.services.runs`).
    """
    result = risk_profile(atlas, commodity, measure, year, source=source, product=product)
    return with_bands(atlas, result, bands, source=source, product=product)


def with_bands(
    atlas: Atlas,
    result: CommodityRisk,
    bands: bool,
    *,
    source: str = "usgs-mcs",
    product: str | None = None,
) -> dict[str, Any]:
    """``result`` as a document, plus its HHI/CR1 bands when ``bands`` (USGS series only)."""
    doc = result.to_dict()
    if bands:
        from orechain.atlas.query import select_production
        from orechain.risk.bands import commodity_bands

        sel = select_production(
            atlas, result.commodity, result.measure, result.year, source=source, product=product
        )
        usgs = sel.source_id.startswith("usgs-mcs")
        doc["bands"] = commodity_bands(atlas, sel).to_dict() if usgs else None
    return doc


def verified_document(
    ledger_url: str, doc: dict[str, Any], buyer: str, period: str | None
) -> dict[str, Any]:
    """Origin shares of the lots ``buyer`` received in the ledger, beside the modelled shares.

    ``doc`` is the risk document; its country shares are the modelled side.
    """
    from orechain.ledger import sample
    from orechain.risk.verified import verified_supply
    from orechain.services.ledger import open_ledger
    from orechain.stages import is_stage, resolve_stage

    with open_ledger(ledger_url) as ledger:
        supply = verified_supply(ledger.state, doc["commodity"], buyer, period)
        tree = ledger.tree
        head = {"origin": ledger.origin, "tree_size": tree.size,
                "root_hash": tree.root().hex() if tree.size else None}  # fmt: skip
        label = sample.LABEL if ledger.origin == sample.ORIGIN else None
    measure = doc["measure"]
    stage = "mining" if measure == "mine" else resolve_stage(measure) if is_stage(measure) else None
    return {
        **supply.to_dict(),
        "ledger": head,
        "label": label,
        "stage": stage,
        "modelled_shares": {c["iso3"]: c["share"] for c in doc["countries"] if c["share"]},
        "verified_shares": supply.origin_shares.get(stage or "", {}),
    }


def overview(atlas: Atlas, year: int | None = None) -> list[OverviewRow]:
    """One row per commodity × stage: top country, CR1, CR3, HHI, HHI_WGI, U.S. NIR."""
    from orechain.risk.overview import risk_overview

    return risk_overview(atlas, year)


def import_risk(
    atlas: Atlas,
    commodity: str,
    importer: str,
    year: int | None = None,
    hs: str | None = None,
    by: str = "value",
) -> tuple[ImportMix, GeoPolRisk | str]:
    """An importer's supply mix from BACI and its GeoPolRisk (or why there is none)."""
    from orechain.errors import NotFoundError
    from orechain.risk.geopolrisk import geopolrisk
    from orechain.risk.imports import import_mix

    mix = import_mix(atlas, commodity, importer, year, hs, "value" if by == "value" else "quantity")
    try:
        return mix, geopolrisk(atlas, commodity, mix.importer, mix.year)
    except NotFoundError as exc:
        return mix, str(exc)


def imports_document(mix: ImportMix, gpr: GeoPolRisk | str) -> dict[str, Any]:
    """The ``orechain risk imports --json`` document; ``geopolrisk: {error}`` where it has none."""
    doc = mix.to_dict()
    doc["geopolrisk"] = {"error": gpr} if isinstance(gpr, str) else gpr.to_dict()
    return doc


def supply_risk_document(
    atlas: Atlas, commodity: str, buyer: str, **options: Any
) -> dict[str, Any]:
    """The ``orechain risk supply --json`` document (options as :func:`supply_risk` takes)."""
    from orechain.risk.supply_risk import supply_risk

    return supply_risk(atlas, commodity, buyer, **options).to_dict()


def overview_with_bands(atlas: Atlas, year: int | None = None) -> list[dict[str, Any]]:
    """Overview rows as documents with ``hhi_band`` and ``rank`` (``stable`` or ``uncertain``).

    Bands exist for USGS series with more than one reporting country; the rank of
    a row is uncertain when its HHI band overlaps a neighbour's
    (:func:`orechain.risk.bands.rank_stability`).
    """
    from orechain.atlas.query import select_production
    from orechain.risk.bands import Band, commodity_bands, rank_stability

    rows = overview(atlas, year)
    found: list[Band | None] = []
    for r in rows:
        band = None
        if r.source_id.startswith("usgs-mcs") and not r.single_reporter and r.note is None:
            sel = select_production(
                atlas, r.commodity, r.measure, r.year, source=r.source_id, product=r.type
            )
            band = commodity_bands(atlas, sel, with_supply_risk=False).hhi
        found.append(band)
    ranks = rank_stability(found)
    return [
        {**r.to_dict(), "hhi_band": None if b is None else asdict(b), "rank": rank}
        for r, b, rank in zip(rows, found, ranks, strict=True)
    ]


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
