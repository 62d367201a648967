"""Supply concentration of one commodity at one stage: the `orechain risk` answer.

Gathers shares, HHI, CR1/CR3, the governance-weighted HHI, U.S. net import
reliance and the second production source into one result, every figure
tagged with the source it came from.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from orechain.atlas.query import DEFAULT_SOURCE, ProductionSelection, select_production
from orechain.errors import NotFoundError
from orechain.risk.concentration import (
    concentration_ratio_of,
    hhi_of,
    ranked_shares,
    total_of,
)
from orechain.risk.governance import governance_by_country, hhi_wgi_of, missing_governance
from orechain.risk.import_reliance import net_import_reliance, us_import_sources

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

logger = logging.getLogger(__name__)

SECOND_SOURCE = "wmd"
"""World Mining Data: shown beside USGS where it covers the commodity and year."""


@dataclass(frozen=True)
class CountryShare:
    """One supplier's row."""

    iso3: str
    name: str
    value: float | None
    """Production in the published unit; None when withheld."""
    share: float | None
    """Share of the total, 0..1."""
    estimated: bool = False
    qualifier: str | None = None


@dataclass(frozen=True)
class SourceComparison:
    """The same question answered by another source."""

    source_id: str
    total: float
    unit: str
    hhi: float
    cr1: float
    top_country: str | None
    differences: list[dict[str, Any]] = field(default_factory=list)
    """Countries whose values differ: iso3, primary value, this source's value."""


