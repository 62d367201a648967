"""Uncertainty bands on concentration: HHI and CR1 as p5 / p50 / p95.

The bands come from the uncertainty the published data themselves show, not
from an assumed error model:

* **vintage revisions** — the same country and year published in several USGS
  Mineral Commodity Summaries vintages (an estimate, then a revised figure);
  every figure is a candidate value, and a still-estimated figure of the latest
  vintage is widened by the range of estimate→revision changes the commodity
  has shown in the bundled vintages;
* **source disagreement** — World Mining Data's figure for the country and year;
* **withheld values** (USGS "W") — anywhere between 0 and what the published
  world total leaves after the listed countries' published figures (all
  rounded: the world total's upper and the others' lower rounding edge). The
  total and the countries come from one table, so a country revised down in a
  later vintage does not make room for more withheld supply in this one;
* **rounding** — ± half a unit of the third significant digit of each USGS figure
  (ASSUMPTION: USGS rounds to at most three significant digits).

Each country's value lies in the interval spanned by its candidates; draws are
uniform and independent within the intervals (ASSUMPTION: no correlation
between countries), seeded, and the shares follow
:func:`orechain.risk.concentration.shares` ("other countries" in the
denominator, not a supplier).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from orechain.atlas.query import ProductionSelection
    from orechain.atlas.store import Atlas

DRAWS = 4000
SEED = 20241
OTHER = "OTHER"
WORLD = "WORLD"
ROUNDING_DIGITS = 3
"""Significant digits USGS is assumed to publish (ASSUMPTION, see module notes)."""

__all__ = [
    "Band",
    "CountryRange",
    "ConcentrationBands",
    "band_of",
    "commodity_bands",
    "concentration_bands",
    "country_ranges",
    "revision_pool",
    "revision_range",
    "rank_stability",
    "supply_risk_band",
    "rounding_half_width",
]


@dataclass(frozen=True)
class Band:
    """p5 / p50 / p95 of a figure over the draws."""

    p5: float
    p50: float
    p95: float

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in [p5, p95]."""
        return self.p5 <= value <= self.p95


@dataclass(frozen=True)
class CountryRange:
    """The interval a country's value may take, and why."""

    iso3: str
    point: float | None
    """The published figure used for the point estimate (None when withheld)."""
    low: float
    high: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ConcentrationBands:
    """Bands of one commodity, stage and year, with the country intervals behind them."""

    hhi: Band
    cr1: Band
    countries: list[CountryRange]
    draws: int
    seed: int
    revisions: list[float] = field(default_factory=list)
    """Relative estimate→revision changes seen in the vintages (revised/estimate − 1)."""
    supply_risk: Band | None = None
    """EU supply risk of the stage for the U.S. (where computable), SI drawn in SI_RANGE."""
    assumptions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def rounding_half_width(value: float, digits: int = ROUNDING_DIGITS) -> float:
    """Half a unit of the ``digits``-th significant digit of ``value``.

    Examples
    --------
    >>> rounding_half_width(270_000.0), rounding_half_width(45_000.0), rounding_half_width(0.0)
    (500.0, 50.0, 0.0)
    """
    if value == 0 or not math.isfinite(value):
        return 0.0
    exponent = math.floor(math.log10(abs(value))) - (digits - 1)
    return 0.5 * 10.0**exponent


def revision_pool(figures: pd.DataFrame) -> list[float]:
    """Relative changes from an estimate to the next vintage's figure for the same year.

    ``figures`` has columns country, source_id, year, value, estimated (USGS rows
    only); vintages sort by source id (``usgs-mcs-2024`` < ``usgs-mcs-2025``).
    """
    known = figures.dropna(subset=["value"]).sort_values(["country", "year", "source_id"])
    nxt = known.groupby(["country", "year"])["value"].shift(-1)
    est = known["estimated"].fillna(False).astype(bool)
    mask = est & nxt.notna() & (known["value"] > 0)
    ratios = nxt[mask].astype(float) / known.loc[mask, "value"].astype(float) - 1.0
    return sorted(float(r) for r in ratios)


