"""Country profiles: what a country produces and holds in reserve, and its rank."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from orechain.atlas.query import DEFAULT_SOURCE, resolve_country, select_all_series, series_rows
from orechain.atlas.schema import AGGREGATES
from orechain.atlas.store import Atlas


@dataclass(frozen=True)
class ProfileEntry:
    """One commodity × measure (or reserves) a country appears in."""

    commodity: str
    measure: str
    """Production measure, or ``reserves``."""
    year: int
    value: float | None
    unit: str
    basis: str | None
    share: float | None
    """Share of the total (Σ countries + other), 0..1."""
    rank: int | None
    """1 = largest producer; ties share a rank."""
    n_countries: int
    type: str
    source_id: str
    qualifier: str | None = None


@dataclass(frozen=True)
class ExportLine:
    """A country's exports of one HS code in one year, from BACI bilateral trade."""

    commodity: str
    hs6: str
    description: str | None
    year: int
    value_usd: float
    quantity_t: float | None
    partners: list[dict[str, Any]]
    """Largest buyers: iso3, value_usd, share (0..1) of this line's value."""
    source_id: str


@dataclass(frozen=True)
class CountryProfile:
    """A country's place in every commodity's supply."""

    iso3: str
    name: str
    region: str | None
    entries: list[ProfileEntry]
    exports: list[ExportLine] = field(default_factory=list)
    """BACI exports of the corridor commodities' HS codes (latest year with data)."""
    notes: list[str] = field(default_factory=list)
    """Why a corridor commodity has no production row (the source publishes none)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return asdict(self)


def _rank_table(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add share, rank and n_countries within each group of ``keys``."""
    rows = rows.copy()
    is_country = ~rows["country"].isin(AGGREGATES)
    totals = rows[rows["country"] != "WORLD"].groupby(keys)["value"].sum().rename("total")
    rows = rows.join(totals, on=keys)
    rows["share"] = rows["value"] / rows["total"]
    ranked = rows[is_country].copy()
    ranked["rank"] = ranked.groupby(keys)["value"].rank(method="min", ascending=False)
    ranked["n_countries"] = ranked.groupby(keys)["country"].transform("count")
    return ranked


def _entries(ranked: pd.DataFrame, measure: str | None = None) -> list[ProfileEntry]:
    """Profile entries from ranked rows; ``measure`` overrides the row's (reserves)."""
    return [
        ProfileEntry(
            commodity=r.commodity,
            measure=measure or r.measure,
            year=int(r.year),
            value=float(r.value),
            unit=str(r.unit),
            basis=None if pd.isna(r.basis) else str(r.basis),
            share=float(r.share),
            rank=int(r.rank),
            n_countries=int(r.n_countries),
            type=str(r.type),
            source_id=str(r.source_id),
            qualifier=None if pd.isna(getattr(r, "qualifier", None)) else str(r.qualifier),
        )
        for r in ranked.itertuples()
    ]


def _production_entries(atlas: Atlas, iso3: str, year: int | None) -> list[ProfileEntry]:
    series = select_all_series(atlas, year, source=DEFAULT_SOURCE)
    if series.empty:
        return []
    ranked = _rank_table(series_rows(atlas, series), ["commodity", "measure"])
    return _entries(ranked[ranked["country"] == iso3].merge(series, on=["commodity", "measure"]))


def _reserve_entries(atlas: Atlas, iso3: str, year: int | None) -> list[ProfileEntry]:
    year_clause = "AND year <= ?" if year is not None else ""
    rows = atlas.query(
        f"""
        SELECT * FROM reserves
        WHERE source_id LIKE 'usgs-mcs%' {year_clause}
        QUALIFY source_id = max(source_id) OVER (PARTITION BY commodity)
        """,
        [year] if year is not None else [],
    )
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return []
    ranked = _rank_table(rows, ["commodity", "type"])
    return _entries(ranked[ranked["country"] == iso3], measure="reserves")


