r"""Sensitivity and uncertainty: tornado, spider table, break-evens, Monte Carlo.

Every analysis varies multiplicative factors on the project's inputs (price,
grade, recovery, capex, opex, royalty rate, discount rate; 1 = as in the file)
and evaluates all cases in one vectorised call. The Monte Carlo samples its
factors in vectorised blocks on the shared Dask runner
(:func:`orechain.montecarlo.run_blocks`: one random stream per block of
draws, so draw ``i`` depends on the seed and ``i`` alone, on any scheduler),
then evaluates the draws in vectorised chunks.

References
----------
Eschenbach, T. G. (1992), "Spiderplots versus tornado diagrams for sensitivity
analysis", *Interfaces* 22(6), 40-46, doi:10.1287/inte.22.6.40.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from orechain.economics.cashflow import FACTOR_NAMES, Factors
from orechain.economics.metrics import solve_breakeven
from orechain.economics.production import Prepared, prepare
from orechain.economics.project import Distribution, Project
from orechain.economics.results import project_npv
from orechain.montecarlo import quantiles, run_blocks

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

logger = logging.getLogger(__name__)

CHUNK = 20_000
"""Draws evaluated per vectorised call (bounds memory at ~100 MB)."""


def _one_at_a_time(names: Sequence[str], levels: Sequence[float]) -> Factors:
    """Factors for every (name, level) pair, all other factors at 1."""
    cases = [(n, lv) for n in names for lv in levels]
    cols: dict[str, Any] = {
        f: np.array([lv if n == f else 1.0 for n, lv in cases]) for f in FACTOR_NAMES
    }
    return Factors(**cols)


@dataclass(frozen=True)
class TornadoBar:
    """NPV with one factor moved down and up by the same share, the rest as in the file."""

    factor: str
    low_npv: float
    """NPV with the factor at 1 − x [USD]."""
    high_npv: float
    """NPV with the factor at 1 + x [USD]."""
    swing: float
    """abs(high − low) [USD]; bars are sorted by it."""


def tornado(prep: Prepared, pct: float = 20.0) -> tuple[float, list[TornadoBar]]:
    r"""Tornado: NPV at ±``pct`` % on each factor, largest swing first.

    Parameters
    ----------
    prep
        The compiled project.
    pct
        Change in each factor [%].

    Returns
    -------
    tuple of (float, list of TornadoBar)
        The base NPV [USD] and one bar per factor.

    Notes
    -----
    Bar :math:`j`: :math:`NPV(x_j = 1 \pm p/100,\ x_{k \ne j} = 1)`.
    """
    x = pct / 100.0
    values = project_npv(prep, _one_at_a_time(FACTOR_NAMES, (1 - x, 1 + x)))
    bars = [
        TornadoBar(f, float(values[2 * i]), float(values[2 * i + 1]), 0.0)
        for i, f in enumerate(FACTOR_NAMES)
    ]
    bars = [TornadoBar(b.factor, b.low_npv, b.high_npv, abs(b.high_npv - b.low_npv)) for b in bars]
    base = float(project_npv(prep)[0])
    return base, sorted(bars, key=lambda b: -b.swing)


def spider(prep: Prepared, steps: Sequence[float] = (-30, -20, -10, 0, 10, 20, 30)) -> list[dict]:
    """Spider table: NPV [USD] for each factor at each change [%] in ``steps``."""
    levels = [1 + s / 100.0 for s in steps]
    values = project_npv(prep, _one_at_a_time(FACTOR_NAMES, levels)).reshape(len(FACTOR_NAMES), -1)
    return [
        {"change_pct": s, **{f: float(values[i, j]) for i, f in enumerate(FACTOR_NAMES)}}
        for j, s in enumerate(steps)
    ]


def breakevens(prep: Prepared) -> dict[str, float | None]:
    """The factor level at which NPV is zero, per factor (None if not in [0, 10^4]).

    Notes
    -----
    Solves :math:`NPV(x_j) = 0` by bisection with the other factors at 1;
    e.g. a capex break-even of 1.8 means capex could rise 80 % before NPV
    turns negative. Recoveries are capped at 1, so a recovery factor may have
    no break-even above 1.
    """
    return {f: solve_breakeven(partial(_npv_with, prep, f)) for f in FACTOR_NAMES}


@dataclass(frozen=True)
class SensitivityReport:
    """Tornado, spider table and break-evens of one project: the sensitivity document."""

    project: str
    currency: str
    base_npv: float
    """NPV with every factor at 1 [currency]."""
    pct: float
    """Change applied to each factor in the tornado [%]."""
    tornado: tuple[TornadoBar, ...]
    """Bars, largest swing first."""
    spider: list[dict[str, float]]
    breakevens: dict[str, float | None]
    assumptions: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready document (the CLI's ``--json`` and the API's answer)."""
        return {
            "project": self.project,
            "currency": self.currency,
            "base_npv": self.base_npv,
            "pct": self.pct,
            "tornado": [b.__dict__ for b in self.tornado],
            "spider": self.spider,
            "breakevens": self.breakevens,
            "assumptions": self.assumptions,
        }


