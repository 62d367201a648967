"""``/api/atlas``: commodities, production, reserves, trade and country profiles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from orechain.api.auth import access
from orechain.api.pagination import Limit, Offset, Page, paginate
from orechain.api.responses import CommodityPath, JsonBytes, Svc, YearQuery, ok
from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.profile import CountryProfile, country_profile
from orechain.atlas.query import list_commodities, select_production
from orechain.atlas.schema import AGGREGATES
from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError

router = APIRouter(prefix="/api/atlas", tags=["atlas"], dependencies=[Depends(access("read"))])

__all__ = ["router"]


class Commodity(BaseModel):
    """A commodity the atlas holds, with the measures, years and sources it has."""

    commodity: str = Field(examples=["rare-earths"])
    name: str = Field(examples=["Rare earths"])
    critical: bool | None = None
    measures: list[str] = Field(default_factory=list, examples=[["mine"]])
    first_year: int | None = Field(default=None, examples=[2018])
    last_year: int | None = Field(default=None, examples=[2024])
    sources: list[str] = Field(default_factory=list)


class QuantityRow(BaseModel):
    """One country's (or aggregate's) published value."""

    country: str = Field(description="ISO3, or WORLD / OTHER.", examples=["CHN"])
    country_name: str | None = Field(default=None, examples=["China"])
    m49: int | None = Field(default=None, description="UN M49 / ISO numeric code (for maps).")
    value: float | None = Field(default=None, description="Value in the published unit.")
    quantity_t: float | None = Field(default=None, description="Value in metric tons [t].")
    share: float | None = Field(default=None, description="Share of the total, 0..1.")
    estimated: bool | None = None
    qualifier: str | None = None
    note: str | None = None


class Production(BaseModel):
    """Production of one commodity × measure × year from one source vintage."""

    commodity: str = Field(examples=["rare-earths"])
    measure: str = Field(examples=["mine"])
    year: int = Field(examples=[2024])
    source_id: str = Field(examples=["usgs-mcs-2025"])
    type: str
    unit: str = Field(examples=["metric tons"])
    basis: str | None = Field(default=None, examples=["REO"])
    note: str | None = None
    rows: list[QuantityRow]


class Reserves(BaseModel):
    """Reserves of one commodity by country (latest USGS vintage for the year)."""

    commodity: str
    year: int
    source_id: str
    type: str | None
    unit: str | None
    rows: list[QuantityRow]


class TradeRow(BaseModel):
    """One bilateral flow (BACI: exports reported by the exporter, reconciled)."""

    reporter: str = Field(examples=["PAK"])
    partner: str | None = Field(default=None, examples=["USA"])
    flow: str = Field(examples=["export"])
    hs6: str = Field(examples=["261710"])
    nomenclature: str | None = None
    year: int
    quantity_kg: float | None = None
    value_usd: float | None = None
    source_id: str


def _with_m49(atlas: Atlas, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    codes = atlas.query("SELECT iso3, m49 FROM countries").dropna()
    m49 = dict(zip(codes["iso3"], codes["m49"].astype(int), strict=True))
    total = sum(
        r["value"] or 0.0 for r in rows if r["country"] != "WORLD" and r["value"] == r["value"]
    )
    for r in rows:
        r["m49"] = m49.get(r["country"])
        countable = r["country"] not in AGGREGATES and r["value"] is not None and total > 0
        r["share"] = r["value"] / total if countable and r["value"] == r["value"] else None
    return rows


def _production(atlas: Atlas, commodity: str, measure: str, year: int | None, source: str) -> Any:
    sel = select_production(atlas, commodity, measure, year, source=source)
    rows = _with_m49(atlas, sel.rows.to_dict("records"))
    return {
        "commodity": sel.commodity,
        "measure": sel.measure,
        "year": sel.year,
        "source_id": sel.source_id,
        "type": sel.type,
        "unit": sel.unit,
        "basis": sel.basis,
        "note": sel.note,
        "rows": rows,
    }


def _reserves(atlas: Atlas, commodity: str, year: int | None) -> dict[str, Any]:
    cid = resolve_commodity(commodity)
    years = atlas.query("SELECT max(year) AS y FROM reserves WHERE commodity = ?", [cid])
    year = year if year is not None else years["y"].iloc[0]
    if year is None or year != year:
        msg = f"no reserves data for {cid}"
        raise NotFoundError(msg)
    rows = atlas.query(
        """SELECT country, country_name, value, quantity_t, qualifier, note, type, unit, source_id
           FROM reserves WHERE commodity = ? AND year = ?
           QUALIFY source_id = max(source_id) OVER () ORDER BY value DESC NULLS LAST""",
        [cid, int(year)],
    )
    if rows.empty:
        msg = f"no reserves data for {cid} in {year}"
        raise NotFoundError(msg)
    head = rows.iloc[0]
    body = rows.drop(columns=["type", "unit", "source_id"]).to_dict("records")
    return {
        "commodity": cid,
        "year": int(year),
        "source_id": str(head["source_id"]),
        "type": head["type"],
        "unit": head["unit"],
        "rows": _with_m49(atlas, body),
    }


def _trade(atlas: Atlas, filters: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
    where = " AND ".join(f"{k} = ?" for k in filters) or "TRUE"
    params = list(filters.values())
    total = int(atlas.query(f"SELECT count(*) AS n FROM trade WHERE {where}", params)["n"][0])
    rows = atlas.query(
        f"SELECT * FROM trade WHERE {where} ORDER BY year DESC, value_usd DESC NULLS LAST, "
        "reporter, partner, hs6 LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    end = offset + limit
    return {
        "items": rows.to_dict("records"),
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": end if end < total else None,
    }


def _commodities(atlas: Atlas) -> list[dict[str, Any]]:
    frame = list_commodities(atlas)
    out = []
    for r in frame.to_dict("records"):
        for key in ("measures", "sources"):
            r[key] = [] if r[key] is None else [str(x) for x in r[key]]
        out.append(r)
    return out


@router.get("/commodities", response_class=JsonBytes, responses=ok(Page[Commodity]))
async def commodities(svc: Svc, limit: Limit = 100, offset: Offset = 0) -> JsonBytes:
    """Every commodity in the atlas with its measures, years and sources (paginated)."""
    key = ("commodities", limit, offset)
    return JsonBytes(
        await svc.atlas.cached(key, lambda a: paginate(_commodities(a), limit, offset))
    )


MeasureQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=60,
        description="mine, refinery, smelter, a stage, ...",
        examples=["mine"],
    ),
]


@router.get("/production/{commodity}", response_class=JsonBytes, responses=ok(Production))
async def production(
    svc: Svc,
    commodity: CommodityPath,
    measure: MeasureQuery = "mine",
    year: YearQuery = None,
    source: Annotated[str, Query(max_length=60, description="usgs-mcs, wmd or a source id")] = (
        "usgs-mcs"
    ),
) -> JsonBytes:
    """Production by country of one commodity, measure and year, with shares and M49 codes."""
    key = ("production", commodity, measure, year, source)
    return JsonBytes(
        await svc.atlas.cached(key, lambda a: _production(a, commodity, measure, year, source))
    )


@router.get("/reserves/{commodity}", response_class=JsonBytes, responses=ok(Reserves))
async def reserves(svc: Svc, commodity: CommodityPath, year: YearQuery = None) -> JsonBytes:
    """Reserves by country (latest USGS vintage with the year)."""
    return JsonBytes(
        await svc.atlas.cached(
            ("reserves", commodity, year), lambda a: _reserves(a, commodity, year)
        )
    )


Iso3Query = Annotated[str | None, Query(pattern="^[A-Z]{3}$", description="ISO3 code")]


@router.get("/trade", response_class=JsonBytes, responses=ok(Page[TradeRow]))
async def trade(
    svc: Svc,
    reporter: Iso3Query = None,
    partner: Iso3Query = None,
    hs6: Annotated[str | None, Query(pattern="^[0-9]{6}$", examples=["280530"])] = None,
    year: YearQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> JsonBytes:
    """Bilateral trade flows, filtered and paginated."""
    filters = {
        k: v
        for k, v in {"reporter": reporter, "partner": partner, "hs6": hs6, "year": year}.items()
        if v is not None
    }
    key = ("trade", tuple(sorted(filters.items())), limit, offset)
    return JsonBytes(await svc.atlas.cached(key, lambda a: _trade(a, filters, limit, offset)))


CountryPath = Annotated[
    str,
    Path(
        min_length=2,
        max_length=80,
        description="ISO3 code or name",
        openapi_examples={"Pakistan": {"value": "PAK"}},
    ),
]


@router.get("/countries/{country}", response_class=JsonBytes, responses=ok(CountryProfile))
async def country(svc: Svc, country: CountryPath, year: YearQuery = None) -> JsonBytes:
    """A country's profile: every commodity it produces or holds, with share and rank."""
    return JsonBytes(
        await svc.atlas.cached(
            ("profile", country, year), lambda a: country_profile(a, country, year)
        )
    )