@dataclass(frozen=True)
class CommodityRisk:
    """Concentration of one commodity's supply at one stage in one year."""

    commodity: str
    measure: str
    year: int
    type: str
    unit: str
    basis: str | None
    total: float
    """Σ country values + 'other countries' [unit]: the share denominator."""
    world_total_published: float | None
    difference_from_published: float | None
    """``total − world_total_published`` [unit]; rounding or unlisted countries."""
    countries: list[CountryShare]
    other_countries: float
    hhi: float
    """Σ (100·s)², 0–10,000."""
    cr1: float
    cr3: float
    top_country: str | None
    hhi_wgi: float | None
    """Σ s²·WGI with WGI scaled 0–10 (EU CRM method)."""
    wgi_missing: list[str]
    net_import_reliance: float | None
    """U.S. net import reliance [%], None where not published or computable."""
    net_import_reliance_flag: str | None
    withheld: list[str]
    """Countries whose value the source withholds (W) — not in the shares."""
    us_import_sources: list[str]
    """Major U.S. import sources (ISO3, largest first), USGS MCS."""
    sources: list[str]
    comparison: list[SourceComparison]
    notes: list[str] = field(default_factory=list)
    """Caveats, e.g. a lower-bound HHI when a source names only its top supplier."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return asdict(self)


def _known_values(sel: ProductionSelection) -> dict[str, float]:
    """Country values, summed per country, by country code: the shares' quantities.

    Rows without a value (withheld) are left out; keys in code order, as a pandas
    ``groupby`` gives them, so that totals add up in the same order. A country
    listed twice (USGS lists U.S. helium twice) is added as pandas adds two
    values; three or more rows of one country, which the atlas does not hold,
    could differ from pandas' compensated group sum in the last bit.
    """
    known: dict[str, float] = {}
    for r in sel.country_records:
        if r["value"] is not None:
            known[r["country"]] = known.get(r["country"], 0.0) + float(r["value"])
    return dict(sorted(known.items()))


def _shares(known: dict[str, float], other: float) -> dict[str, float]:
    """Shares of ``known`` by country, largest first (see :func:`ranked_shares`)."""
    labels = list(known)
    return {labels[i]: s for i, s in ranked_shares(labels, list(known.values()), other)}


def _country_shares(sel: ProductionSelection) -> tuple[dict[str, float], list[CountryShare]]:
    share = _shares(_known_values(sel), sel.other_value)
    out = []
    for row in sel.country_records:
        value = None if row["value"] is None else float(row["value"])
        out.append(
            CountryShare(
                iso3=str(row["country"]),
                name=str(row["country_name"]),
                value=value,
                share=share.get(row["country"]),
                estimated=bool(row["estimated"]) if row["estimated"] is not None else False,
                qualifier=None if row["qualifier"] is None else str(row["qualifier"]),
            )
        )
    out.sort(key=lambda c: -(c.value or -1.0))
    return share, out


def _total(sel: ProductionSelection) -> float:
    """Σ country values + 'other countries' [unit]: the share denominator."""
    return total_of([r["value"] for r in sel.country_records]) + sel.other_value


def _comparison(atlas: Atlas, primary: ProductionSelection) -> list[SourceComparison]:
    if primary.measure != "mine" or primary.source_id.startswith(SECOND_SOURCE):
        return []
    try:
        other = select_production(
            atlas, primary.commodity, "mine", primary.year, source=SECOND_SOURCE, with_frame=False
        )
    except NotFoundError:
        return []
    other_known = _known_values(other)
    other_share = _shares(other_known, other.other_value)
    mine = _known_values(primary)
    diffs = []
    for iso3 in sorted(set(mine) | set(other_known)):
        a, b = mine.get(iso3), other_known.get(iso3)
        if a is None or b is None or abs(float(a) - float(b)) > 1e-9 * max(abs(a), abs(b), 1):
            diffs.append({"iso3": iso3, primary.source_id: a, other.source_id: b})
    return [
        SourceComparison(
            source_id=other.source_id,
            total=float(total_of(list(other_known.values())) + other.other_value),
            unit=other.unit,
            hhi=hhi_of(list(other_share.values())),
            cr1=concentration_ratio_of(list(other_share.values()), 1),
            top_country=next(iter(other_share), None),
            differences=diffs,
        )
    ]


def commodity_risk(
    atlas: Atlas,
    commodity: str,
    measure: str | None = None,
    year: int | None = None,
    *,
    source: str = DEFAULT_SOURCE,
    product: str | None = None,
) -> CommodityRisk:
    """Concentration metrics of one commodity and stage, with their sources.

    Notes
    -----
    ``s_c = q_c / (Σ q + q_other)``; ``HHI = Σ (100·s_c)²``; CR1 and CR3 are the
    largest one and three shares; ``HHI_WGI = Σ s_c²·WGI_c``. Withheld values
    (USGS "W") are left out of the shares and listed in ``withheld``.
    """
    notes: list[str] = []
    if measure is None:
        measure = primary_measure(atlas, commodity, source)
        if measure != "mine":
            notes.append(f"no mine production series: showing the primary measure, {measure}")
    sel = select_production(
        atlas, commodity, measure, year, source=source, product=product, with_frame=False
    )
    share, rows = _country_shares(sel)
    notes += _vintage_notes(atlas, sel, year)
    row_notes = [r.get("note") for r in sel.records]
    notes += sorted({str(n) for n in row_notes if n is not None and "ASSUMPTION" in str(n)})
    notes += _separate_series_notes(atlas, sel, share)
    wgi = governance_by_country(atlas, sel.year)
    total = _total(sel)
    published = sel.world_total_published
    nir = net_import_reliance(atlas, sel.commodity, sel.year)
    comparison = _comparison(atlas, sel)
    imports = us_import_sources(atlas, sel.commodity)
    wgi_sources = [s for (s,) in atlas.con.execute("SELECT DISTINCT source_id FROM wgi").fetchall()]
    values = list(share.values())
    return CommodityRisk(
        commodity=sel.commodity,
        measure=sel.measure,
        year=sel.year,
        type=sel.type,
        unit=sel.unit,
        basis=sel.basis,
        total=total,
        world_total_published=published,
        difference_from_published=None if published is None else total - published,
        countries=rows,
        other_countries=sel.other_value,
        hhi=hhi_of(values),
        cr1=concentration_ratio_of(values, 1),
        cr3=concentration_ratio_of(values, 3),
        top_country=next((str(c) for c in share), None),
        hhi_wgi=hhi_wgi_of(values, [wgi.get(c) for c in share]) if wgi else None,
        wgi_missing=missing_governance(share, wgi) if wgi else [],
        net_import_reliance=nir.value_pct,
        net_import_reliance_flag=nir.flag,
        withheld=sorted(c.iso3 for c in rows if c.value is None and c.qualifier == "W"),
        us_import_sources=[s.iso3 for s in imports],
        sources=sorted(
            {sel.source_id, *wgi_sources, *(s.source_id for s in imports[:1])}
            | ({nir.source_id} if nir.source_id else set())
        ),
        comparison=comparison,
        notes=([sel.note] if sel.note else []) + notes,
    )


PRIMARY_ORDER = ("mine", "plant", "refinery", "smelter")
"""Preferred measures when the caller names none: the first one with data."""


def primary_measure(atlas: Atlas, commodity: str, source: str = DEFAULT_SOURCE) -> str:
    """The commodity's primary measure (mine, else plant, refinery, smelter with data).

    Gallium has no mine series: its primary measure is plant production.
    """
    from orechain.atlas.query import measures

    have = measures(atlas, commodity, source)
    for m in PRIMARY_ORDER:
        if m in have:
            return m
    return have[0] if have else "mine"


def _vintage_notes(atlas: Atlas, sel: ProductionSelection, year: int | None) -> list[str]:
    """Say so when the latest vintage has no values and an older one answers."""
    latest = atlas.con.execute(
        "SELECT max(source_id) FROM production WHERE source_id LIKE ? AND commodity = ?",
        [sel.source_id.rsplit("-", 1)[0] + "-%", sel.commodity],
    ).fetchone()
    newest = latest[0] if latest else None
    if newest is None or newest == sel.source_id or year is not None:
        return []
    return [
        f"{newest} publishes no {sel.measure} values for {sel.commodity}: "
        f"using the latest vintage with data, {sel.source_id} (year {sel.year})"
    ]


def _separate_series_notes(
    atlas: Atlas, sel: ProductionSelection, share: dict[str, float]
) -> list[str]:
    """Countries published under another series of the same measure, said so.

    E.g. the U.S. cobalt row "Mine production, estimated": not in the shares; the
    note gives what CR1 would be with it.
    """
    if not sel.other_types:
        return []
    marks = ", ".join("?" for _ in sel.other_types)
    extra = atlas.con.execute(
        f"""SELECT country, value, type FROM production
        WHERE commodity = ? AND measure = ? AND year = ? AND source_id = ?
          AND type IN ({marks}) AND value IS NOT NULL AND country NOT IN ('WORLD', 'OTHER')""",
        [sel.commodity, sel.measure, sel.year, sel.source_id, *sel.other_types],
    ).fetchall()
    known = {r["country"] for r in sel.country_records}
    extra = [(c, float(v), t) for c, v, t in extra if c not in known]
    if not extra:
        return []
    total = _total(sel)
    grand = total + sum(v for _, v, _ in extra)
    top = next(iter(share.values()), 0.0) * total
    listed = "; ".join(f"{c} {v:,.0f} {sel.unit} ('{t}')" for c, v, t in extra)
    return [
        f"not in the shares: {listed}, published as a separate series; "
        f"with it CR1 would be {100 * top / grand:.2f} % instead of "
        f"{100 * top / total:.2f} %"
    ]
