"""Monte Carlo over a scenario's ``uncertainty`` blocks, on the shared Dask runner.

Each draw samples one multiplier per capacity or demand block (held for the
whole horizon) and, per year, whether each uncertain disruption happens. Draw
``i`` uses the random stream that :func:`orechain.montecarlo.run_stacked` gives it,
so the results depend on the seed alone, not on workers or scheduler.

Fast path: before dispatch, each year and disruption state is solved at the
*envelope* — demand at its largest possible multiplier — once with base
capacities and once with every capacity at its smallest multiplier. If the
pessimistic envelope leaves no shortfall, no draw of that year and state can
have one. Otherwise, if the base-capacity envelope leaves none, a draw whose
capacities still cover that solution's node outputs has none either (the
envelope flows, serving less demand, stay feasible: sinks may take more than
they serve). Recycling caps follow demand, so the envelope gives recyclers
their cap at the *smallest* demand multiplier (a draw has at least that
much secondary supply). The tests are vectorised NumPy comparisons; only
the remaining draw-years solve an LP.

Build once, solve many: each worker process keeps one :class:`WarmModel` per
year and disruption state, primed with the year's deterministic inputs. A
draw-year's programme is the template's with the draw's bounds written in
(:mod:`orechain.scenarios.drawbounds`: bit-identical to what the builder of
``scenario run`` gives, checked against it when the map is made); stage 1
then only changes the bounds the draw moved and starts from the template's
optimal basis; the tie and cost stages run as in the deterministic solve.
Where the map does not apply, the draw-year is rebuilt through
:func:`orechain.scenarios.solve.solve_year` (``bounds=False``: always).
``warm=False`` keeps the cold path (a fresh model per draw-year).

Kept bases: most draw-years need no HiGHS solve at all. The warm model keeps
the optimal bases (stage 1, cost stage, tie QP) HiGHS found for earlier draws
and answers a draw from the first one still optimal at its bounds
(:mod:`orechain.scenarios.vertex`). Which bases a process keeps depends on the
draws it solved, so each task is one block of :data:`VERTEX_BLOCK` draws that
starts with none (:class:`BlockDraws`): results depend on the seed alone, not
on workers or scheduler. ``vertices=False`` solves every draw-year with HiGHS.

Batched: a block is solved year by year (:func:`simulate_block`). The draw-years
of one year and programme (active disruptions) are answered together, one kept basis at a
time over all of them (:mod:`orechain.scenarios.batchsolve`; stage 1 from a
low-rank factorisation of their bounds, :func:`orechain.scenarios.vertex.low_rank`);
only those no kept basis answers are solved one by one, in draw order.
``batched=False`` solves the block's draws one after another.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import cached_property
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from orechain.errors import InputError
from orechain.montecarlo import quantile_ci, quantiles, run_stacked, stack_rows
from orechain.scenarios.batchsolve import ONE, QP, TWO, YearBatch
from orechain.scenarios.constraints import Layout, LinearProgram
from orechain.scenarios.drawbounds import DrawBounds, draw_bounds
from orechain.scenarios.highs import WarmModel, solve_lp
from orechain.scenarios.inputs import (
    DemandPoint,
    base_capacity,
    demand_points,
    recycling_caps,
    stockpiles,
    year_inputs,
)
from orechain.scenarios.market import (
    MarketLayout,
    ReferencePrices,
    price_index_rows,
    stage_price_rows,
)
from orechain.scenarios.network import Network
from orechain.scenarios.solve import (
    YearSolve,
    build_year,
    market_prices,
    price_duals,
    prices_of,
    restriction_bases,
    solve_year,
)
from orechain.scenarios.spec import Scenario
from orechain.scenarios.spec_blocks import Distribution, Uncertainty

logger = logging.getLogger(__name__)

TOL = 1e-6


@dataclass(frozen=True)
class Reference:
    """Envelope solution of one year and disruption state."""

    shortfall_free: bool
    output: np.ndarray
    """Node outputs of the envelope solution [t]."""
    always_free: bool = False
    """Shortfall-free even at the lowest capacity multipliers: every draw is."""


@dataclass(frozen=True)
class Context:
    """Everything a draw needs; pickled once per Dask task."""

    net: Network
    scn: Scenario
    points: tuple[DemandPoint, ...]
    cap_masks: tuple[np.ndarray, ...]
    demand_masks: tuple[np.ndarray, ...]
    uncertain: tuple[str, ...]
    """Ids of disruptions whose occurrence is drawn."""
    probability: tuple[float, ...]
    envelope: np.ndarray
    """Largest demand multiplier per demand point."""
    references: dict[tuple[int, tuple[bool, ...]], Reference]
    base_cap: np.ndarray
    """Deterministic node capacity by year [years × nodes]."""
    restriction_base: dict[int, dict[str, float]]
    """Year → deterministic undisrupted flow on each restriction's links [t]."""
    ref: ReferencePrices | None = None
    """Reference prices (price mode), shared with the deterministic run."""
    warm: bool = True
    """Solve draws on per-process warm models (False: a fresh model per draw-year)."""
    token: str = ""
    """Names this context in a worker's model cache (a new one per :func:`make_context`)."""
    bounds: bool = True
    """Warm draws change the template's bounds in place of rebuilding (:mod:`.drawbounds`)."""
    demand_floor: np.ndarray | None = None
    """Smallest demand multiplier per demand point (recycling caps of the envelope)."""
    vertices: bool = True
    """Warm draws reuse optimal bases met earlier in their block (:mod:`.vertex`)."""
    batched: bool = True
    """A block's draws are solved year by year, many at once (:func:`simulate_block`)."""


