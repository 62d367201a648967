"""A production selection: the rows that answer "commodity, measure, year, source".

Its own module so that both the production queries (:mod:`orechain.atlas.query`)
and the published stage shares (:mod:`orechain.atlas.stages`) build one without
importing each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orechain.atlas.schema import AGGREGATES, UNATTRIBUTED

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ROW_COLUMNS", "ProductionSelection", "plain_records"]

ROW_COLUMNS = (
    "country", "country_name", "value", "quantity_t", "estimated", "qualifier", "note",
    "published_name",
)  # fmt: skip
"""Columns of a selection's rows."""


def plain_records(frame: pd.DataFrame) -> tuple[dict[str, Any], ...]:
    """The rows of ``frame`` as dictionaries, with None for every missing value."""
    return tuple(
        {k: None if _missing(v) else v for k, v in row.items()} for row in frame.to_dict("records")
    )


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    import pandas as pd

    return value is pd.NA or value is pd.NaT


@dataclass(frozen=True)
class ProductionSelection:
    """The production rows of one commodity, measure, year and source vintage.

    The rows are held as plain ``records`` (what ``orechain risk`` reads, without
    pandas) and, when the selection was made with one, as the DataFrame ``rows``.
    """

    commodity: str
    measure: str
    year: int
    source_id: str
    type: str
    """The published type text of the series, e.g. 'Mine production, copper content'."""
    unit: str
    basis: str | None
    records: tuple[dict[str, Any], ...]
    """The rows (columns :data:`ROW_COLUMNS`), None for a missing value, in query order."""
    other_types: tuple[str, ...] = ()
    """Other series of the same measure in that vintage (e.g. ilmenite beside rutile)."""
    note: str | None = None
    """A caveat on the selection, e.g. shares that name only the top supplier."""
    frame: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    """The rows as the atlas query returned them; None for a pandas-free selection."""

    @property
    def rows(self) -> pd.DataFrame:
        """The rows as a DataFrame, built from ``records`` when the selection has no frame.

        Columns: country, country_name (canonical, from the countries table), value,
        quantity_t, estimated, qualifier, note, published_name (the source's own label).
        """
        if self.frame is None:
            import pandas as pd

            frame = pd.DataFrame.from_records(list(self.records), columns=list(ROW_COLUMNS))
            object.__setattr__(self, "frame", frame)
        assert self.frame is not None
        return self.frame

    @property
    def countries(self) -> pd.DataFrame:
        """Country rows only (no WORLD or OTHER aggregates)."""
        return self.rows[~self.rows["country"].isin(AGGREGATES)]

    @property
    def country_records(self) -> list[dict[str, Any]]:
        """:attr:`countries` as plain records."""
        return [r for r in self.records if r["country"] not in AGGREGATES]

    @property
    def other_value(self) -> float:
        """Sum of 'other countries' rows [published unit]."""
        from orechain.pairwise import total_of

        other = [r["value"] for r in self.records if r["country"] in UNATTRIBUTED]
        return total_of(other) if any(v is not None for v in other) else 0.0

    @property
    def world_total_published(self) -> float | None:
        """The published world total, if the source gives one [published unit]."""
        world = [r["value"] for r in self.records if r["country"] == "WORLD"]
        return next((float(v) for v in world if v is not None), None)
