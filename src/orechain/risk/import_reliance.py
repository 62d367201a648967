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
from typing import TYPE_CHECKING, Any

from orechain.atlas.commodities import resolve_commodity
from orechain.pairwise import total_of

if TYPE_CHECKING:
    import pandas as pd

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
        Without it nothing here imports pandas (``orechain risk`` starts fast).

    Examples
    --------
    >>> net_import_reliance(atlas, "antimony", 2024).value_pct  # doctest: +SKIP
    85.0
    """
    cid = resolve_commodity(commodity)
    if published is None:
        rows = _salient(atlas, cid, [year], "net_import_reliance")
    else:
        from orechain.atlas.selection import plain_records

        mine = published[(published["commodity"] == cid) & (published["year"] == year)]
        rows = list(plain_records(mine))
    rows = [r for r in rows if r["value"] is not None or r["flag"] in ANSWERING_FLAGS]
    if rows:
        return _published(cid, year, rows)
    return compute_net_import_reliance(atlas, cid, year)


Row = dict[str, Any]
"""One salient row: year, variable, item, value, unit, flag, source_id, vintage."""


def _salient(atlas: Atlas, commodity: str, years: list[int], *variables: str) -> list[Row]:
    marks = ", ".join("?" for _ in variables)
    year_marks = ", ".join("?" for _ in years)
    rows = atlas.records(
        f"SELECT year, variable, item, value, unit, flag, source_id FROM salient "
        f"WHERE commodity = ? AND year IN ({year_marks}) AND variable IN ({marks})",
        [commodity, *years, *variables],
    )
    for r in rows:
        r["vintage"] = vintage(r["source_id"])
    return rows


def _by_item(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: r["item"])


def _published(commodity: str, year: int, rows: list[Row]) -> NetImportReliance:
    figure = [str(r["item"]).startswith(FIGURE_PREFIX) for r in rows]
    columns = [r for r, fig in zip(rows, figure, strict=True) if not fig]
    if not columns:
        newest = max(r["vintage"] for r in rows)
        best = _by_item([r for r in rows if r["vintage"] == newest])[0]
        return _result(commodity, year, best, "published (figure 2)")
    newest = max(r["vintage"] for r in columns)
    latest = _by_item([r for r in columns if r["vintage"] == newest])
    source = latest[0]["source_id"]
    fig_rows = [r for r, f in zip(rows, figure, strict=True) if f and r["source_id"] == source]
    agree = [r for r in latest if _same(r, fig_rows)] if fig_rows else latest
    return _result(commodity, year, (agree or latest)[0], "published")


def _same(row: Row, figure: list[Row]) -> bool:
    """Whether a Figure 2 row publishes the same value and flag as a salient column."""
    return any(
        (f["flag"] or "") == (row["flag"] or "")
        and (f["value"] == row["value"] or (f["value"] is None and row["value"] is None))
        for f in figure
    )


def _result(commodity: str, year: int, row: Row, method: str) -> NetImportReliance:
    value = None if row["value"] is None else float(row["value"])
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
    rows = [r for r in rows if r["unit"] in TONNES and r["value"] is not None]
    trade = [r for r in rows if r["year"] == year and r["variable"] in ("imports", "exports")]
    if not trade:
        return NetImportReliance(commodity, year, None, None, None, None, "unavailable")
    source = max(trade, key=lambda r: r["vintage"])["source_id"]
    mine = [r for r in rows if r["source_id"] == source]
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


def _tonnes(rows: list[Row], variable: str, year: int) -> float | None:
    part = [r for r in rows if r["variable"] == variable and r["year"] == year]
    if not part:
        return None
    return total_of([r["value"] * TONNES[r["unit"]] for r in part])


def _drawdown(rows: list[Row], year: int) -> float:
    """Stocks at the end of the previous year minus stocks at the end of ``year`` [t]."""
    before, after = _tonnes(rows, "stocks", year - 1), _tonnes(rows, "stocks", year)
    return 0.0 if before is None or after is None else before - after


APPARENT = re.compile("appar|apprnt", re.IGNORECASE)
"""Consumption items that are apparent consumption."""


def _consumption(
    rows: list[Row], year: int, terms: dict[str, float | None], drawdown: float
) -> float | None:
    part = [r for r in rows if r["variable"] == "consumption" and r["year"] == year]
    apparent = [r for r in part if APPARENT.search(str(r["item"]))]
    chosen = apparent or part
    if len(chosen) == 1:
        return float(chosen[0]["value"] * TONNES[chosen[0]["unit"]])
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
    rows = atlas.records(
        "SELECT period, rank, country, share, source_id FROM us_import_sources WHERE commodity = ?",
        [cid],
    )
    if not rows:
        return []
    newest = max(vintage(r["source_id"]) for r in rows)
    latest = sorted((r for r in rows if vintage(r["source_id"]) == newest), key=lambda r: r["rank"])
    return [
        ImportSource(
            int(r["rank"]),
            str(r["country"]),
            None if r["share"] is None else float(r["share"]),
            str(r["period"]),
            str(r["source_id"]),
        )
        for r in latest
    ]
