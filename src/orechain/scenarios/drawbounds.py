"""A Monte Carlo draw's programme from its template by bounds alone (no rebuild).

Within one year and set of active disruptions, a draw changes only inputs
that the builder writes into bounds: node capacities (capacity, new-capacity
ramp, outage and base-output rows), demand (served columns, recycling caps,
which are a share of their region's demand, and, in price mode, the
demand-step columns) and stock release rows. The matrix,
objective weights and row names are the template's. :class:`DrawBounds`
records, once per template, where each of those inputs lands, and per draw
writes the draw's values there with NumPy — the same float operations as the
builder, so the bounds are bit-identical to a rebuilt programme.

Exactness is checked, not assumed: :func:`draw_bounds` replays the template's
own inputs and one perturbed probe through both the map and the builder and
returns None (callers then rebuild every draw) unless both agree exactly. A
draw that switches a demand point between zero and positive demand changes
the programme's shape (price mode adds steps only for positive demand);
:meth:`DrawBounds.programme` returns None for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

import numpy as np

from orechain.scenarios.constraints import Layout, LinearProgram
from orechain.scenarios.inputs import (
    DemandPoint,
    YearInputs,
    recycling_caps,
    stock_release,
    stockpiles,
)
from orechain.scenarios.market import STEPS, MarketLayout, ReferencePrices
from orechain.scenarios.network import Network
from orechain.scenarios.solve import build_year
from orechain.scenarios.spec import Scenario

Bounds = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class DrawProgramme:
    """One draw-year's programme, its layouts and the inputs that differ from the template."""

    lp: LinearProgram
    lay: Layout
    market: MarketLayout | None
    demand: np.ndarray
    """The draw's demand by demand point [t]."""


@dataclass(frozen=True)
class StackedDraws:
    """Many draws' programmes of one template, as stacked bounds (a row per draw)."""

    ok: np.ndarray
    """Per draw: its programme differs from the template in bounds alone (else not stacked)."""
    bounds: Bounds
    """The bounds of the ``ok`` draws."""
    size: np.ndarray
    """Their rationed sizes: demand-step widths (price mode) or demand [t]."""
    demand: np.ndarray
    """Their demand by demand point [t]."""


@dataclass(frozen=True)
class DrawBounds:
    """Where a year's draw-dependent inputs land in its programme's bounds."""

    lp: LinearProgram
    """The template programme (its matrix, weights and names are every draw's)."""
    lay: Layout
    market: MarketLayout | None
    template: YearInputs
    bounds: Bounds
    cap_rows: np.ndarray
    """Rows bounded above by a node's capacity (capacity and new-capacity ramp)."""
    cap_nodes: np.ndarray
    outage_rows: np.ndarray
    outage_nodes: np.ndarray
    outage_keep: np.ndarray
    """``1 − share`` of each outage row."""
    base_rows: np.ndarray
    """Supply-step rows: ``min(base output, capacity)`` (price mode)."""
    stock_rows: np.ndarray
    recycling_rows: np.ndarray
    points: tuple[DemandPoint, ...]
    """The year's demand points (recycling caps sum their region's demand)."""
    step_frac: np.ndarray
    """Width of each demand step as a share of its point's demand (price mode)."""

    def programme(
        self,
        scn: Scenario,
        capacity: np.ndarray,
        demand: np.ndarray,
        stock_left: np.ndarray,
    ) -> DrawProgramme | None:
        """The programme for these inputs; None when it would differ in more than bounds."""
        drawn = self.stacked(scn, capacity[None], demand[None], stock_left[None])
        if not drawn.ok[0]:
            return None
        col_lo, col_up, row_lo, row_up = (b[0] for b in drawn.bounds)
        market = self.market
        if market is not None:
            market = replace(market, step_size=drawn.size[0])
        # arrays, not lists: every consumer reads a drawn programme's bounds with
        # np.asarray (then free), and nothing appends to a drawn programme
        lp = replace(
            self.lp,
            col_lower=cast("list[float]", col_lo),
            col_upper=cast("list[float]", col_up),
            row_lower=cast("list[float]", row_lo),
            row_upper=cast("list[float]", row_up),
        )
        return DrawProgramme(lp, self.lay, market, demand)

    def stacked(
        self,
        scn: Scenario,
        capacity: np.ndarray,
        demand: np.ndarray,
        stock_left: np.ndarray,
    ) -> StackedDraws:
        """The bounds of many draws' programmes (rows of the inputs) at once.

        Each row is what :meth:`programme` gives that draw: it is the one-row
        case of this. Draws whose programme would differ in more than bounds
        (a demand point switching between zero and positive) are left out.
        """
        tpl = self.template
        ok = ((demand > 0) == (tpl.demand > 0)).all(axis=1)
        capacity, demand, stock_left = capacity[ok], demand[ok], stock_left[ok]
        n = len(demand)
        col_lo, col_up, row_lo, row_up = (np.repeat(b[None], n, axis=0) for b in self.bounds)
        col_up[:, self.lay.served] = demand
        row_up[:, self.cap_rows] = capacity[:, self.cap_nodes]
        row_up[:, self.outage_rows] = self.outage_keep * capacity[:, self.outage_nodes]
        for k in range(n):
            row_up[k, self.stock_rows] = stock_release(scn, tpl.year, stock_left[k])
            row_up[k, self.recycling_rows] = recycling_caps(scn, self.points, demand[k], tpl.year)
        size = demand
        market = self.market
        if market is not None:
            base = tpl.base_output
            row_up[:, self.base_rows] = np.minimum(base, capacity) if len(base) else capacity
            size = self.step_frac * demand[:, market.step_point]
            col_up[:, market.steps] = size
        return StackedDraws(ok, (col_lo, col_up, row_lo, row_up), size, demand)


