"""Read queries over the atlas: which rows answer "commodity, measure, year".

USGS publishes each year twice (an estimate, then a revision in the next
vintage), and World Mining Data is a second production source. A selection
always names the source vintage it took; the default is the latest USGS
vintage that has the year, and other sources are reported beside it, never
mixed in silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.schema import AGGREGATES
from orechain.atlas.selection import ProductionSelection, plain_records
from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError

if TYPE_CHECKING:
    import pandas as pd

AGGREGATES_SQL = "(" + ", ".join(f"'{a}'" for a in AGGREGATES) + ")"
"""SQL tuple of the aggregate country codes."""

DEFAULT_SOURCE = "usgs-mcs"
"""Source family used unless the caller names another (``wmd``)."""


def source_family_clause(source: str) -> tuple[str, list[object]]:
    """SQL condition and parameters selecting a source family or one source id."""
    if source.count("-") >= 2 and source[-1].isdigit():
        return "source_id = ?", [source]
    return "source_id LIKE ?", [f"{source}%"]


def measures(atlas: Atlas, commodity: str, source: str = DEFAULT_SOURCE) -> list[str]:
    """Measures with at least one country value for a commodity."""
    cid = resolve_commodity(commodity)
    clause, params = source_family_clause(source)
    found = atlas.con.execute(
        f"SELECT DISTINCT measure FROM production WHERE commodity = ? AND {clause} "
        f"AND country NOT IN {AGGREGATES_SQL} AND value IS NOT NULL ORDER BY measure",
        [cid, *params],
    ).fetchall()
    return [str(m) for (m,) in found]


def _candidates(
    atlas: Atlas, table: str, cid: str, measure: str | None, source: str
) -> list[dict[str, Any]]:
    """Series with country values: source_id, year, type, n (values) and total."""
    clause, params = source_family_clause(source)
    measure_clause = "AND measure = ?" if measure is not None else ""
    return atlas.records(
        f"""
        SELECT source_id, year, type, count(value) AS n, sum(value) AS total
        FROM {table}
        WHERE commodity = ? {measure_clause} AND {clause}
          AND country NOT IN {AGGREGATES_SQL}
        GROUP BY source_id, year, type
        HAVING count(value) > 0
        """,
        [cid, *([measure] if measure is not None else []), *params],
    )


def _pick_type(candidates: list[dict[str, Any]], product: str | None, cid: str) -> str:
    """The series with most country values (then largest total), or the one ``product`` names."""
    ranked = sorted(candidates, key=lambda c: (-c["n"], -c["total"]))
    types = [str(c["type"]) for c in ranked]
    if product is None:
        return types[0]
    matches = [t for t in types if product.lower() in t.lower()]
    if not matches:
        msg = f"no {cid} series matches product {product!r}; available: {'; '.join(types)}"
        raise NotFoundError(msg)
    return matches[0]


def _year_and_vintage(
    candidates: list[dict[str, Any]], year: int | None, what: str
) -> tuple[int, str, list[dict[str, Any]]]:
    """The year (given, else latest), its latest source vintage, and that vintage's series.

    ``what`` names the data in the error, e.g. ``"'mine' data for antimony"``.
    """
    chosen = int(max(c["year"] for c in candidates)) if year is None else int(year)
    in_year = [c for c in candidates if c["year"] == chosen]
    if not in_year:
        years = ", ".join(str(y) for y in sorted({c["year"] for c in candidates}))
        msg = f"no {what} in {chosen}; years with data: {years}"
        raise NotFoundError(msg)
    source_id = str(max(c["source_id"] for c in in_year))
    return chosen, source_id, [c for c in in_year if c["source_id"] == source_id]


def _selection(
    atlas: Atlas,
    sql: str,
    params: list[object],
    *,
    with_frame: bool,
    commodity: str,
    measure: str,
    year: int,
    source_id: str,
    chosen: str,
    types: set[str],
) -> ProductionSelection:
    """Run the rows query ``sql`` once; unit and basis come from the first row that states them.

    ``with_frame`` keeps the rows as the DataFrame the query returns (pandas) and
    reads the records from it; otherwise they come straight from DuckDB.
    """
    frame = None
    if with_frame:
        full = atlas.query(sql, params)
        records: Sequence[dict[str, Any]] = plain_records(full)
        frame = full.drop(columns=["unit", "basis"])
    else:
        records = atlas.records(sql, params)
    unit = next((r["unit"] for r in records if r["unit"] is not None), None)
    basis = next((r["basis"] for r in records if r["basis"] is not None), None)
    return ProductionSelection(
        commodity=commodity,
        measure=measure,
        year=year,
        source_id=source_id,
        type=chosen,
        unit="" if unit is None else str(unit),
        basis=None if basis is None else str(basis),
        records=tuple({k: v for k, v in r.items() if k not in ("unit", "basis")} for r in records),
        other_types=tuple(sorted(types - {chosen})),
        frame=frame,
    )


def select_production(
    atlas: Atlas,
    commodity: str,
    measure: str = "mine",
    year: int | None = None,
    *,
    source: str = DEFAULT_SOURCE,
    product: str | None = None,
    with_frame: bool = True,
) -> ProductionSelection:
    """Select the production rows that answer one question.

    Parameters
    ----------
    commodity
        Name, alias or id (``"rare earths"``, ``"REE"``).
    measure
        ``mine``, ``refinery``, ``smelter``, ``plant`` or ``"<measure> capacity"``;
        or a stage with published shares (``refining``, ``processing`` …, see
        :mod:`orechain.atlas.stages`) when production has no such measure.
    year
        Data year; default the latest year with country data.
    source
        Source family (``usgs-mcs``, ``wmd``) or one source id (``usgs-mcs-2024``).
    product
        Text matched against the published type text when a vintage has several
        series of one measure (e.g. ``"rutile"``).
    with_frame
        Also hold the rows as a DataFrame (``rows``, imports pandas); False keeps
        plain ``records`` only, for callers that start fast (``orechain risk``).
    """
    cid = resolve_commodity(commodity)
    if measure == "reserves":
        return select_reserves(
            atlas, cid, year, source=source, product=product, with_frame=with_frame
        )
    cands = _candidates(atlas, "production", cid, measure, source)
    if not cands:
        from orechain.atlas.stages import select_stage_shares, stage_names

        stages = stage_names(atlas, cid)
        if measure in stages and source == DEFAULT_SOURCE:
            return select_stage_shares(atlas, cid, measure, year)
        have = ", ".join(measures(atlas, cid, source) + stages) or "none"
        msg = f"no {measure!r} data for {cid} in {source}; measures with data: {have}"
        raise NotFoundError(msg)
    year, source_id, series = _year_and_vintage(cands, year, f"{measure!r} data for {cid}")
    chosen = _pick_type(series, product, cid)
    sql = """
        SELECT p.country, COALESCE(c.name, p.country_name) AS country_name, p.value, p.unit,
               p.quantity_t, p.basis, p.estimated, p.qualifier, p.note,
               p.country_name AS published_name
        FROM production p LEFT JOIN countries c ON c.iso3 = p.country
        WHERE p.commodity = ? AND p.measure = ? AND p.year = ? AND p.source_id = ?
          AND p.type = ?
        ORDER BY p.value DESC NULLS LAST, p.country
        """
    return _selection(
        atlas, sql, [cid, measure, year, source_id, chosen], with_frame=with_frame,
        commodity=cid, measure=measure, year=year, source_id=source_id,
        chosen=chosen, types={str(c["type"]) for c in series},
    )  # fmt: skip


def select_reserves(
    atlas: Atlas,
    commodity: str,
    year: int | None = None,
    *,
    source: str = DEFAULT_SOURCE,
    product: str | None = None,
    with_frame: bool = True,
) -> ProductionSelection:
    """Reserves by country, shaped like a production selection (measure ``reserves``).

    The latest vintage with reserves for the year (default: the latest year);
    bounds such as ``>2,000,000`` keep their value and ``qualifier``.
    """
    cid = resolve_commodity(commodity)
    cands = sorted(_candidates(atlas, "reserves", cid, None, source), key=lambda c: c["type"])
    if not cands:
        msg = f"no reserves of {cid} in {source}"
        raise NotFoundError(msg)
    year, source_id, series = _year_and_vintage(cands, year, f"reserves of {cid}")
    chosen = _pick_type(series, product, cid)
    sql = (
        "SELECT r.country, COALESCE(c.name, r.country_name) AS country_name, r.value, r.unit, "
        "r.quantity_t, r.basis, FALSE AS estimated, r.qualifier, r.note, "
        "r.country_name AS published_name "
        "FROM reserves r LEFT JOIN countries c ON c.iso3 = r.country "
        "WHERE r.commodity = ? AND r.year = ? AND r.source_id = ? "
        "AND r.type = ? ORDER BY r.value DESC NULLS LAST, r.country"
    )
    return _selection(
        atlas, sql, [cid, year, source_id, chosen], with_frame=with_frame,
        commodity=cid, measure="reserves", year=year, source_id=source_id,
        chosen=chosen, types={str(c["type"]) for c in series},
    )  # fmt: skip


def select_all_series(
    atlas: Atlas, year: int | None = None, *, source: str = DEFAULT_SOURCE
) -> pd.DataFrame:
    """The series :func:`select_production` would pick, for every commodity × measure.

    One row per commodity and measure: year (the given one, else the latest),
    source_id (latest vintage with that year) and type (most country values).
    """
    clause, params = source_family_clause(source)
    year_filter = "WHERE year = ?" if year is not None else ""
    year_params: list[object] = [year] if year is not None else []
    return atlas.query(
        f"""
        WITH cand AS (
            SELECT commodity, measure, year, source_id, type,
                   count(value) AS n, sum(value) AS total
            FROM production
            WHERE {clause} AND country NOT IN {AGGREGATES_SQL}
            GROUP BY ALL HAVING count(value) > 0
        ), years AS (
            SELECT * FROM cand {year_filter}
        ), latest AS (
            SELECT * FROM years
            QUALIFY year = max(year) OVER (PARTITION BY commodity, measure)
        ), vintage AS (
            SELECT * FROM latest
            QUALIFY source_id = max(source_id) OVER (PARTITION BY commodity, measure)
        )
        SELECT * FROM vintage
        QUALIFY row_number() OVER (
            PARTITION BY commodity, measure ORDER BY n DESC, total DESC) = 1
        """,
        [*params, *year_params],
    )


def series_rows(atlas: Atlas, series: pd.DataFrame) -> pd.DataFrame:
    """Non-null rows (countries and unattributed aggregates) of :func:`select_all_series`."""
    atlas.con.register("_series", series[["commodity", "measure", "year", "source_id", "type"]])
    try:
        return atlas.query(
            """
            SELECT p.commodity, p.measure, p.country, p.value, p.unit, p.basis
            FROM production p
            JOIN _series s USING (commodity, measure, year, source_id, type)
            WHERE p.value IS NOT NULL AND p.country <> 'WORLD'
            """
        )
    finally:
        atlas.con.unregister("_series")


def list_commodities(atlas: Atlas) -> pd.DataFrame:
    """Commodities with the measures, years and sources the atlas holds for each."""
    return atlas.query(
        """
        SELECT c.commodity, c.name, c.critical,
               list(DISTINCT p.measure ORDER BY p.measure) FILTER (WHERE p.measure IS NOT NULL)
                   AS measures,
               min(p.year) AS first_year, max(p.year) AS last_year,
               list(DISTINCT p.source_id ORDER BY p.source_id)
                   FILTER (WHERE p.source_id IS NOT NULL) AS sources
        FROM commodities c LEFT JOIN production p USING (commodity)
        GROUP BY c.commodity, c.name, c.critical
        ORDER BY c.commodity
        """
    )


def resolve_country(atlas: Atlas, text: str) -> str:
    """ISO3 code for a code or a country name (case-insensitive)."""
    frame = atlas.query(
        "SELECT iso3 FROM countries WHERE upper(iso3) = upper(?) OR lower(name) = lower(?)",
        [text.strip(), text.strip()],
    )
    if not frame.empty:
        return str(frame["iso3"].iloc[0])
    from orechain.atlas.countries import to_iso3

    try:
        return to_iso3(text)
    except Exception as exc:
        msg = f"unknown country {text!r}; give an ISO3 code such as PAK or a name"
        raise NotFoundError(msg) from exc
