"""Run a scenario: one lexicographic LP per year, results per region, stage and origin.

Years are solved in order because stockpiles carry over: what is released in
one year is gone the next. Everything else is independent by year.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from orechain.scenarios.constraints import Layout, LinearProgram, build_lp
from orechain.scenarios.highs import Solution, WarmModel, solve_lp
from orechain.scenarios.inputs import (
    DemandPoint,
    YearInputs,
    all_restrictions,
    base_capacity,
    demand_points,
    recyclers,
    stockpiles,
    year_inputs,
)
from orechain.scenarios.market import (
    MarketLayout,
    ReferencePrices,
    add_market,
    price_index,
    row_indices,
    stage_prices,
)
from orechain.scenarios.network import (
    Network,
    add_mitigation_nodes,
    check_network_covers,
    network_from_spec,
)
from orechain.scenarios.origin import PoolEdge, link_pool_edges, pool_edges, undisrupted_base
from orechain.scenarios.results import (
    BindingConstraint,
    LinkFlow,
    RegionYear,
    ScenarioResult,
    SectorOutcome,
    YearResult,
    link_origins,
    share_and_hhi,
    trace_origins,
)
from orechain.scenarios.routing import label as routing_label
from orechain.scenarios.routing import routing_ranges
from orechain.scenarios.spec import ExportRestriction

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.scenarios.spec import Recycling, Scenario, Stockpile

logger = logging.getLogger(__name__)

TOL = 1e-6
"""Shadow prices and flows below this count as zero."""


def build_network(scn: Scenario, atlas: Atlas | None = None) -> Network:
    """The scenario's network: explicit, or from the atlas; plus new-capacity nodes."""
    if scn.network is not None:
        net = network_from_spec(scn)
    else:
        if atlas is None:
            msg = "an atlas network needs an open atlas"
            raise ValueError(msg)
        from orechain.scenarios.atlas_network import build_atlas_network

        net = build_atlas_network(atlas, scn)
    net = add_mitigation_nodes(net, scn, 1.0 + scn.options.spot_premium, scn.options.offtake_cost)
    check_network_covers(net, scn)
    return net


class YearSolve(NamedTuple):
    """One solved year: the solution, its programme, column layout and market columns."""

    sol: Solution
    lp: LinearProgram
    lay: Layout
    market: MarketLayout | None

    def prices(self, net: Network) -> tuple[np.ndarray, np.ndarray]:
        """Delivered price at each sink and price of each node's output [relative units/t].

        Price mode: the welfare LP's duals. Quantity mode: the least-cost stage's
        duals (marginal delivered cost, no scarcity premium).
        """
        return prices_of(net, self.lp, self.lay, self.market, self.sol.x, self.price_duals)

    @property
    def price_duals(self) -> np.ndarray:
        """The row duals prices come from (see :meth:`prices`)."""
        return price_duals(self.market, self.sol.row_dual, self.sol.price_dual)


