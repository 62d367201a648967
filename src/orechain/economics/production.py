r"""Physical flows of a project: feed, products, sales, by stage and year.

A project is compiled once into per-year arrays (:func:`prepare`); flows are
then computed for any number of draws at once (arrays of shape
``(draws, years)``) so the Monte Carlo stays vectorised.

Mass balance per stage ``s``, product ``p``, component ``c`` and year ``t``:

* ore-fed stage: gross feed :math:`F_{s,t} = Q_s \cdot d_s/365 \cdot u_{s,t}`
  and contained feed :math:`F_{s,t} g_{s,c}`, with nameplate :math:`Q_s`,
  operating days :math:`d_s`, ramp-up/utilisation :math:`u_{s,t}` and grade
  :math:`g_{s,c}`;
* fed stage: it takes the share :math:`f = \min(1, C_{s,t}/M_{p,t})` of its
  feed product's gross output :math:`M_{p,t}` (capacity :math:`C`); the rest
  of that product is sold;
* product output: :math:`X_{p,c} = F^{c}_{s} \cdot \min(1, R_{p,c})`; gross
  mass :math:`M_p = \sum_c X_{p,c} / \gamma_p` (grade :math:`\gamma`) or
  :math:`F_s \cdot` mass pull.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from orechain.economics.prices import resolve_price
from orechain.economics.project import Project, Stage
from orechain.economics.scenario_link import read_scenario_series

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

logger = logging.getLogger(__name__)

Array = np.ndarray


@dataclass(frozen=True)
class Prepared:
    """A project compiled to per-year arrays (deterministic inputs, real terms)."""

    project: Project
    years: Array
    """Calendar years of the model, shape (T,)."""
    prices: dict[str, Array]
    """Deck key → price path [USD/t of its basis], shape (T,)."""
    price_sources: dict[str, str]
    """Deck key → provenance text (source, or ASSUMPTION)."""
    capacity: dict[str, Array]
    """Stage id → available gross feed capacity [t/yr] (ramp, days, scenario caps)."""
    operating: dict[str, Array]
    """Stage id → 1.0 in production years, else 0.0."""
    first_production: int
    """Index of the first year any stage produces."""
    valued: frozenset[str]
    """Products with a market value: sold ones, and fed-on ones that declare ``prices``."""
    recovery_stages: frozenset[str]
    """Stages whose recoveries the ``recovery`` factor scales (concentrators, else the first)."""


@dataclass(frozen=True)
class Flows:
    """Physical flows for ``n`` draws, arrays of shape (n, T)."""

    feed_t: dict[str, Array]
    """Stage id → gross feed processed [t/yr]."""
    output: dict[str, dict[str, Array]]
    """Product id → component → contained output [t/yr]."""
    gross_t: dict[str, Array]
    """Product id → gross product mass [t/yr]."""
    taken: dict[str, Array]
    """Product id → share of output fed to a later stage [-]."""


def stage_capacity(project: Project, stage: Stage) -> tuple[Array, Array]:
    r"""Gross feed capacity per year [t/yr] and the operating mask of one stage.

    Notes
    -----
    :math:`C_t = Q \cdot d/365 \cdot u_t` with :math:`u_t` the ramp-up share in
    the first production years and 1 afterwards, 0 before production starts;
    capped by ``scale * field`` of a scenario output when given.
    """
    t = np.arange(project.years)
    k = t - stage.production_start
    operating = (k >= 0).astype(float)
    ramp = np.ones(project.years)
    for i, share in enumerate(stage.ramp_up):
        ramp[k == i] = share
    cap = stage.throughput_t_per_yr * stage.operating_days / 365.0 * ramp * operating
    if stage.volume_from_scenario is not None:
        cap = np.minimum(cap, _scenario_cap(project, stage, t))
    return cap, operating


def _scenario_cap(project: Project, stage: Stage, t: Array) -> Array:
    link = stage.volume_from_scenario
    assert link is not None
    file = link.file if project.base_dir is None else project.base_dir / link.file
    series = read_scenario_series(file, link.field)
    years = project.start_year + t
    return np.array([link.scale * series[y] if y in series else np.inf for y in years])


def prepare(project: Project, atlas: Atlas | None = None) -> Prepared:
    """Compile a project: price paths, capacities and operating years."""
    years = project.start_year + np.arange(project.years)
    prices, sources = {}, {}
    for key, spec in project.prices.items():
        path, text = resolve_price(spec, years, key=key, atlas=atlas, base_dir=project.base_dir)
        prices[key], sources[key] = path, text
    capacity, operating = {}, {}
    for stage in project.stages:
        capacity[stage.id], operating[stage.id] = stage_capacity(project, stage)
    first = min(s.production_start for s in project.stages)
    taken = {s.feed for s in project.stages if s.feed}
    valued = frozenset(
        p.id for s in project.stages for p in s.products if p.id not in taken or p.prices
    )
    conc = frozenset(s.id for s in project.stages if s.kind == "beneficiation")
    rec = conc or frozenset({project.stages[0].id})
    return Prepared(project, years, prices, sources, capacity, operating, first, valued, rec)


def _feed(
    prep: Prepared, stage: Stage, flows: Flows, grade: Array
) -> tuple[Array, dict[str, Array]]:
    """Gross and contained feed of one stage [t/yr], shape (n, T)."""
    cap = prep.capacity[stage.id][None, :]
    if stage.feed is None:
        gross = np.broadcast_to(cap, (grade.shape[0], cap.shape[1]))
        return gross, {c: gross * g * grade for c, g in stage.feed_grade.items()}
    available = flows.gross_t[stage.feed]
    share = np.where(available > 0, np.minimum(1.0, cap / np.where(available > 0, available, 1)), 0)
    flows.taken[stage.feed] = share
    contained = {c: share * x for c, x in flows.output[stage.feed].items()}
    return share * available, contained


def compute_flows(prep: Prepared, grade: Array, recovery: Array) -> Flows:
    """Physical flows for ``n`` draws.

    Parameters
    ----------
    prep
        The compiled project.
    grade, recovery
        Multiplicative factors on every feed grade, and on the recoveries of
        the concentrator stages (or of the first stage when there is none) [-],
        shape (n, 1); recoveries are capped at 1. Scaling one stage keeps the
        factor from compounding along the chain.

    Returns
    -------
    Flows
        Feed, product output and the share of each product fed onward.
    """
    flows = Flows({}, {}, {}, {})
    n = grade.shape[0]
    for stage in prep.project.stages:
        gross, contained = _feed(prep, stage, flows, grade)
        flows.feed_t[stage.id] = gross
        factor = recovery if stage.id in prep.recovery_stages else 1.0
        for product in stage.products:
            zero = np.zeros_like(gross)
            out = {
                c: contained.get(c, zero) * np.minimum(1.0, r * factor)
                for c, r in product.recovery.items()
            }
            flows.output[product.id] = out
            if product.grade is not None:
                flows.gross_t[product.id] = sum(out.values(), zero) / product.grade
            else:
                flows.gross_t[product.id] = gross * (product.mass_pull or 1.0)
            flows.taken.setdefault(product.id, np.zeros((n, 1)))
    return flows


def product_value(prep: Prepared, product_id: str, flows: Flows, price: dict[str, Array]) -> Array:
    r"""Value of a product's whole output at deck prices [USD/yr], shape (n, T).

    Notes
    -----
    :math:`V_p = \sum_c X_{p,c} \cdot \pi_p \cdot P_{k(c)}` with payable share
    :math:`\pi_p` and deck price :math:`P` [USD/t]. A product fed to a later
    stage has a value only if it declares ``prices`` (ore has none).
    """
    product = next(p for s in prep.project.stages for p in s.products if p.id == product_id)
    out = flows.output[product_id]
    total = np.zeros_like(next(iter(out.values())))
    if product_id not in prep.valued:
        return total
    for component, x in out.items():
        key = product.price_key(component)
        if key in price:
            total = total + x * product.payable * price[key]
    return total
