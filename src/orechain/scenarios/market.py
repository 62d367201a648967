"""Market clearing with prices: demand curves, supply steps, welfare-maximising LP.

In price mode (``options.market: price``, the default) each year's LP maximises
economic welfare, the value buyers put on what they receive minus every cost of
producing and moving it::

    max  Σ_p Σ_k V_pk · u_pk  −  Σ_l c_l f_l  −  Σ_n c_n x_n  −  Σ_n π · e_n  − …
    s.t. u_p = Σ_k u_pk,  0 ≤ u_pk ≤ Δ_pk · D_p            (demand steps)
         x_n − e_n ≤ B_n,  x_n ≤ C_n                       (supply steps)
         and every constraint of the quantity model.

Demand of point ``p`` (region × sector) follows a linear inverse demand curve
through its reference point (reference quantity ``D_p``, willingness to pay
``w_p · P_j``) with own-price elasticity ``ε_p`` there::

    P_p(q) = w_p · P_j · (1 + (1 − q / D_p) / |ε_p|)

``P_j`` is the delivered marginal cost at the point's sink in the reference
year with no disruption (the base-year price), ``w_p`` the sector's priority:
a defence buyer with priority 10 pays up to ten times the base price before
giving up a tonne, an industrial buyer with priority 1 starts to cut back as
soon as the price rises above it. The curve is cut into steps
(:data:`STEPS`) valued at their mid-point. Supply has two steps per node:
base-year output ``B_n`` at the node's cost, the rest of capacity (its excess
capacity) at ``π = options.excess_cost`` more.

By LP duality the dual of each sink's supply row is the clearing price there,
and of each node's output row the price of its product; both are reported as
an index to the reference year (1.0 = base year). Demand a buyer gives up
because the price rose above its willingness to pay is *demand destroyed*.

References
----------
Samuelson, P. A. (1952), Spatial price equilibrium and linear programming,
American Economic Review 42(3), 283–303 (welfare maximisation = spatial
market equilibrium; duals are prices).
Nassar, N. T. et al. (2025), Methodology and technical input for the 2025 U.S.
List of Critical Minerals, USGS Open-File Report 2025-1047 (post-disruption
equilibrium quantities and prices from elasticities and excess capacity).
Tilton, J. E. & Guzmán, J. I. (2016), Mineral Economics and Policy, RFF Press,
ch. 2 (short-run mineral demand is price-inelastic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orechain.scenarios.constraints import INF, Layout, LinearProgram
from orechain.scenarios.inputs import DemandPoint, YearInputs
from orechain.scenarios.network import Network
from orechain.scenarios.spec import Scenario

STEPS: tuple[float, ...] = tuple(np.round(np.linspace(1.0, 0.5, 51), 4)) + (0.25, 0.0)
"""Breakpoints of each demand curve as shares of the reference quantity (1 → 0)."""


@dataclass(frozen=True)
class ReferencePrices:
    """Base-year prices [relative cost units per t]."""

    sink: np.ndarray
    """Delivered price at each sink."""
    stage: dict[str, float]
    """Output-weighted mean price of each stage's product."""
    floored: tuple[str, ...] = ()
    """Sinks whose delivered cost was zero (price set to 1 unit, an assumption)."""


@dataclass(frozen=True)
class MarketLayout:
    """Columns and rows the market adds to the quantity LP."""

    steps: np.ndarray
    """Column of each demand step."""
    step_point: np.ndarray
    """Demand point of each step."""
    step_size: np.ndarray
    """Upper bound of each step [t]."""
    excess: np.ndarray
    """Column of each node's excess-capacity output."""
    sink_rows: np.ndarray
    """Row index of each sink's supply row."""
    node_rows: np.ndarray
    """Row index of each node's output (outflow) row."""


def elasticity(scn: Scenario, point: DemandPoint) -> float:
    """Own-price elasticity (negative) of a demand point: its entry's, else the default."""
    for d in scn.demand:
        if (d.region, d.sector) == (point.region, point.sector) and d.elasticity is not None:
            return float(d.elasticity)
    return float(scn.options.elasticity)