def _sample(dist: Distribution, rng: np.random.Generator) -> float:
    if dist.kind == "normal":
        return max(0.0, float(rng.normal(dist.mean, dist.sd)))
    if dist.kind == "lognormal":
        return float(rng.lognormal(np.log(dist.mean), dist.sd))
    low = dist.low if dist.low is not None else dist.mean
    high = dist.high if dist.high is not None else dist.mean
    if dist.kind == "uniform":
        return float(rng.uniform(low, high))
    mode = dist.mode if dist.mode is not None else (low + high) / 2
    return float(rng.triangular(low, mode, high))


def upper_multiplier(dist: Distribution) -> float:
    """The largest multiplier a distribution gives (normal: mean + 5 sd; lognormal: P99.9999)."""
    if dist.kind == "normal":
        return dist.mean + 5 * dist.sd
    if dist.kind == "lognormal":
        return float(dist.mean * np.exp(4.75 * dist.sd))
    return float(dist.high if dist.high is not None else dist.mean)


def lower_multiplier(dist: Distribution) -> float:
    """The smallest multiplier a distribution gives (normal: mean − 5 sd, floored at 0)."""
    if dist.kind == "normal":
        return max(0.0, dist.mean - 5 * dist.sd)
    if dist.kind == "lognormal":
        return float(dist.mean * np.exp(-4.75 * dist.sd))
    return float(dist.low if dist.low is not None else dist.mean)


def _cap_mask(net: Network, u: Uncertainty) -> np.ndarray:
    return np.array(
        [(u.country in (None, n.country)) and (u.stage in (None, n.stage)) for n in net.nodes]
    )


def _demand_mask(points: list[DemandPoint], u: Uncertainty) -> np.ndarray:
    return np.array(
        [(u.region in (None, p.region)) and (u.sector in (None, p.sector)) for p in points]
    )


def make_context(
    net: Network,
    scn: Scenario,
    *,
    warm: bool = True,
    bounds: bool = True,
    vertices: bool = True,
    batched: bool = True,
) -> Context:
    """Resolve uncertainty selectors and solve the envelope references."""
    points = demand_points(net, scn)
    ref = market_prices(net, scn, points)
    caps = [u for u in scn.uncertainty if u.target == "capacity"]
    dems = [u for u in scn.uncertainty if u.target == "demand"]
    dis = [u for u in scn.uncertainty if u.target == "disruption"]
    dmasks = tuple(_demand_mask(points, u) for u in dems)
    envelope = np.ones(len(points))
    floor = np.ones(len(points))
    for u, mask in zip(dems, dmasks, strict=True):
        assert u.distribution is not None
        envelope[mask] *= max(1.0, upper_multiplier(u.distribution))
        floor[mask] *= min(1.0, lower_multiplier(u.distribution))
    ctx = Context(
        net,
        scn,
        tuple(points),
        tuple(_cap_mask(net, u) for u in caps),
        dmasks,
        tuple(str(u.disruption) for u in dis),
        tuple(float(u.probability or 0) for u in dis),
        envelope,
        {},
        np.array([base_capacity(net, scn, y) for y in scn.horizon.years]),
        _restriction_bases(net, scn, points, ref),
        ref,
        warm,
        uuid.uuid4().hex,
        bounds,
        floor,
        vertices,
        batched,
    )
    return _with_references(ctx) if ref is None else ctx


def _restriction_bases(
    net: Network, scn: Scenario, points: list[DemandPoint], ref: ReferencePrices | None
) -> dict[int, dict[str, float]]:
    stock = np.array([s.tonnes for s in stockpiles(scn)], dtype=float)
    if not any(d.type == "export_restriction" for d in scn.disruptions):
        return {y: {} for y in scn.horizon.years}
    return {y: restriction_bases(net, scn, points, y, stock, ref) for y in scn.horizon.years}


def _active(ctx: Context, year: int, state: tuple[bool, ...]) -> set[str]:
    fixed = {d.id for d in ctx.scn.disruptions if d.active(year) and d.id not in ctx.uncertain}
    drawn = {d for d, on in zip(ctx.uncertain, state, strict=True) if on}
    windowed = {d.id for d in ctx.scn.disruptions if d.active(year)}
    return fixed | (drawn & windowed)


def _with_references(ctx: Context) -> Context:
    refs: dict[tuple[int, tuple[bool, ...]], Reference] = {}
    low = np.ones(len(ctx.net.nodes))
    for mask, dist in zip(ctx.cap_masks, _blocks(ctx, "capacity"), strict=True):
        low[mask] *= min(1.0, lower_multiplier(dist))
    for year in ctx.scn.horizon.years:
        for state in product((False, True), repeat=len(ctx.uncertain)):
            free, output = _envelope_solve(ctx, year, state, np.ones(len(ctx.net.nodes)))
            always = free and _envelope_solve(ctx, year, state, low)[0]
            refs[(year, state)] = Reference(free, output, always)
    return Context(**{**ctx.__dict__, "references": refs})


def _envelope_solve(
    ctx: Context, year: int, state: tuple[bool, ...], cap_mult: np.ndarray
) -> tuple[bool, np.ndarray]:
    """Solve at envelope demand; True when nothing is short (never with stockpiles)."""
    points = list(ctx.points)
    inp = year_inputs(ctx.net, ctx.scn, points, year, _stock(ctx), _active(ctx, year, state))
    inp.recycling_cap = recycling_caps(ctx.scn, points, inp.demand * _demand_floor(ctx), year)
    inp.demand = inp.demand * ctx.envelope
    inp.capacity = inp.capacity * cap_mult
    inp.restriction_base = ctx.restriction_base[year]
    sol, _, lay, _ = solve_year(ctx.net, ctx.scn, points, inp)
    free = bool(np.all(inp.demand - sol.x[lay.served] <= TOL * np.maximum(1, inp.demand)))
    return free and not stockpiles(ctx.scn), sol.x[lay.output]


