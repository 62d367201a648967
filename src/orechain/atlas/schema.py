"""Declared schemas of the atlas tables.

Each table is declared once here (column, DuckDB type, unit, description), after
PyPSA's component attribute tables. The same declaration creates the DuckDB
tables, validates ingested frames and documents the columns
(``docs/nomenclature.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from orechain.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Column:
    """One column of an atlas table."""

    name: str
    dtype: str
    """DuckDB type: VARCHAR, INTEGER, DOUBLE, BOOLEAN, BIGINT."""
    description: str
    unit: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    """One atlas table: a name, its columns and its primary purpose."""

    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        """Column names in declared order."""
        return [c.name for c in self.columns]

    def create_sql(self) -> str:
        """``CREATE TABLE`` statement for DuckDB."""
        cols = ", ".join(
            f'"{c.name}" {c.dtype}' + ("" if c.nullable else " NOT NULL") for c in self.columns
        )
        return f"CREATE TABLE {self.name} ({cols})"


C = Column

MEASURES = ("mine", "refinery", "smelter", "plant")
"""Production measures (``production.measure``); capacity rows use ``"<measure> capacity"``,
e.g. ``"refinery capacity"``. ``type`` keeps the text as published."""

BASES = ("gross", "contained", "REO")
"""Mass bases; see ``docs/design.md``. Converting between them needs a stated factor."""

AGGREGATES = ("WORLD", "OTHER", "USA_CAN")
"""Non-country codes in ``country`` columns: a published world total, "other countries",
and USGS's joint "United States and Canada" rows."""

UNATTRIBUTED = ("OTHER", "USA_CAN")
"""Aggregates that count in a share's denominator but are not one supplier."""

COMMODITIES = Table(
    "commodities",
    "One row per commodity, with the names the sources use for it.",
    (
        C("commodity", "VARCHAR", "Canonical id, e.g. 'rare-earths'", nullable=False),
        C("name", "VARCHAR", "Display name, e.g. 'Rare earths'", nullable=False),
        C("aliases", "VARCHAR[]", "Other names matched case-insensitively"),
        C("usgs_codes", "VARCHAR[]", "USGS MCS file codes, e.g. 'raree', 'rareee'"),
        C("critical", "BOOLEAN", "On the USGS 2022 list of critical minerals"),
    ),
)

COUNTRIES = Table(
    "countries",
    "ISO 3166-1 countries and economies that appear in any source.",
    (
        C("iso3", "VARCHAR", "ISO 3166-1 alpha-3 code", nullable=False),
        C("name", "VARCHAR", "Short English name", nullable=False),
        C("region", "VARCHAR", "World Bank-style region"),
        C("m49", "INTEGER", "UN M49 / BACI numeric code"),
    ),
)

WGI = Table(
    "wgi",
    "World Bank Worldwide Governance Indicators, one row per country, year, indicator.",
    (
        C("iso3", "VARCHAR", "ISO3 code", nullable=False),
        C("year", "INTEGER", "Year", nullable=False),
        C("indicator", "VARCHAR", "va, pv, ge, rq, rl or cc", nullable=False),
        C("estimate", "DOUBLE", "Score on the standard-normal scale (about -2.5 .. 2.5)"),
        C("source_id", "VARCHAR", "Source id in sources.yaml", nullable=False),
    ),
)

PRODUCTION = Table(
    "production",
    "Production and capacity by commodity, measure, country and year, per source vintage.",
    (
        C("commodity", "VARCHAR", "Commodity id", nullable=False),
        C("measure", "VARCHAR", "mine, refinery, smelter, plant, '<m> capacity'", nullable=False),
        C(
            "type",
            "VARCHAR",
            "The measure as published, e.g. 'Mine production, copper content'",
            nullable=False,
        ),
        C("country", "VARCHAR", "ISO3, or WORLD / OTHER", nullable=False),
        C("country_name", "VARCHAR", "The country label as published (cleaned of footnotes)"),
        C("year", "INTEGER", "Data year", nullable=False),
        C("value", "DOUBLE", "Value in the published unit; null if withheld or not available"),
        C("unit", "VARCHAR", "Published unit, e.g. 'metric tons', 'thousand metric tons'"),
        C("quantity_t", "DOUBLE", "Value in metric tons when the unit is a mass", "t"),
        C("basis", "VARCHAR", "gross, contained or REO"),
        C("estimated", "BOOLEAN", "The source marks the value as an estimate"),
        C("qualifier", "VARCHAR", "'>' or '<' when published as a bound; 'W' withheld; 'NA'"),
        C("note", "VARCHAR", "Published note"),
        C("source_id", "VARCHAR", "Source id, e.g. 'usgs-mcs-2025'", nullable=False),
    ),
)

RESERVES = Table(
    "reserves",
    "Reserves by commodity and country, per source vintage.",
    (
        C("commodity", "VARCHAR", "Commodity id", nullable=False),
        C("type", "VARCHAR", "The row's type text as published", nullable=False),
        C("country", "VARCHAR", "ISO3, or WORLD / OTHER", nullable=False),
        C("country_name", "VARCHAR", "The country label as published"),
        C("year", "INTEGER", "Year the reserves refer to", nullable=False),
        C("value", "DOUBLE", "Value in the published unit"),
        C("unit", "VARCHAR", "Published unit"),
        C("quantity_t", "DOUBLE", "Value in metric tons when the unit is a mass", "t"),
        C("basis", "VARCHAR", "gross, contained or REO"),
        C("qualifier", "VARCHAR", "'>' or '<' when published as a bound; 'W'; 'NA'"),
        C("note", "VARCHAR", "Published note"),
        C("source_id", "VARCHAR", "Source id", nullable=False),
    ),
)

