"""Production over time from every vintage the atlas holds, each point naming its vintage.

USGS Mineral Commodity Summaries publish two years per edition (the previous
year revised, the current one estimated); the atlas holds several editions, so a
year can have two values. A series takes, for each year, the newest edition
that publishes it (its revision), and keeps that edition's id on the point.
Within an edition the series type with the most country values is used, as
:func:`orechain.atlas.query.select_production` does for one year.
"""

from __future__ import annotations

from typing import Any

from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.query import AGGREGATES_SQL, source_family_clause
from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError

__all__ = ["production_series"]


def production_series(
    atlas: Atlas, commodity: str, measure: str = "mine", top: int = 6, source: str = "usgs-mcs"
) -> dict[str, Any]:
    """The ``top`` producers' values by year, newest vintage per year, with the vintage.

    Countries are ranked by their value in the latest year. Returns the unit,
    the years and one series per country: points ``{year, value, source_id}``.
    """
    cid = resolve_commodity(commodity)
    clause, params = source_family_clause(source)
    frame = atlas.query(
        f"""
        WITH cand AS (
            SELECT year, source_id, type, count(value) AS n
            FROM production
            WHERE commodity = ? AND measure = ? AND {clause}
              AND country NOT IN {AGGREGATES_SQL} AND value IS NOT NULL
            GROUP BY ALL
        ), pick AS (
            SELECT * FROM cand
            QUALIFY row_number() OVER (PARTITION BY year ORDER BY source_id DESC, n DESC, type) = 1
        )
        SELECT p.year, p.country, p.country_name, p.value, p.unit, p.source_id
        FROM production p JOIN pick USING (year, source_id, type)
        WHERE p.commodity = ? AND p.measure = ? AND p.value IS NOT NULL
          AND p.country NOT IN {AGGREGATES_SQL}
        ORDER BY p.year
        """,
        [cid, measure, *params, cid, measure],
    )
    if frame.empty:
        msg = f"no {measure} production of {cid} over time in the atlas"
        raise NotFoundError(msg)
    last = int(frame["year"].max())
    leaders = (
        frame[frame["year"] == last].sort_values("value", ascending=False)["country"].head(top)
    )
    series = []
    for iso in leaders:
        rows = frame[frame["country"] == iso]
        series.append(
            {
                "iso3": iso,
                "name": str(rows["country_name"].iloc[-1]),
                "points": [
                    {"year": int(r.year), "value": float(r.value), "source_id": str(r.source_id)}
                    for r in rows.itertuples()
                ],
            }
        )
    return {
        "commodity": cid,
        "measure": measure,
        "unit": str(frame["unit"].iloc[-1]),
        "years": sorted(int(y) for y in frame["year"].unique()),
        "series": series,
    }