def country_profile(atlas: Atlas, country: str, year: int | None = None) -> CountryProfile:
    """Every commodity a country produces or holds reserves of, with share and rank.

    Production uses the same series choice as the risk overview (latest USGS
    vintage with the year); reserves come from the latest USGS vintage.
    """
    iso3 = resolve_country(atlas, country)
    meta = atlas.query("SELECT name, region FROM countries WHERE iso3 = ?", [iso3])
    name = str(meta["name"].iloc[0]) if len(meta) else iso3
    region = meta["region"].iloc[0] if len(meta) else None
    entries = _production_entries(atlas, iso3, year) + _reserve_entries(atlas, iso3, year)
    entries.sort(key=lambda e: (e.commodity, e.measure != "mine", e.measure))
    return CountryProfile(
        iso3=iso3,
        name=name,
        region=None if region is None or pd.isna(region) else str(region),
        entries=entries,
        exports=corridor_exports(atlas, iso3),
        notes=_missing_notes(atlas, iso3, name, entries),
    )


CORRIDOR = ("rare-earths", "antimony", "copper")
"""The shipment that motivates the project: rare earths, antimony and copper concentrate."""
EXPORT_CODES = {
    "rare-earths": ("284610", "284690", "280530"),
    "antimony": ("261710", "811010"),
    "copper": ("260300", "740311"),
}
"""HS6 codes shown in a profile's exports: compounds/metals, ores and concentrates, refined."""


def _missing_notes(atlas: Atlas, iso3: str, name: str, entries: list[ProfileEntry]) -> list[str]:
    """Say why a corridor commodity is absent: no source in the atlas publishes it."""
    notes = []
    for cid in CORRIDOR:
        if any(e.commodity == cid and e.measure != "reserves" for e in entries):
            continue
        held = atlas.con.execute(
            "SELECT DISTINCT source_id FROM production WHERE commodity = ? AND country = ? "
            "AND value IS NOT NULL ORDER BY 1",
            [cid, iso3],
        ).fetchall()
        if held:
            also = (
                f"; {', '.join(r[0] for r in held)} does (`orechain atlas show {cid} --source wmd`)"
            )
        else:
            also = "; no other source in the atlas does either"
        notes.append(
            f"{cid}: USGS Mineral Commodity Summaries publish no production for {name} in the "
            f"latest vintage{also}. The exports table shows what trade data record."
        )
    return notes


def corridor_exports(atlas: Atlas, iso3: str, top: int = 3) -> list[ExportLine]:
    """The country's BACI exports of the corridor HS codes, latest year, largest buyers.

    Each HS code comes from the newest BACI nomenclature holding it (HS17 before
    HS92), as in :mod:`orechain.risk.imports`.
    """
    out: list[ExportLine] = []
    for cid, codes in EXPORT_CODES.items():
        for hs6 in codes:
            rows = atlas.con.execute(
                """
                WITH pick AS (
                    SELECT source_id, nomenclature, max(year) AS year FROM trade
                    WHERE reporter = ? AND hs6 = ? AND flow = 'export'
                      AND nomenclature LIKE 'HS__'
                    GROUP BY ALL
                    ORDER BY year DESC, nomenclature DESC LIMIT 1
                )
                SELECT t.partner, sum(t.value_usd), sum(t.quantity_kg) / 1000, pick.year,
                       pick.source_id
                FROM trade t JOIN pick USING (source_id, nomenclature, year)
                WHERE t.reporter = ? AND t.hs6 = ? AND t.flow = 'export'
                GROUP BY t.partner, pick.year, pick.source_id
                ORDER BY 2 DESC
                """,
                [iso3, hs6, iso3, hs6],
            ).fetchall()
            if not rows:
                continue
            total = sum(float(r[1] or 0) for r in rows)
            qty = [r[2] for r in rows if r[2] is not None]
            desc = atlas.con.execute(
                "SELECT description FROM hs_map WHERE hs6 = ? LIMIT 1", [hs6]
            ).fetchone()
            out.append(
                ExportLine(
                    commodity=cid,
                    hs6=hs6,
                    description=str(desc[0]) if desc else None,
                    year=int(rows[0][3]),
                    value_usd=total,
                    quantity_t=float(sum(qty)) if qty else None,
                    partners=[
                        {
                            "iso3": str(r[0]),
                            "value_usd": float(r[1] or 0),
                            "share": float(r[1] or 0) / total if total else None,
                        }
                        for r in rows[:top]
                    ],  # fmt: skip
                    source_id=str(rows[0][4]),
                )
            )
    return out
