"""Run a scenario: one lexicographic LP per year, results per region, stage and origin.

Years are solved in order because stockpiles carry over: what is released in
one year is gone the next. Everything else is independent by year.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from orechain.scenarios.constraints import Layout, LinearProgram, build_lp
from orechain.scenarios.highs import Solution, solve_lp
from orechain.scenarios.inputs import (
    DemandPoint,
    YearInputs,
    all_restrictions,
    demand_points,
    recyclers,
    stockpiles,
    year_inputs,
)
from orechain.scenarios.network import (
    Network,
    add_mitigation_nodes,
    check_network_covers,
    network_from_spec,
)
from orechain.scenarios.results import (
    BindingConstraint,
    LinkFlow,
    RegionYear,
    ScenarioResult,
    SectorOutcome,
    YearResult,
    share_and_hhi,
    trace_origins,
)

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


def solve_year(
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    inp: YearInputs,
    *,
    lexicographic: bool = True,
) -> tuple[Solution, LinearProgram, Layout]:
    """Build and solve one year's LP."""
    lp, lay = build_lp(net, scn, points, inp)
    return solve_lp(lp, lexicographic=lexicographic), lp, lay


def restriction_bases(
    net: Network, scn: Scenario, points: list[DemandPoint], year: int, stock_left: np.ndarray
) -> dict[str, float]:
    """Each restriction's link flow in ``year`` with no disruption active (least-cost optimum)."""
    inp = year_inputs(net, scn, points, year, stock_left, active=set())
    sol, _, lay = solve_year(net, scn, points, inp)
    flows = sol.x[lay.flow]
    return {r.id: float(flows[r.links].sum()) for r in all_restrictions(net, scn)}


def run_scenario(
    scn: Scenario,
    atlas: Atlas | None = None,
    *,
    net: Network | None = None,
    variant: str = "as specified",
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
    """
    net = net or build_network(scn, atlas)
    points = demand_points(net, scn)
    stock_left = np.array([s.tonnes for s in stockpiles(scn)], dtype=float)
    years = []
    for year in scn.horizon.years:
        inp = year_inputs(net, scn, points, year, stock_left)
        if inp.restrictions:
            inp.restriction_base = restriction_bases(net, scn, points, year, stock_left)
        sol, lp, lay = solve_year(net, scn, points, inp)
        stock_left = stock_left - sol.x[lay.stock]
        years.append(year_result(net, scn, points, inp, sol, lp, lay))
        logger.info("solved %s %d", scn.name, year)
    assumptions = tuple(scn.assumptions) + net.assumptions + _demand_labels(scn)
    return ScenarioResult(
        scenario=scn.name,
        focus_region=scn.focus_region,
        years=tuple(years),
        assumptions=assumptions,
        data_sources=net.data_sources,
        variant=variant,
    )


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
    sol: Solution,
    lp: LinearProgram,
    lay: Layout,
) -> YearResult:
    """Turn one solved LP into a :class:`YearResult`."""
    flows = sol.x[lay.flow]
    served = sol.x[lay.served]
    origins = trace_origins(net, flows, _sink_extras(net, scn, sol, lay))
    regions = {
        r: _region_year(net, points, inp.demand, served, origins, r)
        for r in dict.fromkeys(p.region for p in points)
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
            LinkFlow(*net.link_ends(link), link.kind, float(f))
            for link, f in zip(net.links, flows, strict=True)
            if f > TOL
        ),
    )


def _sink_extras(
    net: Network, scn: Scenario, sol: Solution, lay: Layout
) -> dict[int, dict[str, float]]:
    """Stockpile and recycling deliveries by sink (pseudo-origins in the shares)."""
    extras: dict[int, dict[str, float]] = {}
    last = net.stages[-1]
    items: list[tuple[str, Stockpile | Recycling, float]] = [
        *(
            ("stockpile", m, float(v))
            for m, v in zip(stockpiles(scn), sol.x[lay.stock], strict=True)
        ),
        *(
            ("recycling", m, float(v))
            for m, v in zip(recyclers(scn), sol.x[lay.recycled], strict=True)
        ),
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
) -> RegionYear:
    idx = [i for i, p in enumerate(points) if p.region == region]
    sectors: dict[str, SectorOutcome] = {}
    for i in idx:
        p = points[i]
        prev = sectors.get(p.sector)
        d = float(demand[i]) + (prev.demand_t if prev else 0.0)
        s = float(served[i]) + (prev.served_t if prev else 0.0)
        sectors[p.sector] = SectorOutcome(d, s, _gap(d, s), p.stage)
    sink = max({points[i].sink for i in idx}, key=lambda j: net.stages.index(net.sinks[j].stage))
    share_by_stage, hhi_by_stage = {}, {}
    for stage, tonnes in origins[sink].items():
        share_by_stage[stage], hhi_by_stage[stage] = share_and_hhi(tonnes)
    d_tot = sum(o.demand_t for o in sectors.values())
    s_tot = sum(o.served_t for o in sectors.values())
    return RegionYear(
        region, d_tot, s_tot, _gap(d_tot, s_tot), sectors, share_by_stage, hhi_by_stage
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