def sensitivity_report(
    project: Project, atlas: Atlas | None = None, pct: float = 20.0
) -> SensitivityReport:
    """Tornado (±``pct`` per factor), spider table and break-evens of ``project``."""
    prep = prepare(project, atlas)
    base, bars = tornado(prep, pct)
    return SensitivityReport(
        project=project.name,
        currency=project.currency,
        base_npv=base,
        pct=pct,
        tornado=tuple(bars),
        spider=spider(prep),
        breakevens=breakevens(prep),
        assumptions=list(project.assumptions),
    )


def _npv_with(prep: Prepared, factor: str, level: float) -> float:
    kw: dict[str, Any] = {factor: level}
    return float(project_npv(prep, Factors(**kw))[0])


Spec = tuple[str, float, float, float]
"""A distribution as plain values (kind, a, b, c), cheap to pickle and to read per draw."""


def as_spec(d: Distribution) -> Spec:
    r"""A factor distribution as (kind, a, b, c).

    Notes
    -----
    ``lognormal`` takes the factor's own mean :math:`m` and sd :math:`s` and is
    stored as :math:`(\mu, \sigma)` with :math:`\sigma^2 = \ln(1 + s^2/m^2)`,
    :math:`\mu = \ln m - \sigma^2/2`, so the factor keeps mean :math:`m`.
    """
    if d.dist == "lognormal":
        mean, sd = float(d.mean or 0.0), float(d.sd or 0.0)
        s2 = float(np.log1p((sd / mean) ** 2))
        return ("lognormal", float(np.log(mean) - s2 / 2), float(np.sqrt(s2)), 0.0)
    if d.dist == "normal":
        return ("normal", float(d.mean or 0.0), float(d.sd or 0.0), 0.0)
    if d.dist == "triangular":
        return ("triangular", float(d.low or 0.0), float(d.mode or 0.0), float(d.high or 0.0))
    return ("uniform", float(d.low or 0.0), float(d.high or 0.0), 0.0)


def sample_block(specs: tuple[Spec, ...], rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of every factor [n × factors], one factor after another (picklable).

    Normal draws are clipped at 0 (a negative price or capex is meaningless).
    """
    out = np.empty((n, len(specs)))
    for j, (kind, a, b, c) in enumerate(specs):
        if kind == "normal":
            out[:, j] = np.maximum(0.0, rng.normal(a, b, n))
        elif kind == "lognormal":
            out[:, j] = rng.lognormal(a, b, n)
        elif kind == "triangular":
            out[:, j] = rng.triangular(a, b, c, n) if c > a else np.full(n, b)
        else:
            out[:, j] = rng.uniform(a, b, n)
    return out


def _factors(names: Sequence[str], samples: np.ndarray) -> Factors:
    kw: dict[str, Any] = {}
    by_key: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        base, _, key = name.partition(":")
        if key:
            by_key[key] = samples[:, j]
        else:
            kw[base] = samples[:, j]
    return Factors(**kw, price_by_key=by_key)


@dataclass(frozen=True)
class MonteCarloResult:
    """NPV distribution over the project file's uncertainty block."""

    draws: int
    seed: int
    npv: np.ndarray
    """NPV per draw [USD], in draw order."""
    factors: dict[str, np.ndarray]
    """Sampled factor per draw [-]."""

    def summary(self) -> dict[str, float]:
        """P10/P50/P90 NPV, mean [USD] and P(NPV < 0) [-]."""
        q = quantiles(self.npv, (0.1, 0.5, 0.9))
        return {
            **q,
            "mean": float(self.npv.mean()),
            "prob_npv_negative": float(np.mean(self.npv < 0)),
        }


def montecarlo(
    project: Project,
    draws: int,
    *,
    seed: int = 0,
    atlas: Atlas | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> MonteCarloResult:
    """Monte Carlo of project NPV over the distributions in ``project.uncertainty``.

    Parameters
    ----------
    project
        The project; its ``uncertainty`` block names factor distributions.
    draws
        Number of draws.
    seed
        Master seed: same seed, same result on any scheduler.
    atlas
        Needed when a price comes from the atlas.
    workers, scheduler
        Passed to :func:`orechain.montecarlo.run_blocks`. Sampling is
        vectorised (milliseconds per block), so the default is one worker:
        process start-up and pickling cost more than they save. The NPVs are
        then evaluated vectorised, ``CHUNK`` draws per call.

    Returns
    -------
    MonteCarloResult
        NPV per draw and the sampled factors.
    """
    prep = prepare(project, atlas)
    names = sorted(project.uncertainty)
    specs = tuple(as_spec(project.uncertainty[n]) for n in names)
    samples = run_blocks(
        partial(sample_block, specs), draws, seed=seed, workers=workers, scheduler=scheduler
    ).reshape(draws, len(names))
    values = np.concatenate(
        [
            project_npv(prep, _factors(names, samples[i : i + CHUNK]))
            if names
            else np.repeat(project_npv(prep), min(CHUNK, draws - i))
            for i in range(0, draws, CHUNK)
        ]
    )
    return MonteCarloResult(draws, seed, values, {n: samples[:, j] for j, n in enumerate(names)})
