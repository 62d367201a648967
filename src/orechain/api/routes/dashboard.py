"""``/api/dashboard``: the data the dashboard's trade-flow, time-series and corridor views draw.

Thin routes over :mod:`orechain.services.tradeflows`,
:mod:`orechain.services.timeseries` and :mod:`orechain.services.corridor`; the
pages fetch them from the same origin.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from orechain.api.auth import Principal, access
from orechain.api.responses import CommodityPath, JsonBytes, Svc, YearQuery, ok
from orechain.atlas.store import Atlas
from orechain.ledger.service import Ledger
from orechain.services.corridor import verified_supply_view
from orechain.services.timeseries import production_series, salient_series
from orechain.services.tradeflows import trade_codes, trade_view

router = APIRouter(
    prefix="/api/dashboard", tags=["dashboard"], dependencies=[Depends(access("read"))]
)

__all__ = ["router"]


class Point(BaseModel):
    """One year's value and the source vintage it comes from."""

    year: int
    value: float = Field(description="Value in the series' unit.")
    source_id: str = Field(examples=["usgs-mcs-2025"])


class CountrySeries(BaseModel):
    """One country's values over the years."""

    iso3: str
    name: str
    points: list[Point]


class ProductionSeries(BaseModel):
    """The largest producers' values by year, newest vintage per year."""

    commodity: str
    measure: str
    unit: str
    years: list[int]
    series: list[CountrySeries]


class SalientPoint(BaseModel):
    """One year of a U.S. salient statistic; flagged years (E, W, XX) have no value."""

    year: int
    value: float | None
    flag: str | None
    source_id: str


class SalientItem(BaseModel):
    """One item's values over the years (an oxide's price, a product form's reliance)."""

    name: str
    unit: str
    points: list[SalientPoint]


class SalientSeries(BaseModel):
    """U.S. salient statistics of one variable, newest edition per year."""

    commodity: str
    variable: str
    series: list[SalientItem]


class TradeSideRow(BaseModel):
    """One exporter or importer: value [USD], quantity [t] and share of world trade value."""

    iso3: str
    name: str
    value_usd: float
    quantity_t: float | None
    share: float


class TradeSide(BaseModel):
    """The largest exporters (or importers) with the HHI of the whole side (0–10,000)."""

    rows: list[TradeSideRow]
    hhi: float
    n_countries: int


class TradeLink(BaseModel):
    """Flow between a top exporter and a top importer ('other' pools the rest) [USD]."""

    source: str
    target: str
    value_usd: float


class Partner(BaseModel):
    """A partner of the chosen country with its share of that country's trade value."""

    iso3: str
    name: str
    value_usd: float
    share: float


class Partners(BaseModel):
    """The chosen country's export and import partners."""

    iso3: str
    name: str
    exports: list[Partner]
    imports: list[Partner]
    exports_usd: float
    imports_usd: float


class TradeView(BaseModel):
    """Bilateral trade of one HS6 code and year (BACI)."""

    hs6: str
    description: str | None
    commodity: str | None
    year: int
    source_id: str
    total_usd: float
    exporters: TradeSide
    importers: TradeSide
    links: list[TradeLink]
    partners: Partners | None
    names: dict[str, str]


class TradeCode(BaseModel):
    """An HS6 code with trade in the atlas."""

    hs6: str
    description: str | None
    commodity: str | None
    first_year: int
    last_year: int


Hs6Path = Annotated[str, Path(pattern="^[0-9]{6}$", examples=["284690"])]
CountryQuery = Annotated[str | None, Query(pattern="^[A-Z]{3}$", description="ISO3 code")]
MeasureQuery = Annotated[str, Query(min_length=1, max_length=60, examples=["mine"])]


@router.get("/trade-codes", response_class=JsonBytes, responses=ok(list[TradeCode]))
async def codes(svc: Svc) -> JsonBytes:
    """Every HS6 code with BACI trade in the atlas."""
    return JsonBytes(await svc.atlas.cached(("dash-codes",), trade_codes))


@router.get("/trade/{hs6}", response_class=JsonBytes, responses=ok(TradeView))
async def trade(
    svc: Svc, hs6: Hs6Path, year: YearQuery = None, country: CountryQuery = None
) -> JsonBytes:
    """Exporters and importers with shares and HHI, top flows and a country's partners."""

    def compute(a: Atlas) -> dict[str, Any]:
        return trade_view(a, hs6, year, country)

    return JsonBytes(await svc.atlas.cached(("dash-trade", hs6, year, country), compute))


@router.get("/series/{commodity}", response_class=JsonBytes, responses=ok(ProductionSeries))
async def series(
    svc: Svc, commodity: CommodityPath, measure: MeasureQuery = "mine", country: CountryQuery = None
) -> JsonBytes:
    """The largest producers (or one country) by year over every vintage the atlas holds."""

    def compute(a: Atlas) -> dict[str, Any]:
        return production_series(a, commodity, measure, country=country)

    key = ("dash-series", commodity, measure, country)
    return JsonBytes(await svc.atlas.cached(key, compute))


VariableQuery = Annotated[
    Literal["price", "net_import_reliance"], Query(description="Salient variable")
]


@router.get("/salient/{commodity}", response_class=JsonBytes, responses=ok(SalientSeries))
async def salient(
    svc: Svc, commodity: CommodityPath, variable: VariableQuery = "price"
) -> JsonBytes:
    """U.S. prices or net import reliance by year (USGS MCS salient statistics)."""

    def compute(a: Atlas) -> dict[str, Any]:
        return salient_series(a, commodity, variable)

    return JsonBytes(await svc.atlas.cached(("dash-salient", commodity, variable), compute))


class VerifiedSupplyView(BaseModel):
    """Origin shares of what a buyer received in the ledger (lots only for auditors/admins)."""

    commodity: str
    buyer: str
    period: str | None
    n_lots: int
    total_weight_t: float = Field(description="Assayed element mass, else gross mass [t].")
    origin_shares: dict[str, dict[str, float]] = Field(description="stage → ISO3 → share")
    verified_mass_share: float
    unverified_mass_share: float
    assayed_mass_share: float
    notes: list[str]
    lots: list[dict[str, Any]] | None = Field(description="Received lots; null when not allowed.")


BuyerQuery = Annotated[str, Query(pattern="^[A-Z]{3}$", description="ISO3 code of the buyer")]
PeriodQuery = Annotated[
    str | None, Query(pattern=r"^\d{4}(-(\d{2}|Q[1-4]))?$", description="YYYY, YYYY-MM or YYYY-Qn")
]


@router.get("/verified/{commodity}", response_class=JsonBytes, responses=ok(VerifiedSupplyView))
async def verified(
    svc: Svc,
    commodity: CommodityPath,
    who: Annotated[Principal, Depends(access("read"))],
    buyer: BuyerQuery = "USA",
    period: PeriodQuery = None,
) -> JsonBytes:
    """The ledger's verified origin shares of what ``buyer`` received; lots are confidential."""

    def compute(led: Ledger) -> dict[str, Any]:
        return verified_supply_view(led.state, commodity, buyer, period, confidential=who.sees_all)

    key = ("dash-verified", commodity, buyer, period, who.sees_all)
    return JsonBytes(await svc.ledger.cached(key, compute))
