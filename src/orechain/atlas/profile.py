"""Country profiles: what a country produces and holds in reserve, and its rank."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
class CountryProfile:
    """A country's place in every commodity's supply."""

    iso3: str
    name: str
    region: str | None
    entries: list[ProfileEntry]

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
    )