def prices_of(
    net: Network,
    lp: LinearProgram,
    lay: Layout,
    market: MarketLayout | None,
    x: np.ndarray,
    duals: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`YearSolve.prices` of solutions of one programme (rows of ``x`` and ``duals``)."""
    if market is not None:
        sinks, nodes = market.sink_rows, market.node_rows
    else:
        sinks, nodes = row_indices(lp, net)
    node_price = duals[..., nodes]
    if lay.origin is not None:
        node_price = lay.origin.node_prices(net, node_price, duals, x, lay.flow)
    return duals[..., sinks], node_price


def price_duals(
    market: MarketLayout | None, row_dual: np.ndarray, price_dual: np.ndarray | None
) -> np.ndarray:
    """The row duals prices come from: stage 1's in price mode, else the least-cost stage's.

    Rows may be many solutions. Quantity mode falls back to stage 1's where no
    least-cost stage ran (``price_dual`` None).
    """
    return row_dual if market is not None or price_dual is None else price_dual


def solve_year(
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    inp: YearInputs,
    *,
    ref: ReferencePrices | None = None,
    warm: WarmModel | None = None,
) -> YearSolve:
    """Build and solve one year's programme (price mode when ``ref`` is given).

    Every run, variant and Monte Carlo draw goes through here, so a draw with
    the same inputs as the deterministic run gets the same answer. ``warm``
    (Monte Carlo) keeps stage 1 of the programme loaded across calls: a draw
    then changes only bounds and warm-starts from the previous basis.
    """
    lp, lay, market = build_year(net, scn, points, inp, ref)
    ration = (lay.served, inp.demand) if market is None else (market.steps, market.step_size)
    sol = solve_lp(lp, ration=ration, welfare=market is not None, warm=warm)
    return YearSolve(sol, lp, lay, market)


def build_year(
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    inp: YearInputs,
    ref: ReferencePrices | None = None,
) -> tuple[LinearProgram, Layout, MarketLayout | None]:
    """One year's programme: the quantity LP, turned into the welfare LP in price mode."""
    lp, lay = build_lp(net, scn, points, inp)
    market = add_market(lp, net, scn, points, lay, inp, ref) if ref is not None else None
    return lp, lay, market


def reference_prices(net: Network, scn: Scenario, points: list[DemandPoint]) -> ReferencePrices:
    """Base-year prices: marginal delivered cost with no disruption in the reference year."""
    inp = year_inputs(net, scn, points, scn.reference_year, _stock0(scn), active=set())
    sink, node = solve_year(net, scn, points, inp).prices(net)
    floored = tuple(net.sinks[j].id for j in np.nonzero(sink <= 1e-9)[0])
    sink = np.where(sink > 1e-9, sink, 1.0)
    return ReferencePrices(sink, stage_prices(net, node, _base_output(net, scn)), floored)


def _base_output(net: Network, scn: Scenario) -> np.ndarray:
    from orechain.scenarios.inputs import base_output

    return base_output(net, scn, scn.reference_year)


def _stock0(scn: Scenario) -> np.ndarray:
    return np.array([s.tonnes for s in stockpiles(scn)], dtype=float)


def market_prices(net: Network, scn: Scenario, points: list[DemandPoint]) -> ReferencePrices | None:
    """Reference prices in price mode, None in quantity mode."""
    return reference_prices(net, scn, points) if scn.options.market == "price" else None


def restriction_bases(
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    year: int,
    stock_left: np.ndarray,
    ref: ReferencePrices | None = None,
) -> dict[str, float]:
    """Each restriction's link flow in ``year`` with no disruption active."""
    inp = year_inputs(net, scn, points, year, stock_left, active=set())
    sol, _, lay, _ = solve_year(net, scn, points, inp, ref=ref)
    flows = sol.x[lay.flow]
    return {
        r.id: undisrupted_base(net, flows, r)
        if r.trace == "origin"
        else float(flows[r.links].sum())
        for r in all_restrictions(net, scn)
    }


def run_scenario(
    scn: Scenario,
    atlas: Atlas | None = None,
    *,
    net: Network | None = None,
    variant: str = "as specified",
    routing_samples: int | None = None,
) -> ScenarioResult:
    """Solve every year of the horizon.

    Parameters
    ----------
    scn
        The validated scenario.
    atlas
        Open atlas (needed unless the scenario defines its own network or ``net`` is given).
    net
        A network built earlier with :func:`build_network` (reuse across variants).
    variant
        Label of this run in the output (e.g. "without pk-sep").
    routing_samples
        Equally cheap routings sampled per year for the share ranges
        (:mod:`orechain.scenarios.routing`); None: ``options.routing_samples``.
        Runs that read only headline figures (tornado, backtests) pass 0.
    """
    net = net or build_network(scn, atlas)
    points = demand_points(net, scn)
    ref = market_prices(net, scn, points)
    stock_left = _stock0(scn)
    samples = scn.options.routing_samples if routing_samples is None else routing_samples
    years = []
    for year in scn.horizon.years:
        inp = year_inputs(net, scn, points, year, stock_left)
        if inp.restrictions:
            inp.restriction_base = restriction_bases(net, scn, points, year, stock_left, ref)
        solved = solve_year(net, scn, points, inp, ref=ref)
        stock_left = stock_left - solved.sol.x[solved.lay.stock]
        years.append(year_result(net, scn, points, inp, solved, ref, samples))
        logger.info("solved %s %d", scn.name, year)
    assumptions = (
        tuple(scn.assumptions)
        + net.assumptions
        + _demand_labels(scn)
        + market_labels(scn, ref)
        + trace_labels(scn)
        + ((routing_label(samples),) if samples else ())
    )
    warnings = idle_mitigations(net, scn, years)
    for w in warnings:
        logger.warning("%s: %s", scn.name, w)
    return ScenarioResult(
        scenario=scn.name,
        focus_region=scn.focus_region,
        years=tuple(years),
        assumptions=assumptions,
        data_sources=net.data_sources,
        variant=variant,
        extra={"warnings": warnings} if warnings else {},
    )


def idle_mitigations(net: Network, scn: Scenario, years: list[YearResult]) -> list[str]:
    """A warning for each new-capacity mitigation that never produces, naming what idles it.

    A plant nobody can buy from (its offtake names countries with no plant at
    the next stage and no end use of its stage) is the usual cause; otherwise
    the buyers' plants are full (their capacity binds) or cheaper supply wins.
    """
    out = []
    for i, node in enumerate(net.nodes):
        if node.mitigation is None:
            continue
        sold = sum(
            f for y in years for name, f in y.flows.items() if name.startswith(f"{node.id} →")
        )
        built = any(base_capacity(net, scn, y.year)[i] > 0 for y in years)
        if sold > TOL or not built:
            continue
        buyers = [
            net.sinks[link.target].id if link.to_sink else net.nodes[link.target].id
            for link in net.links
            if link.source == i
        ]
        if not buyers:
            why = "no buyer can take its output (offtake countries have no plant at the next "
            why += "stage and no end use of this stage)"
        else:
            full = [
                b
                for b in buyers
                if any(c.name == f"{b} capacity" for y in years for c in y.binding_constraints)
            ]
            why = (
                f"binding: {', '.join(f'{b} capacity' for b in full)}"
                if full
                else f"its buyers ({', '.join(buyers[:4])}) take cheaper supply"
            )
        out.append(f"mitigation {node.mitigation!r} never runs: {why}")
    return out


def market_labels(scn: Scenario, ref: ReferencePrices | None) -> tuple[str, ...]:
    """The market model's assumptions, echoed in every output."""
    if ref is None:
        return ("quantity mode: no prices; shortfall is unserved demand by priority",)
    o = scn.options
    out = [
        f"ASSUMPTION: price mode; own-price elasticity of demand {o.elasticity:g} at the "
        "reference point unless a demand entry sets its own (short-run mineral demand is "
        "price-inelastic: Tilton & Guzmán 2016, ch. 2)",
        "ASSUMPTION: sector priority = willingness to pay as a multiple of the base price",
        f"ASSUMPTION: output above a node's base-year output (its excess capacity; atlas "
        f"capacity = output / utilisation {o.utilisation:g} unless the atlas gives capacity) "
        f"costs {o.excess_cost:g} more per t",
        f"price index 1.0 = marginal delivered cost in {scn.reference_year} without disruption",
    ]
    out += [
        f"ASSUMPTION: zero delivered cost at {s}: base price set to 1 unit" for s in ref.floored
    ]
    if o.base_price_usd_per_t is not None:
        out.append(f"base price {o.base_price_usd_per_t:,.0f} USD/t — {o.base_price_source}")
    return tuple(out)


def trace_labels(scn: Scenario) -> tuple[str, ...]:
    """How each export restriction is applied: to origin-traced material or direct exports."""
    out = []
    for d in scn.disruptions:
        if not isinstance(d, ExportRestriction):
            continue
        if d.trace == "origin":
            out.append(
                f"restriction {d.id}: origin-traced — binds {d.country}-{'/'.join(d.stages)} "
                "material wherever it is processed next (third countries may keep it apart "
                "from other material at no cost: ASSUMPTION)"
            )
        else:
            out.append(f"restriction {d.id}: direct exports only (trace: direct)")
    return tuple(out)


def _demand_labels(scn: Scenario) -> tuple[str, ...]:
    return tuple(
        f"demand {d.region}/{d.sector}: {d.tonnes} t, growth {d.growth:.1%}/yr — {d.source}"
        for d in scn.demand
    )


def year_result(
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    inp: YearInputs,
    solved: YearSolve,
    ref: ReferencePrices | None = None,
    routing_samples: int = 0,
) -> YearResult:
    """Turn one solved programme into a :class:`YearResult`.

    With ``routing_samples`` each region also gets the range of its shares by
    origin over that many equally cheap routings (:mod:`orechain.scenarios.routing`).
    """
    sol, lp, lay = solved.sol, solved.lp, solved.lay
    flows = sol.x[lay.flow]
    served = sol.x[lay.served]
    by_link, origins = traced_origins(net, scn, lay, sol.x)
    mined = link_origins(net, by_link)
    indices = _price_indices(net, points, solved, ref)
    regions = {
        r: _region_year(net, points, inp.demand, served, origins, r, indices.get(r), scn)
        for r in dict.fromkeys(p.region for p in points)
    }
    sampled = 0
    if routing_samples > 0:
        point = {r: v.supply_share_by_origin for r, v in regions.items()}
        ranges, sampled = routing_ranges(
            solved,
            inp.year,
            point,
            lambda x: region_shares(net, points, traced_origins(net, scn, lay, x)[1]),
            routing_samples,
        )
        regions = {
            r: replace(v, supply_share_range_by_origin=ranges[r]) for r, v in regions.items()
        }
    return YearResult(
        year=inp.year,
        regions=regions,
        flows={
            net.link_name(link): float(f)
            for link, f in zip(net.links, flows, strict=True)
            if f > TOL
        },
        stage_utilisation=_utilisation(net, sol.x[lay.output], inp.capacity),
        binding_constraints=_binding(net, sol, lp, lay),
        weighted_served=sol.weighted_served,
        cost=sol.cost,
        link_flows=tuple(
            LinkFlow(*net.link_ends(link), link.kind, float(f), mined.get(li, {}))
            for li, (link, f) in enumerate(zip(net.links, flows, strict=True))
            if f > TOL
        ),
        routing_samples=sampled,
    )


def traced_origins(
    net: Network, scn: Scenario, lay: Layout, x: np.ndarray
) -> tuple[dict[int, list[PoolEdge]], dict[int, dict[str, dict[str, float]]]]:
    """Pool edges of each link, and each sink's tonnes by stage and origin, of solution ``x``.

    One function for the run's answer and every sampled routing, so their
    shares are traced alike (proportional sharing, per origin class).
    """
    by_link = link_pool_edges(net, x[lay.flow], lay.origin, x, lay.flow)
    return by_link, trace_origins(net, pool_edges(by_link), _sink_extras(net, scn, x, lay))


def region_shares(
    net: Network, points: list[DemandPoint], origins: dict[int, dict[str, dict[str, float]]]
) -> dict[str, dict[str, dict[str, float]]]:
    """Region → stage → origin → share of its headline supply (as in :class:`RegionYear`)."""
    out = {}
    for region in dict.fromkeys(p.region for p in points):
        sink = _region_sink(net, points, region)
        out[region] = {stage: share_and_hhi(t)[0] for stage, t in origins[sink].items()}
    return out


def _price_indices(
    net: Network, points: list[DemandPoint], solved: YearSolve, ref: ReferencePrices | None
) -> dict[str, dict[str, float]]:
    """Region → stage → price index (price mode only)."""
    if ref is None:
        return {}
    sink_price, node_price = solved.prices(net)
    stages = stage_prices(net, node_price, solved.sol.x[solved.lay.output])
    out = {}
    for region in dict.fromkeys(p.region for p in points):
        sink = _region_sink(net, points, region)
        out[region] = price_index(net, sink, sink_price, stages, ref)
    return out


def _region_sink(net: Network, points: list[DemandPoint], region: str) -> int:
    """The region's sink furthest down the chain (its headline supply)."""
    sinks = {p.sink for p in points if p.region == region}
    return max(sinks, key=lambda j: net.stages.index(net.sinks[j].stage))


def _sink_extras(
    net: Network, scn: Scenario, x: np.ndarray, lay: Layout
) -> dict[int, dict[str, float]]:
    """Stockpile and recycling deliveries by sink (pseudo-origins in the shares)."""
    extras: dict[int, dict[str, float]] = {}
    last = net.stages[-1]
    items: list[tuple[str, Stockpile | Recycling, float]] = [
        *(("stockpile", m, float(v)) for m, v in zip(stockpiles(scn), x[lay.stock], strict=True)),
        *(("recycling", m, float(v)) for m, v in zip(recyclers(scn), x[lay.recycled], strict=True)),
    ]
    for kind, m, v in items:
        j = net.sink_index(m.region, m.stage or last)
        if j is not None and v > TOL:
            extras.setdefault(j, {})
            extras[j][kind] = extras[j].get(kind, 0.0) + v
    return extras


def _region_year(
    net: Network,
    points: list[DemandPoint],
    demand: np.ndarray,
    served: np.ndarray,
    origins: dict[int, dict[str, dict[str, float]]],
    region: str,
    index: dict[str, float] | None,
    scn: Scenario,
) -> RegionYear:
    idx = [i for i, p in enumerate(points) if p.region == region]
    sectors: dict[str, SectorOutcome] = {}
    for i in idx:
        p = points[i]
        prev = sectors.get(p.sector)
        d = float(demand[i]) + (prev.demand_t if prev else 0.0)
        s = float(served[i]) + (prev.served_t if prev else 0.0)
        sectors[p.sector] = SectorOutcome(d, s, _gap(d, s), p.stage)
    sink = _region_sink(net, points, region)
    share_by_stage, hhi_by_stage = {}, {}
    for stage, tonnes in origins[sink].items():
        share_by_stage[stage], hhi_by_stage[stage] = share_and_hhi(tonnes)
    d_tot = sum(o.demand_t for o in sectors.values())
    s_tot = sum(o.served_t for o in sectors.values())
    short = _gap(d_tot, s_tot)
    base_usd = scn.options.base_price_usd_per_t
    cost = None
    if index is not None and base_usd is not None:
        cost = s_tot * index[net.sinks[sink].stage] * base_usd
    return RegionYear(
        region,
        d_tot,
        s_tot,
        short,
        sectors,
        share_by_stage,
        hhi_by_stage,
        price_index=index or {},
        demand_destroyed_t=short if index is not None else 0.0,
        consumer_cost_usd=cost,
    )


def _gap(demand: float, served: float) -> float:
    """Shortfall, with solver round-off (below 1e-6 relative) read as zero."""
    gap = demand - served
    return gap if gap > TOL * max(1.0, demand) else 0.0


def _utilisation(net: Network, output: np.ndarray, cap: np.ndarray) -> dict[str, float]:
    util = {}
    for stage in net.stages:
        mask = np.array([n.stage == stage for n in net.nodes])
        total = float(cap[mask].sum())
        util[stage] = float(output[mask].sum()) / total if total > 0 else 0.0
    return util


def _binding(
    net: Network, sol: Solution, lp: LinearProgram, lay: Layout
) -> tuple[BindingConstraint, ...]:
    found = [
        BindingConstraint(name, fam, float(d))
        for name, fam, d in zip(lp.row_name, lp.row_family, sol.row_dual, strict=True)
        if d > TOL and fam not in ("balance", "demand")
    ]
    for li, link in enumerate(net.links):
        d = float(sol.col_dual[lay.flow[li]])
        if link.capacity_t is not None and d > TOL:
            found.append(BindingConstraint(f"{net.link_name(link)} route capacity", "route", d))
    return tuple(sorted(found, key=lambda b: -b.shadow_price))