REVISION_QUANTILES = (0.1, 0.9)
"""Quantiles of the revision pool that widen an estimate (ASSUMPTION: the extremes of
small producers, e.g. a 20 t figure revised fivefold, are not typical)."""


def revision_range(pool: list[float]) -> tuple[float, float]:
    """(low, high) relative revision applied to a latest-vintage estimate; always spans 0.

    Examples
    --------
    >>> revision_range([0.2, 0.0])
    (0.0, 0.18)
    """
    if not pool:
        return 0.0, 0.0
    lo, hi = np.quantile(np.asarray(pool), REVISION_QUANTILES)
    return min(0.0, round(float(lo), 12)), max(0.0, round(float(hi), 12))


def country_ranges(
    figures: pd.DataFrame,
    point_source: str,
    year: int,
    *,
    second: pd.Series | None = None,
    world_total: float | None = None,
    revisions: list[float] | None = None,
) -> list[CountryRange]:
    """The interval of every country (and "other countries") in ``year``.

    Parameters
    ----------
    figures
        USGS rows: country, source_id, year, value, estimated, qualifier.
    point_source
        The vintage the point estimate comes from.
    second
        Another source's values by country (World Mining Data), same unit.
    world_total
        Published world total, bounding withheld values.
    revisions
        Estimate→revision pool (default: :func:`revision_pool` of ``figures``).
    """
    pool = revision_pool(figures) if revisions is None else revisions
    rev_lo, rev_hi = revision_range(pool)
    in_year = figures[figures["year"] == year]
    point_rows = in_year[in_year["source_id"] == point_source]
    latest = point_source == str(in_year["source_id"].max())
    out: list[CountryRange] = []
    for row in point_rows.itertuples():
        if row.country == WORLD:
            continue
        if pd.isna(row.value):
            continue
        value = float(row.value)
        cands, reasons = _candidates(value, in_year, str(row.country), second)
        if bool(row.estimated) and latest and row.country != OTHER and pool:
            cands += [value * (1 + rev_lo), value * (1 + rev_hi)]
            reasons.append("estimate: revision range of earlier vintages")
        out.append(CountryRange(str(row.country), value, min(cands), max(cands), tuple(reasons)))
    out += _withheld(point_rows, out, world_total)
    return out


def _candidates(
    value: float, in_year: pd.DataFrame, iso3: str, second: pd.Series | None
) -> tuple[list[float], list[str]]:
    """The published figures of one country, each ± its rounding."""
    reasons = ["rounding"]
    vals = in_year.loc[in_year["country"] == iso3, "value"].dropna().astype(float).tolist()
    if any(v != value for v in vals):
        reasons.append("vintage revision")
    cands = [
        x for v in [value, *vals] for x in (v - rounding_half_width(v), v + rounding_half_width(v))
    ]
    if second is not None and iso3 in second.index and pd.notna(second[iso3]):
        other = float(second[iso3])
        if other != value:
            reasons.append("World Mining Data")
        cands.append(other)
    return [max(c, 0.0) for c in cands], reasons


def _withheld(
    point_rows: pd.DataFrame, known: list[CountryRange], world_total: float | None
) -> list[CountryRange]:
    """Withheld countries: between 0 and what the world total leaves after the listed figures.

    The residual of the same table, at its rounding edges: the world total
    rounded up less every listed figure rounded down. Subtracting the listed
    countries' *low* values instead (their revision and WMD ranges too) let
    wollastonite's withheld US output reach 297,592 t beside a residual of
    45,000 t, so the whole HHI band fell below the point estimate.
    """
    withheld = point_rows[point_rows["value"].isna() & (point_rows["qualifier"] == "W")]
    if withheld.empty:
        return []
    room = 0.0
    if world_total is not None:
        listed = sum(r.point - rounding_half_width(r.point) for r in known if r.point is not None)
        room = max(0.0, world_total + rounding_half_width(world_total) - listed)
    why = ("withheld: between 0 and the world total less the listed countries",)
    return [CountryRange(str(c), None, 0.0, room, why) for c in withheld["country"]]


def band_of(values: np.ndarray) -> Band:
    """p5 / p50 / p95 of an array of draws."""
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return Band(float(p5), float(p50), float(p95))