def _demand_floor(ctx: Context) -> np.ndarray:
    """The smallest demand multipliers the envelope's recycling caps assume (1: none drawn)."""
    return ctx.demand_floor if ctx.demand_floor is not None else np.ones(len(ctx.points))


def _stock(ctx: Context) -> np.ndarray:
    return np.array([s.tonnes for s in stockpiles(ctx.scn)], dtype=float)


@dataclass(frozen=True)
class Draw:
    """One draw's outcome by year."""

    shortfall: np.ndarray
    """[years × demand points] unserved (or price-destroyed) demand [t]."""
    fast: np.ndarray
    """[years] True where the fast path certified zero shortfall."""
    occurs: np.ndarray
    """[years × uncertain disruptions] whether each drawn disruption was on."""
    price: np.ndarray
    """[years × stages] focus region's price index (NaN in quantity mode)."""


def simulate_draw(ctx: Context, rng: np.random.Generator) -> Draw:
    """One draw: shortfall, fast-path use, disruption states and price index by year.

    Sampling order is fixed (capacity blocks, demand blocks, then one uniform
    per year and uncertain disruption), so a draw depends on its stream alone.
    Every year not certified by the fast path (quantity mode only) is solved by
    :func:`orechain.scenarios.solve.solve_year`, exactly as the deterministic run.
    """
    node_mult, point_mult, occurs, fast = _draw_inputs(ctx, rng)
    years = ctx.scn.horizon.years
    shortfall = np.zeros((len(years), len(ctx.points)))
    price = np.full((len(years), len(ctx.net.stages)), np.nan)
    stock_left = _stock(ctx)
    trail: list[bytes | None] = []
    for t in np.nonzero(~fast)[0]:
        shortfall[t], stock_left, price[t] = _solve_draw_year(
            ctx, years[t], occurs[t], node_mult, point_mult, stock_left, trail
        )
    return Draw(shortfall, fast, occurs, price)