def row_indices(lp: LinearProgram, net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Rows of each sink's supply balance and each node's outflow balance, in network order."""
    sinks = [i for i, f in enumerate(lp.row_family) if f == "demand"]
    nodes = [
        i
        for i, (f, n) in enumerate(zip(lp.row_family, lp.row_name, strict=True))
        if f == "balance" and n.endswith(" outflow")
    ]
    assert len(sinks) == len(net.sinks)
    assert len(nodes) == len(net.nodes)
    return np.array(sinks, dtype=int), np.array(nodes, dtype=int)


def add_market(
    lp: LinearProgram,
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    lay: Layout,
    inp: YearInputs,
    ref: ReferencePrices,
) -> MarketLayout:
    """Turn the quantity LP into the welfare LP (module docstring) in place."""
    lp.col_weight = [-c for c in lp.col_cost]
    cols: list[int] = []
    owner: list[int] = []
    sizes: list[float] = []
    for p, pt in enumerate(points):
        demand = float(inp.demand[p])
        lp.col_weight[int(lay.served[p])] = 0.0
        row_cols, row_vals = [int(lay.served[p])], [1.0]
        if demand > 0:
            price = pt.weight * float(ref.sink[pt.sink])
            eps = abs(elasticity(scn, pt))
            hi, lo = np.array(STEPS[:-1]), np.array(STEPS[1:])
            value = price * (1.0 + (1.0 - (hi + lo) / 2) / eps)
            new = lp.add_columns((hi - lo) * demand, np.zeros(len(hi)), value)
            cols += [int(c) for c in new]
            owner += [p] * len(new)
            sizes += [float(v) for v in (hi - lo) * demand]
            row_cols += [int(c) for c in new]
            row_vals += [-1.0] * len(new)
        lp.add_row(
            "demand_steps", f"{pt.region}/{pt.sector} demand curve", row_cols, row_vals, 0, 0
        )
    base = np.minimum(inp.base_output, inp.capacity) if len(inp.base_output) else inp.capacity
    excess = lp.add_columns(
        np.full(len(net.nodes), INF), np.full(len(net.nodes), scn.options.excess_cost)
    )
    lp.col_weight[int(excess[0]) :] = [-scn.options.excess_cost] * len(net.nodes)
    for i, node in enumerate(net.nodes):
        lp.add_row(
            "supply_step",
            f"{node.id} base output",
            [int(lay.output[i]), int(excess[i])],
            [1.0, -1.0],
            -INF,
            float(base[i]),
        )
    sink_rows, node_rows = row_indices(lp, net)
    return MarketLayout(
        np.array(cols, dtype=int),
        np.array(owner, dtype=int),
        np.array(sizes),
        excess,
        sink_rows,
        node_rows,
    )


def stage_prices(net: Network, node_price: np.ndarray, output: np.ndarray) -> dict[str, float]:
    """Output-weighted mean price of each stage's product (capacity-weighted if idle)."""
    many = stage_price_rows(net, node_price[None], output[None])[0]
    return {stage: float(p) for stage, p in zip(net.stages, many, strict=True)}


def stage_price_rows(net: Network, node_price: np.ndarray, output: np.ndarray) -> np.ndarray:
    """:func:`stage_prices` of many solutions (rows), a column per stage of ``net.stages``."""
    out = np.empty((len(node_price), len(net.stages)))
    for k, (_, mask) in enumerate(_stage_masks(net)):
        w, prices = output[:, mask], node_price[:, mask]
        total = w.sum(axis=1)
        busy = total > 1e-9
        weighted = (w * prices).sum(axis=1) / np.where(busy, total, 1.0)
        out[:, k] = np.where(busy, weighted, prices.mean(axis=1))
    return out


def _stage_masks(net: Network) -> list[tuple[str, np.ndarray]]:
    """Each stage and its nodes (a mask), kept for the last network asked about.

    Monte Carlo asks for every draw-year of one network.
    """
    kept = _MASKS.get(id(net))
    if kept is None or kept[0] is not net:
        masks = [(st, np.array([n.stage == st for n in net.nodes])) for st in net.stages]
        _MASKS.clear()
        kept = _MASKS[id(net)] = (net, masks)
    return kept[1]


_MASKS: dict[int, tuple[Network, list[tuple[str, np.ndarray]]]] = {}


def price_index(
    net: Network,
    region_sink: int,
    sink_price: np.ndarray,
    stage_price: dict[str, float],
    ref: ReferencePrices,
) -> dict[str, float]:
    """Price index (1.0 = reference year) by stage for one region's supply.

    The region's end-use stage uses its own delivered price; upstream stages use
    the world price of that stage's product (output-weighted over producers).
    """
    rows = np.array([[stage_price.get(s, np.nan) for s in net.stages]])
    index = price_index_rows(net, region_sink, np.asarray(sink_price)[None], rows, ref)[0]
    last = net.stages.index(net.sinks[region_sink].stage)
    return {stage: float(v) for stage, v in zip(net.stages[: last + 1], index, strict=False)}


def price_index_rows(
    net: Network,
    region_sink: int,
    sink_price: np.ndarray,
    stage_price: np.ndarray,
    ref: ReferencePrices,
) -> np.ndarray:
    """:func:`price_index` of many solutions (rows of ``sink_price`` and ``stage_price``).

    A column per stage of ``net.stages``; NaN past the region's end-use stage.
    """
    last = net.stages.index(net.sinks[region_sink].stage)
    out = np.full((len(sink_price), len(net.stages)), np.nan)
    for k, stage in enumerate(net.stages[: last + 1]):
        if k == last:
            base, now = float(ref.sink[region_sink]), sink_price[:, region_sink]
        else:
            base, now = ref.stage.get(stage, 0.0), stage_price[:, k]
        out[:, k] = now / base if base > 1e-9 else 1.0
    return out