def _draw_shares(
    ranges: list[CountryRange], rng: np.random.Generator, draws: int
) -> tuple[np.ndarray, list[str]]:
    """(draws × suppliers) shares and the suppliers' ISO3; "other countries" only divides."""
    low = np.array([r.low for r in ranges])
    high = np.array([r.high for r in ranges])
    sample = low + (high - low) * rng.random((draws, len(ranges)))
    supplier = np.array([r.iso3 != OTHER for r in ranges], dtype=bool)
    total = sample.sum(axis=1, keepdims=True)
    share = np.divide(sample[:, supplier], total, out=np.zeros_like(sample[:, supplier]),
                      where=total > 0)  # fmt: skip
    return share, [r.iso3 for r in ranges if r.iso3 != OTHER]


def concentration_bands(
    ranges: list[CountryRange], *, draws: int = DRAWS, seed: int = SEED
) -> tuple[Band, Band]:
    """HHI [0–10,000] and CR1 [0–1] bands from uniform independent draws in each interval."""
    share, _ = _draw_shares(ranges, np.random.default_rng(seed), draws)
    hhi = ((100.0 * share) ** 2).sum(axis=1)
    cr1 = share.max(axis=1) if share.shape[1] else np.zeros(draws)
    return band_of(hhi), band_of(cr1)


ASSUMPTIONS = [
    "ASSUMPTION: USGS figures are rounded to three significant digits (± half a unit).",
    "ASSUMPTION: country values vary independently and uniformly within their intervals.",
    "ASSUMPTION: a latest-vintage estimate may be revised by the 10th to 90th percentile of "
    "the estimate-to-revision changes of this series in earlier vintages.",
]


SI_ASSUMPTION = (
    "ASSUMPTION: supply risk varies the world shares as above and the substitution index "
    "uniformly in 0.8–1.0; the buyer's sourcing, import reliance and EoL-RIR stay as published."
)


def commodity_bands(
    atlas: Atlas, sel: ProductionSelection, *, with_supply_risk: bool = True
) -> ConcentrationBands:
    """Bands of the selection's HHI and CR1 from every USGS vintage and World Mining Data.

    ``with_supply_risk`` adds the EU supply-risk band (it recomputes the supply
    risk of every stage; the overview leaves it out).
    """
    figures = _usgs_figures(atlas, sel)
    second = _wmd_figures(atlas, sel)
    pool = revision_pool(figures)
    ranges = country_ranges(
        figures, sel.source_id, sel.year, second=second,
        world_total=sel.world_total_published, revisions=pool,
    )  # fmt: skip
    hhi, cr1 = concentration_bands(ranges)
    sr = supply_risk_band(atlas, sel, ranges) if with_supply_risk else None
    notes = ASSUMPTIONS + ([SI_ASSUMPTION] if sr is not None else [])
    return ConcentrationBands(
        hhi, cr1, ranges, DRAWS, SEED, pool, supply_risk=sr, assumptions=notes
    )


def _usgs_figures(atlas: Atlas, sel: ProductionSelection) -> pd.DataFrame:
    """Every USGS vintage's rows of the selection's series (same measure and basis).

    Series names change between vintages; in each (vintage, year) the type with
    the most rows is taken, the selection's own type in its own vintage.
    """
    frame = atlas.query(
        """SELECT country, source_id, year, type, value, estimated, qualifier FROM production
        WHERE commodity = ? AND measure = ? AND source_id LIKE 'usgs-mcs-%'
          AND coalesce(basis, '') = coalesce(?, '') AND unit = ?""",
        [sel.commodity, sel.measure, sel.basis, sel.unit],
    )
    keep = []
    for (sid, year), grp in frame.groupby(["source_id", "year"]):
        if sid == sel.source_id and year == sel.year:
            keep.append(grp[grp["type"] == sel.type])
        else:
            keep.append(grp[grp["type"] == grp["type"].value_counts().index[0]])
    return pd.concat(keep, ignore_index=True) if keep else frame


