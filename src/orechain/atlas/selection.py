"""A production selection: the rows that answer "commodity, measure, year, source".

Its own module so that both the production queries (:mod:`orechain.atlas.query`)
and the published stage shares (:mod:`orechain.atlas.stages`) build one without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from orechain.atlas.schema import AGGREGATES, UNATTRIBUTED

__all__ = ["ProductionSelection"]


@dataclass(frozen=True)
class ProductionSelection:
    """The production rows of one commodity, measure, year and source vintage."""

    commodity: str
    measure: str
    year: int
    source_id: str
    type: str
    """The published type text of the series, e.g. 'Mine production, copper content'."""
    unit: str
    basis: str | None
    rows: pd.DataFrame
    """Columns: country, country_name (canonical, from the countries table), value, quantity_t,
    estimated, qualifier, note, published_name (the source's own label)."""
    other_types: tuple[str, ...] = ()
    """Other series of the same measure in that vintage (e.g. ilmenite beside rutile)."""
    note: str | None = None
    """A caveat on the selection, e.g. shares that name only the top supplier."""

    @property
    def countries(self) -> pd.DataFrame:
        """Country rows only (no WORLD or OTHER aggregates)."""
        return self.rows[~self.rows["country"].isin(AGGREGATES)]

    @property
    def other_value(self) -> float:
        """Sum of 'other countries' rows [published unit]."""
        other = self.rows.loc[self.rows["country"].isin(UNATTRIBUTED), "value"]
        return float(other.sum()) if other.notna().any() else 0.0

    @property
    def world_total_published(self) -> float | None:
        """The published world total, if the source gives one [published unit]."""
        world = self.rows.loc[self.rows["country"] == "WORLD", "value"].dropna()
        return float(world.iloc[0]) if len(world) else None
