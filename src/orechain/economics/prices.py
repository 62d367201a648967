"""The price deck: one price path per priced component, with its source.

Every entry is a flat price, a per-year path, or a statistic of the atlas's
USGS salient-statistics price series, optionally escalated each year and
optionally shocked by a scenario run's shortfall. Each names its source or is
labelled an assumption. Prices are converted to USD per tonne of the stated
basis (e.g. t of Nd2O3 contained) before use.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from orechain.economics.scenario_link import SHORTFALL_SHARE, read_scenario_series
from orechain.errors import InputError

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

logger = logging.getLogger(__name__)

LB_PER_T = 2204.62262185
"""Pounds (avoirdupois) per metric tonne."""

TO_USD_PER_T: dict[str, float] = {
    "USD/t": 1.0,
    "USD/kg": 1000.0,
    "USD/lb": LB_PER_T,
    "USc/lb": LB_PER_T / 100.0,
}
"""Factor from each accepted price unit to USD per metric tonne."""

PriceUnit = Literal["USD/t", "USD/kg", "USD/lb", "USc/lb"]


class AtlasPrice(BaseModel):
    """A statistic of one USGS salient-statistics price series in the atlas."""

    model_config = ConfigDict(extra="forbid")
    commodity: str = Field(description="Atlas commodity id, e.g. 'rare-earths'.")
    item: str = Field(description="Published column, e.g. 'Price_Nd2O3_dkg'.")
    statistic: Literal["mean", "median", "last", "min", "max"] = "mean"
    first_year: int | None = None
    last_year: int | None = None


class ScenarioPrice(BaseModel):
    """Take a price path, or a price shock, from a scenario run's output file."""

    model_config = ConfigDict(extra="forbid")
    file: Path = Field(description="Scenario output JSON, relative to the project file.")
    field: str | None = Field(
        default=None, description="Per-year price field, in the entry's unit."
    )
    shock_elasticity: float | None = Field(
        default=None, ge=0, description="Price multiplier = 1 + elasticity * shortfall_t/demand_t."
    )

    @model_validator(mode="after")
    def _one_rule(self) -> ScenarioPrice:
        if (self.field is None) == (self.shock_elasticity is None):
            msg = "give exactly one of 'field' or 'shock_elasticity'"
            raise ValueError(msg)
        return self


class PriceSpec(BaseModel):
    """One price-deck entry (a component's price path)."""

    model_config = ConfigDict(extra="forbid")
    unit: PriceUnit = "USD/t"
    basis: str = Field(
        default="contained", description="What one unit of mass means, e.g. 'Nd2O3'."
    )
    flat: float | None = Field(default=None, ge=0)
    path: dict[int, float] | None = Field(default=None, description="Calendar year → price.")
    atlas: AtlasPrice | None = None
    scenario: ScenarioPrice | None = None
    escalation_pct_per_yr: float = Field(default=0.0, ge=-50, le=50)
    source: str | None = None
    assumption: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _one_base_and_a_source(self) -> PriceSpec:
        bases = [b for b in (self.flat, self.path, self.atlas) if b is not None]
        if len(bases) != 1 and not (self.scenario and self.scenario.field):
            msg = "give exactly one of 'flat', 'path' or 'atlas'"
            raise ValueError(msg)
        if self.path is not None and any(v < 0 for v in self.path.values()):
            msg = "path prices must be non-negative"
            raise ValueError(msg)
        if not (self.source or self.assumption or self.atlas):
            msg = "name the price's 'source' or label it 'assumption: true'"
            raise ValueError(msg)
        return self

    def provenance(self) -> str:
        """Where the price comes from, for echoing in outputs."""
        label = "ASSUMPTION" if self.assumption else "source"
        origin = self.source or (
            f"atlas salient {self.atlas.commodity}/{self.atlas.item} ({self.atlas.statistic})"
            if self.atlas
            else "unspecified"
        )
        return f"{label}: {origin}"


def atlas_price_series(atlas: Atlas, spec: AtlasPrice) -> dict[int, tuple[float, str, str]]:
    """The USGS price series by year, latest MCS edition per year.

    Returns year → (value, unit, source_id). Each MCS edition restates recent
    years; the newest edition's figure is kept.
    """
    frame = atlas.query(
        "SELECT year, value, unit, source_id FROM salient WHERE variable = 'price' "
        "AND commodity = ? AND item = ? AND value IS NOT NULL ORDER BY year, source_id",
        [spec.commodity, spec.item],
    )
    rows = frame.itertuples()
    return {int(r.year): (float(r.value), str(r.unit), str(r.source_id)) for r in rows}