def _wmd_figures(atlas: Atlas, sel: ProductionSelection) -> pd.Series | None:
    """World Mining Data's values for the year in the selection's unit, if comparable."""
    if sel.measure != "mine" or sel.source_id.startswith("wmd"):
        return None
    factor = atlas.query(
        """SELECT max(quantity_t / value) AS f FROM production WHERE commodity = ?
        AND measure = ? AND source_id = ? AND year = ? AND value > 0""",
        [sel.commodity, sel.measure, sel.source_id, sel.year],
    )["f"].iloc[0]
    if factor is None or pd.isna(factor) or factor <= 0:
        return None
    wmd = atlas.query(
        """SELECT country, sum(quantity_t) AS q FROM production WHERE commodity = ?
        AND measure = 'mine' AND source_id LIKE 'wmd%' AND year = ?
        AND coalesce(basis, '') = coalesce(?, '') AND quantity_t IS NOT NULL
        GROUP BY country""",
        [sel.commodity, sel.year, sel.basis],
    )
    return None if wmd.empty else wmd.set_index("country")["q"] / float(factor)


def rank_stability(bands: list[Band | None]) -> list[str | None]:
    """For rows sorted by point HHI: ``stable`` if the row's band overlaps neither neighbour's.

    Two rows whose [p5, p95] HHI bands overlap could swap places under the
    uncertainty the data show, so both ranks are ``uncertain``. Rows without a
    band (shares-only stages, single reporters) get None and are skipped when
    looking for neighbours.

    Examples
    --------
    >>> rank_stability([Band(8000, 8500, 9000), Band(5000, 6000, 7000), Band(6500, 6600, 6700)])
    ['stable', 'uncertain', 'uncertain']
    """
    known = [i for i, b in enumerate(bands) if b is not None]
    out: list[str | None] = [None] * len(bands)
    for pos, i in enumerate(known):
        band = bands[i]
        assert band is not None
        near = [bands[known[j]] for j in (pos - 1, pos + 1) if 0 <= j < len(known)]
        overlap = any(b is not None and b.p5 <= band.p95 and band.p5 <= b.p95 for b in near)
        out[i] = "uncertain" if overlap else "stable"
    return out


SI_RANGE = (0.8, 1.0)
"""Substitution index drawn uniformly in this range (ASSUMPTION: no substitute at 1.0 to
partial substitutes at 0.8; OreChain's point estimate assumes 1.0)."""


def supply_risk_band(
    atlas: Atlas, sel: ProductionSelection, ranges: list[CountryRange], buyer: str = "USA"
) -> Band | None:
    """EU supply risk of the selection's stage: p5/p50/p95 over the draws.

    World shares vary as in :func:`concentration_bands` (same seed, so the same
    draws); the buyer's sourcing HHI_WGI, import reliance and EoL-RIR stay at the
    values :func:`orechain.risk.supply_risk.supply_risk` uses; the substitution
    index is drawn in :data:`SI_RANGE`. None when the supply risk is not
    computable (no import reliance for the buyer, no stage match).
    """
    from orechain.errors import OreChainError
    from orechain.risk.governance import governance_scores
    from orechain.risk.supply_risk import supply_risk, supply_risk_formula

    try:
        point = supply_risk(atlas, sel.commodity, buyer)
    except OreChainError:
        return None
    stage = next((s for s in point.stages if s.year == sel.year and s.stage == sel.measure), None)
    if stage is None:
        return None
    inputs = {i.name: float(i.value or 0.0) for i in point.inputs}
    wgi = governance_scores(atlas, sel.year) * inputs["trade_restriction"]
    rng = np.random.default_rng(SEED)
    share, iso3 = _draw_shares(ranges, rng, DRAWS)
    weights = wgi.reindex(iso3).to_numpy(dtype=float)
    known = ~np.isnan(weights)  # suppliers without a WGI score are left out, as in hhi_wgi
    global_hhi = (share[:, known] ** 2 * weights[known]).sum(axis=1)
    si = rng.uniform(*SI_RANGE, size=DRAWS)
    sr = [
        supply_risk_formula(g, stage.hhi_wgi_sourcing, stage.import_reliance, inputs["eol_rir"], x)
        for g, x in zip(global_hhi, si, strict=True)
    ]
    return band_of(np.asarray(sr))
