"""Supply-concentration overview: one row per commodity × measure.

Computed in bulk (one selection query, one row query) with the same
definitions and the same series choice as :func:`orechain.risk.commodity.commodity_risk`,
so that ``orechain risk overview`` stays fast over every commodity.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

from orechain.atlas.query import DEFAULT_SOURCE, select_all_series, series_rows
from orechain.atlas.schema import UNATTRIBUTED
from orechain.atlas.stages import all_stage_rows, extra_stages, select_stage_shares
from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError
from orechain.risk.concentration import concentration_ratio, hhi, shares
from orechain.risk.governance import governance_scores, hhi_wgi
from orechain.risk.import_reliance import (
    NetImportReliance,
    net_import_reliance,
    published_nir_rows,
)


@dataclass(frozen=True)
class OverviewRow:
    """Concentration of one commodity × measure in its selected year."""

    commodity: str
    name: str
    measure: str
    year: int
    type: str
    unit: str
    basis: str | None
    source_id: str
    total: float
    top_country: str | None
    cr1: float
    cr3: float
    hhi: float
    hhi_wgi: float | None
    net_import_reliance: float | None
    net_import_reliance_flag: str | None
    n_countries: int
    """Countries with a value in the series (the 'other countries' line not counted)."""
    note: str | None = None
    single_reporter: bool = False
    """Only one country reports (and no 'other countries'): 100 % and HHI 10,000 are
    an artefact of coverage, not a finding of concentration; sorted after the rest."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return asdict(self)


def risk_overview(
    atlas: Atlas, year: int | None = None, *, source: str = DEFAULT_SOURCE
) -> list[OverviewRow]:
    """Concentration of every commodity × measure, sorted by HHI (highest first).

    Series only one country reports come last (flagged ``single_reporter``).

    Parameters
    ----------
    year
        Data year; default the latest year each series has.
    """
    series = select_all_series(atlas, year, source=source)
    if series.empty:
        return []
    groups = dict(iter(series_rows(atlas, series).groupby(["commodity", "measure"])))
    names = atlas.query("SELECT commodity, name FROM commodities").set_index("commodity")["name"]
    nir_rows = published_nir_rows(atlas)
    wgi_cache: dict[int, pd.Series] = {}
    out = []
    for s in series.itertuples():
        if int(s.year) not in wgi_cache:
            wgi_cache[int(s.year)] = governance_scores(atlas, int(s.year))
        nir = net_import_reliance(atlas, str(s.commodity), int(s.year), published=nir_rows)
        group = groups[(s.commodity, s.measure)]
        out.append(
            _row(s, group, str(names.get(s.commodity, s.commodity)), wgi_cache[int(s.year)], nir)
        )
    out.extend(_stage_share_rows(atlas, series, names, year, nir_rows, wgi_cache))
    return sorted(out, key=lambda r: (r.single_reporter, -r.hhi, r.commodity, r.measure))


def _row(
    s: Any, group: pd.DataFrame, name: str, wgi: pd.Series, nir: NetImportReliance
) -> OverviewRow:
    """One overview row from a selected series and its country rows."""
    unattributed = group["country"].isin(UNATTRIBUTED)
    countries = group[~unattributed].groupby("country")["value"].sum()
    other = float(group.loc[unattributed, "value"].sum())
    share = shares(countries, other=other)
    units, bases = group["unit"].dropna(), group["basis"].dropna()
    return OverviewRow(
        commodity=str(s.commodity),
        name=name,
        measure=str(s.measure),
        year=int(s.year),
        type=str(s.type),
        unit=str(units.iloc[0]) if len(units) else "",
        basis=str(bases.iloc[0]) if len(bases) else None,
        source_id=str(s.source_id),
        total=float(countries.sum() + other),
        top_country=str(share.index[0]) if len(share) else None,
        cr1=concentration_ratio(share, 1),
        cr3=concentration_ratio(share, 3),
        hhi=hhi(share),
        hhi_wgi=hhi_wgi(share, wgi) if len(wgi) else None,
        net_import_reliance=nir.value_pct,
        net_import_reliance_flag=nir.flag,
        n_countries=int((countries > 0).sum()),
        single_reporter=int((countries > 0).sum()) <= 1 and other <= 0,
    )


def _stage_share_rows(
    atlas: Atlas,
    series: pd.DataFrame,
    names: pd.Series,
    year: int | None,
    nir_rows: pd.DataFrame,
    wgi_cache: dict[int, pd.Series],
) -> list[OverviewRow]:
    """Rows for stages only published as shares (e.g. rare-earth refining)."""
    covered = series.groupby("commodity")["measure"].apply(list).to_dict()
    rows = all_stage_rows(atlas)
    out = []
    for cid in sorted(rows["commodity"].unique()):
        for stage in extra_stages(atlas, cid, covered.get(cid, []), rows=rows):
            try:
                sel = select_stage_shares(atlas, cid, stage, year, rows=rows)
            except NotFoundError:
                continue
            if sel.year not in wgi_cache:
                wgi_cache[sel.year] = governance_scores(atlas, sel.year)
            nir = net_import_reliance(atlas, cid, sel.year, published=nir_rows)
            key = pd.Series(
                {
                    "commodity": cid,
                    "measure": stage,
                    "year": sel.year,
                    "type": sel.type,
                    "source_id": sel.source_id,
                }
            )
            group = sel.rows.assign(commodity=cid, measure=stage, unit=sel.unit, basis=None)
            group = group[group["value"].notna() & (group["country"] != "WORLD")]
            row = _row(key, group, str(names.get(cid, cid)), wgi_cache[sel.year], nir)
            out.append(replace(row, note=sel.note))
    return out
