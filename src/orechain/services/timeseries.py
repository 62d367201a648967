"""Production over time from every vintage the atlas holds, each point naming its vintage.

USGS Mineral Commodity Summaries publish two years per edition (the previous
year revised, the current one estimated); the atlas holds several editions, so a
year can have two values. A series takes, for each year, the newest edition
that publishes it (its revision), and keeps that edition's id on the point.
Within an edition the series type with the most country values is used, as
:func:`orechain.atlas.query.select_production` does for one year.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.query import AGGREGATES_SQL, source_family_clause
from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError

__all__ = ["production_series", "salient_series"]


def production_series(
    atlas: Atlas,
    commodity: str,
    measure: str = "mine",
    top: int = 6,
    source: str = "usgs-mcs",
    country: str | None = None,
) -> dict[str, Any]:
    """The ``top`` producers' values by year, newest vintage per year, with the vintage.

    Countries are ranked by their value in the latest year; with ``country``
    (ISO3) only that country's series is returned. Returns the unit, the years
    and one series per country: points ``{year, value, source_id}``.
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
        SELECT p.year, p.country, coalesce(c.name, p.country_name) AS country_name,
               p.value, p.unit, p.source_id
        FROM production p JOIN pick USING (year, source_id, type)
        LEFT JOIN countries c ON c.iso3 = p.country
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
    if country is not None:
        if country not in set(frame["country"]):
            msg = f"no {measure} production of {cid} by {country} in the atlas"
            raise NotFoundError(msg)
        leaders = pd.Series([country])
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


_ITEM_PREFIX = re.compile(r"^(Price|NIR)_")
_ITEM_SUFFIX = re.compile(r"_(dkg|dlb|ctslb|t|pct)$")


def _item_label(item: str) -> str:
    """``Price_Nd2O3_dkg`` → ``Nd2O3``; ``NIR_Compounds-Metals_pct`` → ``Compounds-Metals``."""
    rest = _ITEM_PREFIX.sub("", item)
    if rest in ("t", "pct"):
        return "all forms"
    return _ITEM_SUFFIX.sub("", rest).replace("_", " ")


def salient_series(atlas: Atlas, commodity: str, variable: str) -> dict[str, Any]:
    """U.S. salient statistics of one variable by year (``price``, ``net_import_reliance``).

    One series per item (an oxide's price, a product form's reliance); items that
    differ only in the column name of an edition are merged, and each year takes
    the newest edition. The edition's figure captions (``Fig2: …``) repeat the
    table rows and are left out. Flagged years (``E`` net exporter, ``W``
    withheld) have no value and keep their flag.
    """
    cid = resolve_commodity(commodity)
    frame = atlas.query(
        """SELECT year, item, value, unit, flag, source_id FROM salient
           WHERE commodity = ? AND variable = ? AND item NOT LIKE 'Fig%'
           ORDER BY year, source_id""",
        [cid, variable],
    )
    if frame.empty:
        msg = f"no U.S. {variable} series for {cid} in the atlas"
        raise NotFoundError(msg)
    frame["label"] = frame["item"].map(_item_label)
    newest = frame.sort_values("source_id").groupby(["label", "year"], as_index=False).last()
    series = []
    for label, rows in newest.groupby("label", sort=True):
        series.append(
            {
                "name": str(label),
                "unit": str(rows["unit"].iloc[-1]),
                "points": [
                    {
                        "year": int(r.year),
                        "value": None if pd.isna(r.value) else float(r.value),
                        "flag": None if pd.isna(r.flag) else str(r.flag),
                        "source_id": str(r.source_id),
                    }
                    for r in rows.itertuples()
                ],
            }
        )
    return {"commodity": cid, "variable": variable, "series": series}