SALIENT = Table(
    "salient",
    "U.S. salient statistics (USGS MCS) in long form.",
    (
        C("commodity", "VARCHAR", "Commodity id", nullable=False),
        C("year", "INTEGER", "Data year", nullable=False),
        C(
            "variable",
            "VARCHAR",
            "us_production, imports, exports, consumption, price, net_import_reliance, "
            "stocks, employment or other",
            nullable=False,
        ),
        C("item", "VARCHAR", "The published column name, e.g. 'NIR_pct'", nullable=False),
        C("value", "DOUBLE", "Value; null when withheld or not available"),
        C("unit", "VARCHAR", "t, kt, pct, USD/kg, USc/lb, ..."),
        C("flag", "VARCHAR", "W withheld, E net exporter, NA, '>' / '<' bound"),
        C("source_id", "VARCHAR", "Source id", nullable=False),
    ),
)

TRADE = Table(
    "trade",
    "Bilateral trade flows. BACI rows are exports reported by the exporter (reconciled).",
    (
        C("reporter", "VARCHAR", "ISO3 of the reporter (BACI: the exporter)", nullable=False),
        C("partner", "VARCHAR", "ISO3 of the partner (BACI: the importer); 'WLD' for world"),
        C("flow", "VARCHAR", "'export' or 'import'", nullable=False),
        C("hs6", "VARCHAR", "HS 6-digit code as text with leading zeros", nullable=False),
        C("nomenclature", "VARCHAR", "HS92, HS17, H5, ... as published"),
        C("year", "INTEGER", "Year", nullable=False),
        C("quantity_kg", "DOUBLE", "Net weight", "kg"),
        C("value_usd", "DOUBLE", "Trade value", "USD"),
        C("source_id", "VARCHAR", "Source id", nullable=False),
    ),
)

STAGE_SHARES = Table(
    "stage_shares",
    "Country shares of value-chain stages that the USGS tables lack.",
    (
        C("commodity", "VARCHAR", "Commodity id", nullable=False),
        C("stage", "VARCHAR", "mining, refining, smelting, metal, magnet, ...", nullable=False),
        C("country", "VARCHAR", "ISO3 or OTHER", nullable=False),
        C("year", "INTEGER", "Year the share refers to", nullable=False),
        C("share", "DOUBLE", "Share of world output, 0..1", nullable=False),
        C("quantity_t", "DOUBLE", "Quantity behind the share when published", "t"),
        C("item", "VARCHAR", "Product the share is for when the source splits a commodity"),
        C("note", "VARCHAR", "Definition or caveat from the source"),
        C("source_id", "VARCHAR", "Source id", nullable=False),
    ),
)

HS_MAP = Table(
    "hs_map",
    "Commodity to HS 6-digit codes used for trade (cited mapping).",
    (
        C("commodity", "VARCHAR", "Commodity id", nullable=False),
        C("hs6", "VARCHAR", "HS 6-digit code", nullable=False),
        C("stage", "VARCHAR", "Value-chain stage the code stands for"),
        C("description", "VARCHAR", "Short product description"),
        C("source_id", "VARCHAR", "Where the mapping comes from", nullable=False),
    ),
)

US_IMPORT_SOURCES = Table(
    "us_import_sources",
    "Major U.S. import sources by commodity (USGS MCS industry-trends figure 3).",
    (
        C("commodity", "VARCHAR", "Commodity id", nullable=False),
        C("period", "VARCHAR", "Years covered, e.g. '2020-23'", nullable=False),
        C("rank", "INTEGER", "1 = largest source"),
        C("country", "VARCHAR", "ISO3", nullable=False),
        C("share", "DOUBLE", "Share of U.S. imports, 0..1, when published"),
        C("item", "VARCHAR", "The published row label the sources belong to"),
        C("source_id", "VARCHAR", "Source id", nullable=False),
    ),
)

SOURCES = Table(
    "sources",
    "One row per source id: what it is and where it came from.",
    (
        C("source_id", "VARCHAR", "Source id", nullable=False),
        C("title", "VARCHAR", "Title", nullable=False),
        C("publisher", "VARCHAR", "Original publisher"),
        C("citation", "VARCHAR", "Citation with DOI or URL"),
        C("licence", "VARCHAR", "Licence"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        COMMODITIES,
        COUNTRIES,
        WGI,
        PRODUCTION,
        RESERVES,
        SALIENT,
        TRADE,
        STAGE_SHARES,
        HS_MAP,
        US_IMPORT_SOURCES,
        SOURCES,
    )
}


def conform(frame: pd.DataFrame, table: Table, *, source: str) -> pd.DataFrame:
    """Return ``frame`` with exactly the table's columns, in order, or raise.

    Missing nullable columns are added as nulls; a missing non-nullable column or
    a null in one is an :class:`~orechain.errors.InputError` naming ``source``.
    """
    out = frame.copy()
    for col in table.columns:
        if col.name not in out.columns:
            if not col.nullable:
                msg = f"missing required column for table {table.name!r}"
                raise InputError(msg, source=source, field=col.name)
            out[col.name] = None
        elif not col.nullable and out[col.name].isna().any():
            first = int(out.index[out[col.name].isna()][0])
            msg = f"empty value in required column of table {table.name!r}"
            raise InputError(msg, source=source, row=first, field=col.name)
    return out[table.column_names]
