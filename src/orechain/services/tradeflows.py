"""Bilateral trade flows of one HS6 code and year, as a trade-flow view reads them (BACI).

What resourcetrade.earth shows for a code: the largest exporters and importers
with their shares of world trade value and the HHI of each side, the largest
bilateral flows, and one country's partners. Values are BACI's reconciled
FOB values [USD] and quantities [t]; BACI records each flow once, by exporter.
When the atlas holds two BACI files for a code and year (the HS92 series and an
HS17 extract) the HS92 series is used, so years compare on one nomenclature.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError
from orechain.risk.concentration import hhi, shares

__all__ = ["SOURCE_PREFERENCE", "trade_codes", "trade_view"]

SOURCE_PREFERENCE = (
    "cepii-baci-hs92-minerals",
    "cepii-baci-hs17-extract",
    "cepii-baci-hs17-extract-2022",
)
"""Which BACI file a view reads when several hold the code and year."""


def trade_codes(atlas: Atlas) -> list[dict[str, Any]]:
    """Every HS6 code with trade in the atlas: description, commodity and years."""
    frame = atlas.query(
        """SELECT t.hs6, any_value(m.description) AS description,
                  any_value(m.commodity) AS commodity,
                  min(t.year) AS first_year, max(t.year) AS last_year
           FROM trade t LEFT JOIN hs_map m USING (hs6)
           GROUP BY t.hs6 ORDER BY t.hs6"""
    )
    return [
        {**r, "first_year": int(r["first_year"]), "last_year": int(r["last_year"])}
        for r in frame.to_dict("records")
    ]


def _flows(atlas: Atlas, hs6: str, year: int | None) -> tuple[pd.DataFrame, int, str]:
    years = atlas.query("SELECT DISTINCT year FROM trade WHERE hs6 = ? ORDER BY year", [hs6])
    if years.empty:
        msg = f"no BACI trade for HS {hs6} in the atlas"
        raise NotFoundError(msg)
    chosen = int(years["year"].max()) if year is None else year
    frame = atlas.query(
        """SELECT reporter, partner, value_usd, quantity_kg, source_id
           FROM trade WHERE hs6 = ? AND year = ? AND flow = 'export'
             AND value_usd IS NOT NULL AND partner IS NOT NULL""",
        [hs6, chosen],
    )
    if frame.empty:
        have = ", ".join(str(y) for y in years["year"])
        msg = f"no BACI trade for HS {hs6} in {chosen}; years with data: {have}"
        raise NotFoundError(msg)
    held = set(frame["source_id"])
    source = next((s for s in SOURCE_PREFERENCE if s in held), sorted(held)[0])
    return frame[frame["source_id"] == source].drop(columns="source_id"), chosen, source


def _side(frame: pd.DataFrame, key: str, names: dict[str, str], top: int) -> dict[str, Any]:
    value = frame.groupby(key)["value_usd"].sum()
    tonnes = frame.groupby(key)["quantity_kg"].sum(min_count=1) / 1000.0
    share = shares(value)
    rows = [
        {
            "iso3": iso,
            "name": names.get(iso, iso),
            "value_usd": float(value[iso]),
            "quantity_t": None if pd.isna(tonnes[iso]) else float(tonnes[iso]),
            "share": float(s),
        }
        for iso, s in share.head(top).items()
    ]
    return {"rows": rows, "hhi": hhi(share), "n_countries": int(len(share))}


_SIDES = (("exports", "reporter", "partner"), ("imports", "partner", "reporter"))


def _partners(frame: pd.DataFrame, country: str, names: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"iso3": country, "name": names.get(country, country)}
    for side, mine, other in _SIDES:
        part = frame[frame[mine] == country].groupby(other)["value_usd"].sum()
        total = float(part.sum())
        out[side] = [
            {
                "iso3": iso,
                "name": names.get(iso, iso),
                "value_usd": float(v),
                "share": float(v) / total if total > 0 else 0.0,
            }
            for iso, v in part.sort_values(ascending=False).head(15).items()
        ]
        out[f"{side}_usd"] = total
    return out


def _top_links(
    frame: pd.DataFrame, exporters: list[str], importers: list[str]
) -> list[dict[str, Any]]:
    """Flows between the top exporters and importers; the rest pooled as 'other'."""
    src = frame["reporter"].where(frame["reporter"].isin(exporters), "other")
    dst = frame["partner"].where(frame["partner"].isin(importers), "other")
    pooled = frame.assign(src=src, dst=dst).groupby(["src", "dst"])["value_usd"].sum()
    return [
        {"source": s, "target": t, "value_usd": float(v)}
        for (s, t), v in pooled.sort_values(ascending=False).items()
        if v > 0
    ]


def trade_view(
    atlas: Atlas, hs6: str, year: int | None = None, country: str | None = None, top: int = 10
) -> dict[str, Any]:
    """Exporters, importers (shares, HHI), top flows and a country's partners.

    Parameters
    ----------
    hs6
        Six-digit HS code, e.g. ``284690`` (rare-earth compounds).
    year
        Year of trade; the latest year with data when None.
    country
        ISO3 code whose partners to list (optional).
    top
        How many exporters and importers to name; smaller ones are pooled as 'other'.
    """
    frame, chosen, source = _flows(atlas, hs6, year)
    names_frame = atlas.query("SELECT iso3, name FROM countries")
    names = dict(zip(names_frame["iso3"], names_frame["name"], strict=True))
    meta = atlas.query("SELECT description, commodity FROM hs_map WHERE hs6 = ? LIMIT 1", [hs6])
    exporters = _side(frame, "reporter", names, top)
    importers = _side(frame, "partner", names, top)
    return {
        "hs6": hs6,
        "description": None if meta.empty else meta["description"].iloc[0],
        "commodity": None if meta.empty else meta["commodity"].iloc[0],
        "year": chosen,
        "source_id": source,
        "total_usd": float(frame["value_usd"].sum()),
        "exporters": exporters,
        "importers": importers,
        "links": _top_links(
            frame, [r["iso3"] for r in exporters["rows"]], [r["iso3"] for r in importers["rows"]]
        ),
        "partners": _partners(frame, country, names) if country else None,
        "names": {k: names.get(k, k) for k in set(frame["reporter"]) | set(frame["partner"])},
    }