def _draw_inputs(
    ctx: Context, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A draw's node and demand multipliers, disruption states and fast-path years."""
    node_mult = np.ones(len(ctx.net.nodes))
    for mask, u in zip(ctx.cap_masks, _blocks(ctx, "capacity"), strict=True):
        node_mult[mask] *= _sample(u, rng)
    point_mult = np.ones(len(ctx.points))
    for mask, u in zip(ctx.demand_masks, _blocks(ctx, "demand"), strict=True):
        point_mult[mask] *= _sample(u, rng)
    years = ctx.scn.horizon.years
    occurs = rng.random((len(years), len(ctx.uncertain))) < np.asarray(ctx.probability)
    if ctx.ref is None:
        refs = [ctx.references[(y, tuple(bool(b) for b in occurs[t]))] for t, y in enumerate(years)]
        fast = _fast_path(ctx, refs, node_mult, point_mult)
    else:
        fast = np.zeros(len(years), dtype=bool)
    return node_mult, point_mult, occurs, fast


def simulate_block(ctx: Context, rngs: list[np.random.Generator]) -> tuple[np.ndarray, ...]:
    """:func:`draw_arrays` of a block of draws, stacked, solved year by year.

    Each draw samples from its own stream as in :func:`simulate_draw`. Then,
    per year and programme (the disruptions active), the block's draw-years are answered
    together from the kept optimal bases (:class:`.batchsolve.YearBatch`);
    the first one no kept basis answers is solved on its own, as on the
    per-draw path (learning its bases), and the rest are asked again, until
    none is left. Which bases answer depends on the block's draws alone.
    """
    n = len(rngs)
    years = ctx.scn.horizon.years
    inputs = [_draw_inputs(ctx, rng) for rng in rngs]
    shortfall = np.zeros((n, len(years), len(ctx.points)))
    price = np.full((n, len(years), len(ctx.net.stages)), np.nan)
    stock = [_stock(ctx) for _ in range(n)]
    trails: list[list[bytes | None]] = [[] for _ in range(n)]
    for t in range(len(years)):
        # draws whose states differ only in disruptions outside their windows solve the
        # same programme (one warm model): one group
        groups: dict[frozenset[str], tuple[tuple[bool, ...], list[int]]] = {}
        for i, (_, _, occurs, fast) in enumerate(inputs):
            if not fast[t]:
                state = tuple(bool(b) for b in occurs[t])
                active = frozenset(_active(ctx, years[t], state))
                groups.setdefault(active, (state, []))[1].append(i)
        for state, idx in groups.values():
            for i, (gap, left, p) in _solve_year_group(ctx, t, state, idx, inputs, stock, trails):
                shortfall[i, t], stock[i], price[i, t] = gap, left, p
        forget_vertices(ctx, years[t])  # no later year of this block asks its models again
    fast = np.stack([inp[3] for inp in inputs])
    occurs = np.stack([inp[2] for inp in inputs])
    return shortfall, fast, occurs, price


Outcome = tuple[np.ndarray, np.ndarray, np.ndarray]
"""A draw-year's shortfall by demand point, stocks left and price index by stage."""


def _solve_year_group(
    ctx: Context,
    t: int,
    state: tuple[bool, ...],
    idx: list[int],
    inputs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    stock: list[np.ndarray],
    trails: list[list[bytes | None]],
) -> Iterator[tuple[int, Outcome]]:
    """The draw-years ``idx`` of year ``t`` that solve ``state``'s programme, batched."""
    year = ctx.scn.horizon.years[t]

    def alone(i: int) -> Outcome:
        node_mult, point_mult, occurs, _ = inputs[i]
        return _solve_draw_year(ctx, year, occurs[t], node_mult, point_mult, stock[i], trails[i])

    model = warm_model(ctx, year, state)
    found = _BOUNDS.get((ctx.token, year, frozenset(_active(ctx, year, state))))
    if model is None or found is None or not (ctx.bounds and model.reuse):
        for i in idx:
            yield i, alone(i)
        return
    tpl = found.template
    node_mult = np.stack([inputs[i][0] for i in idx])
    point_mult = np.stack([inputs[i][1] for i in idx])
    stocks = np.stack([stock[i] for i in idx])
    drawn = found.stacked(ctx.scn, tpl.capacity * node_mult, tpl.demand * point_mult, stocks)
    batched = [i for i, ok in zip(idx, drawn.ok, strict=True) if ok]
    for i, ok in zip(idx, drawn.ok, strict=True):
        if not ok:
            yield i, alone(i)  # its programme differs in more than bounds
    if not batched:
        return
    market = found.market
    cols = found.lay.served if market is None else market.steps
    year_batch = YearBatch(model, drawn.bounds, drawn.size, cols, welfare=market is not None)
    while True:
        answers = year_batch.step()
        if len(answers):
            ks = answers.draws
            duals = price_duals(market, answers.row_dual, answers.price_dual)
            held = np.stack([stock[batched[k]] for k in ks])
            gap, left, p = _outcomes(
                ctx, (found.lp, found.lay, market), answers.x, duals, drawn.demand[ks], held
            )
            for j, k in enumerate(ks):
                trails[batched[k]].append(answers.keys[j])
                yield batched[k], (gap[j], left[j], p[j])
        pending = year_batch.pending
        if not pending:
            return
        missed = year_batch.take(pending[0])
        i = batched[pending[0]]
        # the kept bases of the stage it waited at all missed it: its own search would too
        skip = {ONE: (model.stage1,), TWO: (model.stage2,), QP: (model.qp,)}.get(missed, ())
        with model.skipping(*skip):
            solved = alone(i)
        yield i, solved


def _blocks(ctx: Context, target: str) -> list[Distribution]:
    return [u.distribution for u in ctx.scn.uncertainty if u.target == target and u.distribution]


def _fast_path(
    ctx: Context, refs: list[Reference], node_mult: np.ndarray, point_mult: np.ndarray
) -> np.ndarray:
    """Years whose zero shortfall is certified by the envelope solution (vectorised)."""
    free = np.array([r.shortfall_free for r in refs])
    always = np.array([r.always_free for r in refs])
    need = np.stack([r.output for r in refs])
    covered = np.all(ctx.base_cap * node_mult >= need - TOL * np.maximum(1.0, need), axis=1)
    above = point_mult >= _demand_floor(ctx) - 1e-12
    below = point_mult <= ctx.envelope + 1e-12
    within = bool(np.all(above & below))
    return within & (always | (free & covered))


def _solve_draw_year(
    ctx: Context,
    year: int,
    occurs: np.ndarray,
    node_mult: np.ndarray,
    point_mult: np.ndarray,
    stock_left: np.ndarray,
    trail: list[bytes | None] | None = None,
) -> Outcome:
    """One draw-year on its own; ``trail`` holds the draw's earlier years' stage-1 bases."""
    state = tuple(bool(b) for b in occurs)
    points = list(ctx.points)
    trail = [] if trail is None else trail
    quick = _solve_by_bounds(ctx, year, state, node_mult, point_mult, stock_left, trail)
    if quick is not None:
        solved, demand = quick
    else:
        inp = year_inputs(ctx.net, ctx.scn, points, year, stock_left, _active(ctx, year, state))
        inp.capacity = inp.capacity * node_mult
        inp.demand = demand = inp.demand * point_mult
        inp.recycling_cap = recycling_caps(ctx.scn, points, demand, year)
        inp.restriction_base = ctx.restriction_base[year]
        # the same solve as the deterministic run: alternative optima (equal priorities)
        # would otherwise be resolved differently in draws than in the headline run
        solved = solve_year(
            ctx.net, ctx.scn, points, inp, ref=ctx.ref, warm=warm_model(ctx, year, state)
        )
    return _outcome(ctx, solved, demand, stock_left)


def _outcome(
    ctx: Context, solved: YearSolve, demand: np.ndarray, stock_left: np.ndarray
) -> Outcome:
    """A solved draw-year's shortfall, the stocks it leaves and the focus region's price index."""
    sol = solved.sol
    programme = (solved.lp, solved.lay, solved.market)
    many = _outcomes(
        ctx, programme, sol.x[None], solved.price_duals[None], demand[None], stock_left[None]
    )
    return many[0][0], many[1][0], many[2][0]


def _outcomes(
    ctx: Context,
    programme: tuple[LinearProgram, Layout, MarketLayout | None],
    x: np.ndarray,
    duals: np.ndarray,
    demand: np.ndarray,
    stock_left: np.ndarray,
) -> Outcome:
    """:func:`_outcome` of many solutions of one programme (rows of every array).

    ``duals`` are each solution's :func:`.solve.price_duals`.
    """
    lp, lay, market = programme
    gap = demand - x[:, lay.served]
    gap[gap <= TOL * np.maximum(1.0, demand)] = 0.0
    price = np.full((len(x), len(ctx.net.stages)), np.nan)
    if ctx.ref is not None:
        sink_price, node_price = prices_of(ctx.net, lp, lay, market, x, duals)
        stages = stage_price_rows(ctx.net, node_price, x[:, lay.output])
        price = price_index_rows(ctx.net, _focus_sink(ctx), sink_price, stages, ctx.ref)
    return gap, stock_left - x[:, lay.stock], price


def _solve_by_bounds(
    ctx: Context,
    year: int,
    state: tuple[bool, ...],
    node_mult: np.ndarray,
    point_mult: np.ndarray,
    stock_left: np.ndarray,
    trail: list[bytes | None] | None = None,
) -> tuple[YearSolve, np.ndarray] | None:
    """The draw-year solved on its template programme with the draw's bounds (no rebuild).

    The same stages as :func:`orechain.scenarios.solve.solve_year` on a
    programme whose bounds equal a rebuilt one's bit for bit
    (:mod:`orechain.scenarios.drawbounds`); None when the template has no
    bounds map or this draw changes more than bounds (then the caller rebuilds).
    """
    model = warm_model(ctx, year, state)
    found = _BOUNDS.get((ctx.token, year, frozenset(_active(ctx, year, state))))
    if model is None or found is None or not ctx.bounds:
        return None
    tpl = found.template
    prog = found.programme(ctx.scn, tpl.capacity * node_mult, tpl.demand * point_mult, stock_left)
    if prog is None:
        return None
    market = prog.market
    ration = (prog.lay.served, prog.demand) if market is None else (market.steps, market.step_size)
    # the basis last year's solve used predicts this year's (the draw's multipliers
    # hold for the whole horizon): kept bases try it first (:mod:`.vertex`)
    model.hint = trail[-1] if trail else None
    sol = solve_lp(prog.lp, ration=ration, welfare=market is not None, warm=model)
    if trail is not None:
        trail.append(model.last_key)
    return YearSolve(sol, prog.lp, prog.lay, market), prog.demand


_MODELS: dict[tuple[str, int, frozenset[str]], WarmModel] = {}
"""This process's warm models by (context token, year, active disruptions)."""

_BOUNDS: dict[tuple[str, int, frozenset[str]], DrawBounds | None] = {}
"""Bounds maps of the same templates (None: the map did not reproduce the builder)."""


def warm_model(ctx: Context, year: int, state: tuple[bool, ...]) -> WarmModel | None:
    """The process's warm model of one year and state, primed on first use (None if cold).

    The template has the year's deterministic capacities and demand, the
    initial stocks and the drawn disruption state, so every process primes the
    same basis whichever draw asks first.
    """
    if not ctx.warm:
        return None
    active = _active(ctx, year, state)
    key = (ctx.token, year, frozenset(active))  # states that differ outside a window share one
    model = _MODELS.get(key)
    if model is None:
        if any(k[0] != ctx.token for k in _MODELS):
            _MODELS.clear()  # a new run: drop the last one's models
            _BOUNDS.clear()
        points = list(ctx.points)
        inp = year_inputs(ctx.net, ctx.scn, points, year, _stock(ctx), active)
        inp.restriction_base = ctx.restriction_base[year]
        found = _BOUNDS[key] = draw_bounds(ctx.net, ctx.scn, points, inp, ctx.ref)
        model = _MODELS[key] = WarmModel(reuse=ctx.vertices)
        model.prime(found.lp if found else build_year(ctx.net, ctx.scn, points, inp, ctx.ref)[0])
    return model


def forget_vertices(ctx: Context, year: int | None = None) -> None:
    """Drop the bases this process's warm models kept (only those of ``year``, if given).

    At the start of a block (every model), and after each year of a block solved year
    by year: a worker then holds one year's kept bases at a time, not all eleven.
    """
    for key, model in _MODELS.items():
        if key[0] == ctx.token and (year is None or key[1] == year):
            model.forget()


@dataclass(frozen=True)
class BlockDraws:
    """The draw function of :func:`run_monte_carlo`: :func:`draw_arrays`, one block per task.

    Warm models answer a draw from optimal bases kept from earlier draws
    (:mod:`.vertex`). Which bases are kept must not depend on the worker a
    draw ran on, or results would change with the number of workers in their
    last digits: every task is one block of :data:`VERTEX_BLOCK` draws
    (counted from draw 0) and starts with no kept basis, so a draw's answer
    depends on its seed and the earlier draws of its block alone.
    """

    ctx: Context

    @contextmanager
    def chunk(self) -> Iterator[None]:
        """Around every task (the runner's hook): a new block, on one BLAS thread.

        The kept bases' small matrix products would otherwise start
        OpenBLAS's thread pool, whose busy-waiting threads take the core of
        the other worker (measured: 1.8× the CPU time for the same draws).
        """
        forget_vertices(self.ctx)
        with threadpool_limits(limits=1, user_api="blas"):
            yield

    def __call__(self, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """One draw (:func:`draw_arrays`)."""
        return draw_arrays(self.ctx, rng)

    def block(self, rngs: list[np.random.Generator]) -> tuple[np.ndarray, ...]:
        """A task's draws, stacked (the runner's hook): :func:`simulate_block` or one by one."""
        if self.ctx.batched and self.ctx.vertices:
            return simulate_block(self.ctx, rngs)
        return stack_rows([draw_arrays(self.ctx, rng) for rng in rngs])


VERTEX_BLOCK = 2500
"""Draws per task, each starting with no kept basis (see :class:`BlockDraws`).

A block learns most of its bases in its first thousand draws; later draws are answered
from them (measured 2026-12-03, corridor, one core: 3.5 s for 500 draws, 5.1 s for 1,000,
8.4 s for 2,500). Larger blocks cost fewer relearnings but give a run fewer tasks: 2,500
gives 10,000 draws four tasks, a 1,000-draw run one."""


def _focus_sink(ctx: Context) -> int:
    sinks = {p.sink for p in ctx.points if p.region == ctx.scn.focus_region}
    return max(sinks, key=lambda j: ctx.net.stages.index(ctx.net.sinks[j].stage))


@dataclass(frozen=True)
class MonteCarloResult:
    """Draw-level shortfalls and their summary.

    The summary is computed from the stacked arrays the workers send back;
    the long tables are built only when asked for (``draws``, ``prices``) or
    written block by block (:func:`write_parquet`), so a run that only needs
    the quantiles never holds the 77-rows-per-draw table.
    """

    summary: dict[str, object]
    """Quantiles (P5/P50/P95) of shortfall by sector and year, exceedance probabilities."""
    fast_share: float
    """Share of draw-years settled by the fast path [0–1]."""
    context: Context = field(repr=False)
    stacked: Draws = field(repr=False)
    """Every draw's outcome as stacked arrays (draws first)."""

    @cached_property
    def draws(self) -> pd.DataFrame:
        """Long form: draw, year, region, sector, shortfall_t, fast_path, disrupted."""
        return draws_frame(self.context, self.stacked)

    @cached_property
    def prices(self) -> pd.DataFrame:
        """Long form: draw, year, stage, price_index of the focus region (price mode)."""
        return prices_frame(self.context, self.stacked)


PRECISION_BATCH = VERTEX_BLOCK
"""Draws per batch when running to a precision (each batch is one Dask computation)."""

DEFAULT_PRECISION = 0.05
"""Relative half-width under which a percentile counts as settled when none is asked."""

ABS_TOLERANCE_T = 1.0
"""Shortfall percentiles within ±1 t count as settled whatever their relative width [t]."""


def run_monte_carlo(
    net: Network,
    scn: Scenario,
    draws: int,
    *,
    seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    warm: bool = True,
    bounds: bool = True,
    precision: float | None = None,
    batch: int = PRECISION_BATCH,
    vertices: bool = True,
    block: int = VERTEX_BLOCK,
    batched: bool = True,
) -> MonteCarloResult:
    """Run ``draws`` draws on Dask and summarise the focus region's shortfall.

    With ``precision``, draws run in batches of ``batch`` and stop as soon as
    every reported percentile is settled (:func:`_settlement`), ``draws`` being
    the most; the result is then exactly that of a run with as many draws as
    were used (the same streams, in the same order).

    Parameters
    ----------
    draws
        Number of draws.
    seed
        Master seed: the same seed gives the same draws on any number of workers.
    workers, scheduler, progress
        Passed to :func:`orechain.montecarlo.run_stacked`.
    warm
        Solve on per-process warm models (module docstring); False for the
        cold path, a fresh model per draw-year.
    bounds
        On warm models, write each draw's bounds into the year's template
        programme instead of rebuilding it (:mod:`orechain.scenarios.drawbounds`);
        False rebuilds every draw-year (the earlier warm path, for comparison).
    precision
        Relative half-width of the 95 % interval every percentile must reach
        (e.g. 0.02), or None to run exactly ``draws`` draws.
    batch
        Draws per batch with ``precision``, rounded up to whole blocks (a
        batch must start where a block does).
    vertices
        Reuse optimal bases across the draws of a block (:mod:`.vertex`);
        False solves every warm draw-year with HiGHS (for comparison).
    block
        Draws per task, each task starting with no kept basis
        (:class:`BlockDraws`). Results depend on it in their last digits (a
        draw is answered from bases its block met earlier), not on workers.
    batched
        Solve a block's draws year by year, many at once from the kept bases
        (:func:`simulate_block`); False solves them one draw after another
        (the earlier path, for comparison). Needs ``vertices``.
    """
    if draws < 1:
        msg = f"draws must be at least 1, got {draws}"
        raise InputError(msg, field="draws")
    if block < 1:
        msg = f"block must be at least 1 draw, got {block}"
        raise InputError(msg, field="block")
    ctx = make_context(net, scn, warm=warm, bounds=bounds, vertices=vertices, batched=batched)
    batch = -(-max(1, batch) // block) * block
    target = precision if precision is not None else DEFAULT_PRECISION
    stacked: Draws | None = None
    while stacked is None or len(stacked.shortfall) < draws:
        done = 0 if stacked is None else len(stacked.shortfall)
        size = draws - done if precision is None else min(batch, draws - done)
        part = Draws(
            *run_stacked(
                BlockDraws(ctx),
                size,
                seed=seed,
                workers=workers,
                scheduler=scheduler,
                chunk_size=block,
                progress=progress,
                first=done,
            )
        )
        stacked = part if stacked is None else _concat(stacked, part)
        values = _focus_values(ctx, stacked)
        intervals, left = _settlement(*values, target)
        if precision is not None and not left:
            break
    fast = float(np.mean(stacked.fast.mean(axis=1)))
    summary = _summary(ctx, stacked, *values)
    summary["ci95"] = intervals
    summary["unsettled"] = left
    summary["precision"] = {"target": target, "asked": precision is not None, "max_draws": draws}
    return MonteCarloResult(summary, fast, ctx, stacked)


def _concat(a: Draws, b: Draws) -> Draws:
    """Two batches of draws as one, ``a``'s draws first."""
    return Draws(*(np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(a)))


FocusValues = tuple[dict[int, np.ndarray], dict[int, dict[str, np.ndarray]]]
"""The focus region's total shortfall per year, and price index per year and stage."""


def _settlement(
    totals: dict[int, np.ndarray], prices: dict[int, dict[str, np.ndarray]], precision: float
) -> tuple[dict[str, Any], list[str]]:
    """95 % interval of every reported percentile, and those wider than ±``precision``.

    The intervals (:func:`orechain.montecarlo.quantile_ci`) are
    ``{"shortfall_t": {year: {"p5": [lo, hi], …}}, "price_index": {year: {stage: …}}}``.
    A percentile is unsettled when its interval's half-width exceeds ``precision``
    of its value (a shortfall one within ±:data:`ABS_TOLERANCE_T` counts as
    settled); each is named by year, percentile and measure, e.g.
    ``"2025 P50 shortfall"``. No unsettled one: more draws would not move any
    reported percentile by more than the target (at 95 % confidence).
    """
    left: list[str] = []

    def settle(vals: np.ndarray, year: int, measure: str, floor: float) -> dict[str, list[float]]:
        qs, cis = quantiles(vals), quantile_ci(vals)
        for k, (lo, hi) in cis.items():
            if (hi - lo) / 2 > max(precision * abs(qs[k]), floor):
                left.append(f"{year} {k.upper()} {measure}")
        return {k: list(v) for k, v in cis.items()}

    intervals = {
        "shortfall_t": {
            y: settle(vals, y, "shortfall", ABS_TOLERANCE_T) for y, vals in totals.items()
        },
        "price_index": {
            y: {st: settle(vals, y, f"{st} price index", 0.0) for st, vals in by.items()}
            for y, by in prices.items()
        },
    }
    return intervals, left


def _focus_values(ctx: Context, out: Draws) -> FocusValues:
    """The focus region's total shortfall per year and price index per year and stage."""
    years = list(ctx.scn.horizon.years)
    idx = [i for i, p in enumerate(ctx.points) if p.region == ctx.scn.focus_region]
    totals: dict[int, np.ndarray] = {}
    if idx:
        total = _region_totals(out.shortfall[:, :, idx])
        totals = {int(y): total[:, t] for t, y in enumerate(years)}
    prices: dict[int, dict[str, np.ndarray]] = {}
    if ctx.ref is not None:
        stages = list(ctx.net.stages)
        for t, y in enumerate(years):
            for stage in sorted(stages):
                vals = out.price[:, t, stages.index(stage)]
                vals = vals[~np.isnan(vals)]
                if len(vals):
                    prices.setdefault(int(y), {})[stage] = vals
    return totals, prices


@dataclass(frozen=True)
class Draws:
    """Every draw's outcome, stacked (draws first): what the workers send back."""

    shortfall: np.ndarray
    """[draws × years × demand points] [t]."""
    fast: np.ndarray
    """[draws × years]."""
    occurs: np.ndarray
    """[draws × years × uncertain disruptions]."""
    price: np.ndarray
    """[draws × years × stages]."""


def draw_arrays(ctx: Context, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """:func:`simulate_draw` as a tuple of arrays, for :func:`orechain.montecarlo.run_stacked`."""
    d = simulate_draw(ctx, rng)
    return d.shortfall, d.fast, d.occurs, d.price


def prices_frame(ctx: Context, out: Draws) -> pd.DataFrame:
    """Focus-region price index by draw, year and stage (empty in quantity mode)."""
    n = len(out.price)
    if ctx.ref is None or not n:
        return pd.DataFrame(columns=["draw", "year", "stage", "price_index"])
    years = np.array(ctx.scn.horizon.years)
    stages = list(ctx.net.stages)
    return pd.DataFrame(
        {
            "draw": np.repeat(np.arange(n), len(years) * len(stages)),
            "year": np.tile(np.repeat(years, len(stages)), n),
            "stage": _tiled(stages, n * len(years)),
            "price_index": out.price.reshape(-1),
        }
    ).dropna()


def draws_frame(ctx: Context, out: Draws, first: int = 0) -> pd.DataFrame:
    """Stack draw results into a long table (one row per draw, year and demand point).

    ``disrupted`` lists the uncertain disruptions drawn on in that year
    (comma-separated). Text columns are categorical: a row costs about 30
    bytes, so 100,000 draws of the corridor (7.7 million rows) fit in memory.
    ``first`` numbers the draws from there (a block of a larger run).
    """
    years = np.array(ctx.scn.horizon.years)
    n, n_y, n_p = len(out.shortfall), len(years), len(ctx.points)
    codes, labels = _disruption_labels(ctx, out.occurs.reshape(n * n_y, -1))
    return pd.DataFrame(
        {
            "draw": np.repeat(np.arange(first, first + n), n_y * n_p),
            "year": np.tile(np.repeat(years, n_p), n),
            "region": _tiled([p.region for p in ctx.points], n * n_y),
            "sector": _tiled([p.sector for p in ctx.points], n * n_y),
            "shortfall_t": out.shortfall.reshape(-1),
            "fast_path": np.repeat(out.fast.reshape(-1), n_p),
            "disrupted": pd.Categorical.from_codes(np.repeat(codes, n_p), labels),
        }
    )


def _tiled(values: list[str], times: int) -> pd.Categorical:
    """``values`` repeated ``times`` times, as a categorical (one small code per row).

    Categories are sorted, so grouping keeps the order plain strings had.
    """
    cats = sorted(set(values))
    codes = np.array([cats.index(v) for v in values], dtype=np.int8)
    return pd.Categorical.from_codes(np.tile(codes, times), cats)


def _disruption_labels(ctx: Context, occurs: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Per draw-year, the code of its label "id1,id2" (which drawn disruptions were on)."""
    states = list(product((False, True), repeat=len(ctx.uncertain)))
    labels = [",".join(u for u, on in zip(ctx.uncertain, st, strict=True) if on) for st in states]
    weights = 2 ** np.arange(len(ctx.uncertain))[::-1]
    codes = occurs.astype(np.int64) @ weights if len(ctx.uncertain) else np.zeros(len(occurs))
    used = sorted(set(labels))
    remap = np.array([used.index(lab) for lab in labels])
    return remap[codes.astype(np.int64)], used


def summarise_draws(
    frame: pd.DataFrame, region: str, prices: pd.DataFrame | None = None
) -> dict[str, object]:
    """P5/P50/P95 shortfall by year (total and by sector), P(shortfall > 0), price quantiles.

    ``shortfall_t[year]["price_index"][stage]`` holds the price index's
    P5/P50/P95 (price mode only).
    """
    sub = frame[frame.region == region]
    total = sub.groupby(["draw", "year"], as_index=False).shortfall_t.sum()
    by_year: dict[int, dict[str, Any]] = {
        int(y): {
            **quantiles(g.shortfall_t.to_numpy()),
            "p_exceed_0": float((g.shortfall_t > TOL).mean()),
        }
        for y, g in total.groupby("year")
    }
    if prices is not None and len(prices):
        for (y, stage), g in prices.groupby(["year", "stage"]):
            entry = by_year[int(y)].setdefault("price_index", {})
            assert isinstance(entry, dict)
            entry[str(stage)] = quantiles(g.price_index.to_numpy())
    by_sector: dict[str, dict[int, dict[str, float]]] = {}
    for (sector, year), g in sub.groupby(["sector", "year"]):
        by_sector.setdefault(str(sector), {})[int(year)] = quantiles(g.shortfall_t.to_numpy())
    return {
        "region": region,
        "draws": int(frame.draw.nunique()),
        "shortfall_t": by_year,
        "by_sector": by_sector,
    }


def summarise_arrays(ctx: Context, out: Draws) -> dict[str, object]:
    """:func:`summarise_draws` straight from the stacked draws, without the long table.

    Same numbers, bit for bit (a test compares them): the focus region's total
    per draw-year is the same pandas grouped sum over the same values in the
    same order, and each quantile sees the same values. Memory is a few arrays
    of the focus region's draws, not grouped copies of the whole table.
    """
    return _summary(ctx, out, *_focus_values(ctx, out))


def _summary(
    ctx: Context,
    out: Draws,
    totals: dict[int, np.ndarray],
    prices: dict[int, dict[str, np.ndarray]],
) -> dict[str, object]:
    """:func:`summarise_arrays` from the focus values already extracted (:func:`_focus_values`)."""
    region = ctx.scn.focus_region
    years = list(ctx.scn.horizon.years)
    idx = [i for i, p in enumerate(ctx.points) if p.region == region]
    by_year: dict[int, dict[str, Any]] = {
        y: {**quantiles(vals), "p_exceed_0": float((vals > TOL).mean())}
        for y, vals in totals.items()
    }
    for y, by_stage in prices.items():
        for stage, vals in by_stage.items():
            by_year.setdefault(y, {}).setdefault("price_index", {})[stage] = quantiles(vals)
    by_sector: dict[str, dict[int, dict[str, float]]] = {}
    short = out.shortfall[:, :, idx]
    sectors = [ctx.points[i].sector for i in idx]
    for sector in sorted(set(sectors)):
        cols = [k for k, sec in enumerate(sectors) if sec == sector]
        for t, y in enumerate(years):
            by_sector.setdefault(sector, {})[int(y)] = quantiles(short[:, t, cols].reshape(-1))
    return {
        "region": region,
        "draws": len(out.shortfall),
        "shortfall_t": by_year,
        "by_sector": by_sector,
    }


def _region_totals(short: np.ndarray) -> np.ndarray:
    """Sum over the last axis with pandas' grouped sum (its compensated summation), per cell.

    numpy's sum differs from it in the last bit now and then; this keeps the
    quantiles identical to the table-based summary.
    """
    n, n_y, k = short.shape
    key = np.repeat(np.arange(n * n_y), k)
    total = pd.Series(short.reshape(-1)).groupby(key).sum().to_numpy()
    return np.asarray(total, dtype=float).reshape(n, n_y)


PARQUET_BLOCK = 10_000
"""Draws per Parquet row group: the table is never built whole for writing."""


def write_parquet(result: MonteCarloResult, path: Path, block: int = PARQUET_BLOCK) -> Path:
    """Write the draw table to Parquet, one row group per ``block`` draws.

    Each block's rows are built, written and dropped, so memory stays that of
    one block however many draws ran (100,000 draws: 10 blocks). Written to a
    temporary name, then renamed: a failed write leaves no partial file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    out = result.stacked
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, max(1, len(out.shortfall)), block):
            part = Draws(*(getattr(out, f.name)[start : start + block] for f in fields(out)))
            table = pa.Table.from_pandas(
                draws_frame(result.context, part, start), preserve_index=False
            )
            writer = writer or pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)
    return path
