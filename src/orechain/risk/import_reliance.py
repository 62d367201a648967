"""U.S. net import reliance and major import sources, from the atlas's salient tables.

USGS defines net import reliance as imports minus exports, adjusted for
government and industry stock changes, as a percentage of apparent
consumption (``docs/design.md``, "Risk definitions"):

    NIR = (imports − exports ± stock change) / apparent consumption

USGS publishes the figure per commodity in each salient file (``NIR_*``
columns) and in Figure 2 of the MCS introduction. :func:`net_import_reliance`
takes the published value from the latest vintage that has the year and
computes the formula only when no vintage publishes it.

References
----------
U.S. Geological Survey (2025), Mineral Commodity Summaries 2025, p. 3 (Figure 2,
"2024 U.S. net import reliance"), https://doi.org/10.3133/mcs2025.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from orechain.atlas.commodities import resolve_commodity

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

FIGURE_PREFIX = "Fig2: "
"""Item prefix of net-import-reliance rows taken from MCS Figure 2."""

ANSWERING_FLAGS = frozenset({"E", ">", "<"})
"""Flags that answer the question without a number: net exporter, or a bound."""

TONNES = {"t": 1.0, "kt": 1e3, "Mt": 1e6, "kg": 1e-3}


@dataclass(frozen=True)
class NetImportReliance:
    """U.S. net import reliance of one commodity and year."""

    commodity: str
    year: int
    value_pct: float | None
    """Net import reliance [%]; the bound when ``flag`` is '>' or '<'; None for 'E'."""
    flag: str | None
    """'E' net exporter, '>' / '<' bound, 'W' withheld, 'NA'; None for a plain value."""
    item: str | None
    """Published column (``NIR_pct``) or Figure 2 label the value comes from."""
    source_id: str | None
    method: str
    """'published' (salient file), 'published (figure 2)', 'computed' or 'unavailable'."""


@dataclass(frozen=True)
class ImportSource:
    """One major U.S. import source, in descending order of import share."""

    rank: int
    iso3: str
    share: float | None
    """Share of U.S. imports [0..1] when published; MCS Figure 2 gives ranks only."""
    period: str
    source_id: str


def vintage(source_id: str) -> int:
    """Release year in a source id (``usgs-mcs-2025`` → 2025); 0 when it has none."""
    years = re.findall(r"(?:19|20)\d{2}", source_id)
    return max(int(y) for y in years) if years else 0


def published_nir_rows(atlas: Atlas) -> pd.DataFrame:
    """Every published net-import-reliance row, for many :func:`net_import_reliance` calls."""
    frame = atlas.query(
        "SELECT commodity, year, variable, item, value, unit, flag, source_id FROM salient "
        "WHERE variable = 'net_import_reliance'"
    )
    frame["vintage"] = frame["source_id"].map(vintage)
    frame["flag"] = frame["flag"].astype(object).where(frame["flag"].notna(), None)
    return frame


def net_import_reliance(
    atlas: Atlas, commodity: str, year: int, *, published: pd.DataFrame | None = None
) -> NetImportReliance:
    """U.S. net import reliance of ``commodity`` in ``year`` [%].

    The published salient-file value of the latest vintage that has the year is
    preferred (several ``NIR_*`` columns: the one that agrees with Figure 2 of
    that vintage, else the first by name); then the Figure 2 value; then
    ``(imports − exports + stock drawdown) / apparent consumption`` from the
    salient rows, with mass units converted to tonnes.

    Parameters
    ----------
    atlas
        The atlas to read.
    commodity
        Name, alias or id (``"rare earths"``, ``"antimony"``).
    year
        Data year.
    published
        The frame of :func:`published_nir_rows`, to avoid one query per call.

    Examples
    --------
    >>> net_import_reliance(atlas, "antimony", 2024).value_pct  # doctest: +SKIP
    85.0
    """
    cid = resolve_commodity(commodity)
    if published is None:
        rows = _salient(atlas, cid, [year], "net_import_reliance")
    else:
        rows = published[(published["commodity"] == cid) & (published["year"] == year)]
    rows = rows[rows["value"].notna() | rows["flag"].isin(ANSWERING_FLAGS)]
    if not rows.empty:
        return _published(cid, year, rows)
    return compute_net_import_reliance(atlas, cid, year)


def _salient(atlas: Atlas, commodity: str, years: list[int], *variables: str) -> pd.DataFrame:
    marks = ", ".join("?" for _ in variables)
    year_marks = ", ".join("?" for _ in years)
    frame = atlas.query(
        f"SELECT year, variable, item, value, unit, flag, source_id FROM salient "
        f"WHERE commodity = ? AND year IN ({year_marks}) AND variable IN ({marks})",
        [commodity, *years, *variables],
    )
    frame["vintage"] = frame["source_id"].map(vintage)
    frame["flag"] = frame["flag"].astype(object).where(frame["flag"].notna(), None)
    return frame


def _published(commodity: str, year: int, rows: pd.DataFrame) -> NetImportReliance:
    figure = rows["item"].str.startswith(FIGURE_PREFIX)
    columns = rows[~figure]
    if columns.empty:
        best = rows[rows["vintage"] == rows["vintage"].max()].sort_values("item").iloc[0]
        return _result(commodity, year, best, "published (figure 2)")
    latest = columns[columns["vintage"] == columns["vintage"].max()].sort_values("item")
    fig = rows[figure & (rows["source_id"] == latest["source_id"].iloc[0])]
    agree = latest[latest.apply(lambda r: _same(r, fig), axis=1)] if not fig.empty else latest
    best = (agree if not agree.empty else latest).iloc[0]
    return _result(commodity, year, best, "published")


def _same(row: pd.Series, figure: pd.DataFrame) -> bool:
    """Whether a Figure 2 row publishes the same value and flag as a salient column."""
    same_flag = figure["flag"].fillna("") == (row["flag"] or "")
    same_value = (figure["value"] == row["value"]) | (
        figure["value"].isna() & bool(pd.isna(row["value"]))
    )
    return bool((same_flag & same_value).any())


def _result(commodity: str, year: int, row: pd.Series, method: str) -> NetImportReliance:
    value = None if pd.isna(row["value"]) else float(row["value"])
    return NetImportReliance(
        commodity, year, value, row["flag"], str(row["item"]), str(row["source_id"]), method
    )


def compute_net_import_reliance(atlas: Atlas, commodity: str, year: int) -> NetImportReliance:
    """``(imports − exports + stock drawdown) / apparent consumption`` from salient rows [%].

    Uses the latest vintage with imports and exports for ``year``. Apparent
    consumption is the published apparent (else only) consumption item, or
    U.S. production + imports − exports + stock drawdown. Items of one variable
    are summed after converting mass units to tonnes; non-mass items are left out.
    The result is 'unavailable' when a term is missing or consumption is not positive.
    """
    variables = ("imports", "exports", "consumption", "us_production", "stocks")
    rows = _salient(atlas, commodity, [year - 1, year], *variables)
    rows = rows[rows["unit"].isin(TONNES) & rows["value"].notna()]
    now = rows[rows["year"] == year]
    trade = now[now["variable"].isin(["imports", "exports"])]
    if trade.empty:
        return NetImportReliance(commodity, year, None, None, None, None, "unavailable")
    source = trade.loc[trade["vintage"].idxmax(), "source_id"]
    mine = rows[rows["source_id"] == source]
    terms = {v: _tonnes(mine, v, year) for v in variables}
    drawdown = _drawdown(mine, year)
    consumption = _consumption(mine, year, terms, drawdown)
    if terms["imports"] is None or terms["exports"] is None or not consumption:
        return NetImportReliance(commodity, year, None, None, None, source, "unavailable")
    value = 100.0 * (terms["imports"] - terms["exports"] + drawdown) / consumption
    flag = "E" if value < 0 else None
    return NetImportReliance(
        commodity, year, None if flag else round(value, 1), flag, None, source, "computed"
    )


def _tonnes(rows: pd.DataFrame, variable: str, year: int) -> float | None:
    part = rows[(rows["variable"] == variable) & (rows["year"] == year)]
    if part.empty:
        return None
    return float((part["value"] * part["unit"].map(TONNES)).sum())


def _drawdown(rows: pd.DataFrame, year: int) -> float:
    """Stocks at the end of the previous year minus stocks at the end of ``year`` [t]."""
    before, after = _tonnes(rows, "stocks", year - 1), _tonnes(rows, "stocks", year)
    return 0.0 if before is None or after is None else before - after


def _consumption(
    rows: pd.DataFrame, year: int, terms: dict[str, float | None], drawdown: float
) -> float | None:
    part = rows[(rows["variable"] == "consumption") & (rows["year"] == year)]
    apparent = part[part["item"].str.contains("appar|apprnt", case=False)]
    chosen = apparent if not apparent.empty else part
    if len(chosen) == 1:
        return float(chosen["value"].iloc[0] * TONNES[chosen["unit"].iloc[0]])
    produced, imports, exports = terms["us_production"], terms["imports"], terms["exports"]
    if produced is None or imports is None or exports is None:
        return None
    return produced + imports - exports + drawdown


def us_import_sources(atlas: Atlas, commodity: str) -> list[ImportSource]:
    """Major U.S. import sources of ``commodity`` from the latest vintage, by rank.

    From MCS Figure 2 ("Major import sources", descending order of import
    share over the four years before the data year; Hong Kong counted with China).
    """
    cid = resolve_commodity(commodity)
    frame = atlas.query(
        "SELECT period, rank, country, share, source_id FROM us_import_sources WHERE commodity = ?",
        [cid],
    )
    if frame.empty:
        return []
    frame["vintage"] = frame["source_id"].map(vintage)
    latest = frame[frame["vintage"] == frame["vintage"].max()].sort_values("rank")
    return [
        ImportSource(
            int(r.rank),
            str(r.country),
            None if pd.isna(r.share) else float(r.share),
            str(r.period),
            str(r.source_id),
        )
        for r in latest.itertuples()
    ]
