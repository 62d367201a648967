"""``/api/risk``: concentration per commodity, the overview, import mixes, supply risk."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from orechain.api.auth import access
from orechain.api.responses import CommodityPath, JsonBytes, Svc, YearQuery, ok
from orechain.api.routes.runs import RecordQuery, authorise_record, recorded
from orechain.api.services import Services
from orechain.atlas.store import Atlas
from orechain.risk.commodity import CommodityRisk
from orechain.risk.imports import ImportMix, import_mix
from orechain.risk.overview import OverviewRow
from orechain.risk.supply_risk import SupplyRisk, supply_risk
from orechain.services import risk as risk_service
from orechain.services.documents import dump_json
from orechain.services.risk import exposure_rows, risk_document, risk_profile

router = APIRouter(prefix="/api/risk", tags=["risk"], dependencies=[Depends(access("read"))])

__all__ = ["ExposureRow", "router"]

Iso3 = Annotated[str, Query(pattern="^[A-Z]{3}$", description="ISO3 code", examples=["USA"])]

RISK_EXAMPLE = {
    "commodity": "rare-earths",
    "measure": "mine",
    "year": 2024,
    "hhi": 4969.0,
    "cr1": 0.69,
    "cr3": 0.85,
    "top_country": "CHN",
    "unit": "metric tons",
    "basis": "REO",
}


class ExposureRow(BaseModel):
    """One commodity in the exposure matrix: concentration against U.S. import reliance."""

    commodity: str
    name: str
    stage: str = Field(description="Stage with the highest governance-weighted HHI.")
    hhi_wgi: float | None = Field(description="Max over stages of Σ s²·WGI (0–10).")
    hhi: float = Field(description="HHI at that stage (0–10,000).")
    net_import_reliance: float | None = Field(description="U.S. net import reliance [%].")
    top_country: str | None


@router.get("/overview", response_class=JsonBytes, responses=ok(list[OverviewRow]))
async def overview(svc: Svc, year: YearQuery = None) -> JsonBytes:
    """One row per commodity × stage: top country, CR1, CR3, HHI, HHI_WGI, U.S. NIR."""
    return JsonBytes(await _overview(svc, year))


async def _overview(svc: Services, year: int | None) -> bytes:
    return await svc.atlas.cached(("overview", year), lambda a: risk_service.overview(a, year))


@router.get("/exposure", response_class=JsonBytes, responses=ok(list[ExposureRow]))
async def exposure(svc: Svc, year: YearQuery = None) -> JsonBytes:
    """Exposure matrix rows: worst-stage governance-weighted HHI vs U.S. import reliance."""
    rows = json.loads(await _overview(svc, year))
    return JsonBytes(await svc.atlas.cached(("exposure", year), lambda _: exposure_rows(rows)))


@router.get(
    "/commodities/{commodity}", response_class=JsonBytes, responses=ok(CommodityRisk, RISK_EXAMPLE)
)
async def commodity(
    request: Request,
    svc: Svc,
    commodity: CommodityPath,
    measure: Annotated[str | None, Query(min_length=1, max_length=60, examples=["mine"])] = None,
    year: YearQuery = None,
    source: Annotated[str, Query(max_length=60, examples=["usgs-mcs"])] = "usgs-mcs",
    bands: Annotated[bool, Query(description="Add HHI and CR1 p5/p50/p95 bands.")] = False,
    record: RecordQuery = False,
) -> JsonBytes:
    """Shares, HHI, CR1/CR3, HHI_WGI and U.S. import reliance of one commodity and stage."""
    if bands or record:
        authorise_record(request, record)
        inputs = {"commodity": commodity, "measure": measure, "year": year, "source": source,
                  "product": None, "bands": bands}  # fmt: skip
        doc = await svc.atlas.run(lambda a: risk_document(a, **inputs))  # type: ignore[arg-type]
        return JsonBytes(dump_json(await recorded(request, record, "risk", inputs, doc)))

    def compute(a: Atlas) -> CommodityRisk:
        return risk_profile(a, commodity, measure, year, source=source)

    return JsonBytes(await svc.atlas.cached(("risk", commodity, measure, year, source), compute))


@router.get("/imports/{commodity}", response_class=JsonBytes, responses=ok(ImportMix))
async def imports(
    svc: Svc,
    commodity: CommodityPath,
    importer: Iso3 = "USA",
    year: YearQuery = None,
    by: Literal["value", "quantity"] = "value",
) -> JsonBytes:
    """The importer's supplier mix from BACI bilateral trade, with import-side risk."""

    def compute(a: Atlas) -> ImportMix:
        return import_mix(a, commodity, importer, year, by=by)

    return JsonBytes(await svc.atlas.cached(("imports", commodity, importer, year, by), compute))


@router.get("/supply/{commodity}", response_class=JsonBytes, responses=ok(SupplyRisk))
async def supply(
    svc: Svc, commodity: CommodityPath, buyer: Iso3 = "USA", year: YearQuery = None
) -> JsonBytes:
    """EU supply risk per stage and its maximum, each input marked data or assumption."""

    def compute(a: Atlas) -> SupplyRisk:
        return supply_risk(a, commodity, buyer, year)

    return JsonBytes(await svc.atlas.cached(("supply", commodity, buyer, year), compute))
