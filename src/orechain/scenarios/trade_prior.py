"""Bilateral trade that sizes a network's base routes (BACI in the atlas).

For each stage, the traded product is the set of HS codes the bundled mapping
assigns to that commodity and stage (e.g. rare-earth magnets: 850511). For
each code the latest year up to the data year is taken from one source only,
so that two BACI releases covering the same year are never added together.

References
----------
Gaulier, G. & Zignago, S. (2010), BACI: International Trade Database at the
Product-Level, CEPII Working Paper 2010-23.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from orechain.atlas.hs_codes import hs_map
from orechain.stages import resolve_stage

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

EMPTY = pd.DataFrame({"reporter": [], "partner": [], "quantity_t": []})


def stage_hs_codes(cid: str, hs_stage: str | None) -> list[str]:
    """HS6 codes mapped to a commodity's stage (default basket or not)."""
    if hs_stage is None:
        return []
    table = hs_map()
    rows = table[(table.commodity == cid) & (table.stage == resolve_stage(hs_stage))]
    return sorted(rows.hs6)


def stage_trade(atlas: Atlas, cid: str, hs_stage: str | None, year: int | None) -> pd.DataFrame:
    """Exports by reporter and partner of a stage's product [t], latest year ≤ ``year``.

    Returns an empty frame when the stage has no mapped code or no trade rows.
    """
    codes = stage_hs_codes(cid, hs_stage)
    if not codes:
        return EMPTY.copy()
    marks = ", ".join("?" for _ in codes)
    cap = "AND year <= ?" if year is not None else ""
    params: list[object] = [*codes, *([year] if year is not None else [])]
    return atlas.query(
        f"""
        WITH pick AS (
            SELECT hs6, max(year) AS year FROM trade
            WHERE hs6 IN ({marks}) AND flow = 'export' {cap} GROUP BY hs6
        ), src AS (
            SELECT t.hs6, t.year, max(t.source_id) AS source_id FROM trade t
            JOIN pick USING (hs6, year) WHERE t.flow = 'export' GROUP BY t.hs6, t.year
        )
        SELECT t.reporter, t.partner, sum(t.quantity_kg) / 1000.0 AS quantity_t
        FROM trade t JOIN src USING (hs6, year, source_id)
        WHERE t.flow = 'export' AND t.quantity_kg IS NOT NULL
        GROUP BY t.reporter, t.partner
        """,
        params,
    )