def atlas_base_price(atlas: Atlas, spec: AtlasPrice, *, where: str) -> tuple[float, str, str]:
    """The statistic of an atlas price series: (value, unit, provenance text)."""
    series = atlas_price_series(atlas, spec)
    lo, hi = spec.first_year or -(10**6), spec.last_year or 10**6
    window = {y: v for y, v in series.items() if lo <= y <= hi}
    if not window:
        msg = f"no USGS price for {spec.commodity}/{spec.item} in the atlas for those years"
        raise InputError(msg, field=where)
    values = np.array([v[0] for v in window.values()])
    stats = {"mean": np.mean(values), "median": np.median(values), "last": values[-1]}
    stats |= {"min": values.min(), "max": values.max()}
    value = float(stats[spec.statistic])
    units = {v[1] for v in window.values()}
    sources = sorted({v[2] for v in window.values()})
    years = f"{min(window)}-{max(window)}"
    text = (
        f"USGS MCS salient {spec.commodity}/{spec.item} {spec.statistic} {years} "
        f"({', '.join(sources)})"
    )
    return value, units.pop() if len(units) == 1 else "mixed", text


def _path_values(path: dict[int, float], years: np.ndarray) -> np.ndarray:
    """Step-fill a sparse year → price map: carry each value forward (and the first back)."""
    known = np.array(sorted(path))
    idx = np.clip(np.searchsorted(known, years, side="right") - 1, 0, known.size - 1)
    return np.array([path[int(known[i])] for i in idx], dtype=float)


def resolve_price(
    spec: PriceSpec,
    years: np.ndarray,
    *,
    key: str,
    atlas: Atlas | None = None,
    base_dir: Path | None = None,
) -> tuple[np.ndarray, str]:
    r"""A price-deck entry as a per-year price path [USD/t of its basis].

    Parameters
    ----------
    spec
        The deck entry.
    years
        Calendar years of the model.
    key
        The entry's name, for error messages.
    atlas
        Needed for ``atlas`` entries.
    base_dir
        Folder of the project file; scenario files are relative to it.

    Returns
    -------
    tuple of (numpy.ndarray, str)
        Prices [USD/t] per model year, and the provenance text.

    Notes
    -----
    :math:`p_t = p_0 \cdot k \cdot (1+e)^{t} \cdot (1 + \varepsilon s_t)` with
    :math:`p_0` the flat, path or atlas value in its unit, :math:`k` the unit
    factor to USD/t, :math:`e` the escalation per year counted from the first
    model year, and :math:`s_t` the scenario's shortfall share when a shock
    elasticity :math:`\varepsilon` is given.
    """
    where = f"prices.{key}"
    base, provenance = _base_values(spec, years, where=where, atlas=atlas, base_dir=base_dir)
    escalation = (1.0 + spec.escalation_pct_per_yr / 100.0) ** (years - years[0])
    prices = base * TO_USD_PER_T[spec.unit] * escalation
    if spec.scenario is not None and spec.scenario.shock_elasticity is not None:
        file = _scenario_file(spec.scenario.file, base_dir)
        share = read_scenario_series(file, SHORTFALL_SHARE)
        shock = np.array([share.get(int(y), 0.0) for y in years])
        prices = prices * (1.0 + spec.scenario.shock_elasticity * shock)
        provenance += f"; shocked by shortfall share in {file.name}"
    return prices, provenance


def _scenario_file(file: Path, base_dir: Path | None) -> Path:
    return file if file.is_absolute() or base_dir is None else base_dir / file


def _base_values(
    spec: PriceSpec,
    years: np.ndarray,
    *,
    where: str,
    atlas: Atlas | None,
    base_dir: Path | None,
) -> tuple[np.ndarray, str]:
    if spec.scenario is not None and spec.scenario.field is not None:
        file = _scenario_file(spec.scenario.file, base_dir)
        series = read_scenario_series(file, spec.scenario.field)
        return _path_values(series, years), f"scenario output {file.name}:{spec.scenario.field}"
    if spec.flat is not None:
        return np.full(years.shape, spec.flat, dtype=float), spec.provenance()
    if spec.path is not None:
        return _path_values(spec.path, years), spec.provenance()
    assert spec.atlas is not None  # guaranteed by the model validator
    if atlas is None:
        msg = "this price comes from the atlas but no atlas was given"
        raise InputError(msg, field=where)
    value, unit, text = atlas_base_price(atlas, spec.atlas, where=where)
    if unit != spec.unit:
        msg = f"the atlas series is in {unit}, the entry says unit {spec.unit!r}"
        raise InputError(msg, field=f"{where}.unit")
    label = "ASSUMPTION: " if spec.assumption else ""
    return np.full(years.shape, value, dtype=float), f"{label}{text}"