def bounds_of(lp: LinearProgram) -> Bounds:
    """The four bound vectors of a programme, as float arrays."""
    return (
        np.asarray(lp.col_lower, dtype=float),
        np.asarray(lp.col_upper, dtype=float),
        np.asarray(lp.row_lower, dtype=float),
        np.asarray(lp.row_upper, dtype=float),
    )


def _rows(lp: LinearProgram, family: str) -> np.ndarray:
    return np.array([i for i, f in enumerate(lp.row_family) if f == family], dtype=int)


def draw_bounds(
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    template: YearInputs,
    ref: ReferencePrices | None,
) -> DrawBounds | None:
    """The bounds map of one template year, or None when it does not reproduce the builder.

    ``template`` holds the year's deterministic inputs (restrictions resolved,
    ``restriction_base`` set); ``ref`` the reference prices in price mode.
    """
    lp, lay, market = build_year(net, scn, points, template, ref)
    # weights and costs as arrays once: every draw's programme shares them, and each
    # stage of every draw would otherwise convert the lists again
    lp = replace(
        lp,
        col_weight=cast("list[float]", np.asarray(lp.col_weight, dtype=float)),
        col_cost=cast("list[float]", np.asarray(lp.col_cost, dtype=float)),
    )
    mitigation = np.array([n.mitigation is not None for n in net.nodes], dtype=bool)
    cap_nodes = np.concatenate([np.nonzero(~mitigation)[0], np.nonzero(mitigation)[0]])
    outages = template.outages
    step_frac = np.zeros(0)
    if market is not None:
        widths = np.array(STEPS[:-1]) - np.array(STEPS[1:])
        step_frac = np.tile(widths, int(np.count_nonzero(template.demand > 0)))
    cap_rows = np.concatenate([_rows(lp, "capacity"), _rows(lp, "new_capacity")])
    shaped = (
        len(cap_rows) == len(cap_nodes)
        and len(_rows(lp, "outage")) == len(outages)
        and len(_rows(lp, "stockpile")) == len(stockpiles(scn))
        and len(_rows(lp, "recycling")) == len(template.recycling_cap)
        and (market is None or len(step_frac) == len(market.steps))
    )
    if not shaped:
        return None
    found = DrawBounds(
        lp,
        lay,
        market,
        template,
        bounds_of(lp),
        cap_rows,
        cap_nodes,
        _rows(lp, "outage"),
        np.array([node for node, _, _ in outages], dtype=int),
        np.array([1 - share for _, share, _ in outages], dtype=float),
        _rows(lp, "supply_step"),
        _rows(lp, "stockpile"),
        _rows(lp, "recycling"),
        tuple(points),
        step_frac,
    )
    return found if _reproduces(found, net, scn, points, ref) else None


def _reproduces(
    found: DrawBounds,
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    ref: ReferencePrices | None,
) -> bool:
    """Whether the map gives the builder's bounds, bit for bit, at the template and a probe."""
    tpl = found.template
    stock0 = np.array([s.tonnes for s in stockpiles(scn)], dtype=float)
    rng = np.random.default_rng(20261202)
    probe_cap = tpl.capacity * rng.uniform(0.3, 1.7, len(tpl.capacity))
    probe_dem = tpl.demand * rng.uniform(0.3, 1.7, len(tpl.demand))
    cases = ((tpl.capacity, tpl.demand, stock0), (probe_cap, probe_dem, stock0 * 0.5))
    for cap, dem, stock in cases:
        inp = replace(
            tpl,
            capacity=cap,
            demand=dem,
            stock_available=stock_release(scn, tpl.year, stock),
            recycling_cap=recycling_caps(scn, points, dem, tpl.year),
        )
        built = build_year(net, scn, points, inp, ref)
        mapped = found.programme(scn, cap, dem, stock)
        if mapped is None or not _same(bounds_of(built[0]), bounds_of(mapped.lp)):
            return False
        if (built[2] is None) != (mapped.market is None):
            return False
        sizes = [m.step_size for m in (built[2], mapped.market) if m is not None]
        if len(sizes) == 2 and not np.array_equal(sizes[0], sizes[1]):
            return False
    return True


def _same(a: Bounds, b: Bounds) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
