"""One year's LP inputs: capacities, demand, active disruptions and mitigations.

The network is fixed for the whole horizon; everything that changes by year
(capacity growth, ramps, outages, restrictions, demand growth, stock left) is
gathered here as plain arrays, so that Monte Carlo draws only rescale arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from orechain.scenarios.network import Link, Network
from orechain.scenarios.spec import (
    ROW,
    ExportRestriction,
    NewCapacity,
    Outage,
    Recycling,
    Scenario,
    Stockpile,
)


@dataclass(frozen=True)
class DemandPoint:
    """Demand of one region and sector at one sink."""

    region: str
    sector: str
    stage: str
    sink: int
    weight: float
    tonnes: float
    """Base-year demand [t, stage basis]."""
    growth: float
    base_year: int


@dataclass(frozen=True)
class Restriction:
    """An export restriction resolved to the links it limits."""

    id: str
    share: float
    links: np.ndarray
    """Indices of the affected links: direct exports, or (origin-traced) every link
    entering the destinations from outside them."""
    trace: str = "direct"
    """``direct`` or ``origin`` (see :class:`~orechain.scenarios.spec.ExportRestriction`)."""
    tainted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    """Origin-traced: nodes whose output is of the restricted origin (country at a stage)."""


@dataclass
class YearInputs:
    """Everything the LP of one year needs besides the network."""

    year: int
    capacity: np.ndarray
    """Node capacity this year, before outages [t]."""
    demand: np.ndarray
    """Demand of each demand point [t]."""
    outages: list[tuple[int, float, str]] = field(default_factory=list)
    """(node, share lost, disruption id) of active outages."""
    restrictions: list[Restriction] = field(default_factory=list)
    stock_available: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Release allowed this year per stockpile [t]."""
    recycling_cap: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Secondary supply available per recycling mitigation [t]."""
    restriction_base: dict[str, float] = field(default_factory=dict)
    """Restriction id → flow on its links in the same year without disruptions [t]."""
    base_output: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Output each node makes at its base cost (the first supply step) this year [t]."""


def demand_points(net: Network, scn: Scenario) -> list[DemandPoint]:
    """Demand entries resolved to sinks; ``tonnes: network`` takes the base allocation."""
    last = net.stages[-1]
    points = []
    for d in scn.demand:
        stage = d.stage or last
        sink = net.sink_index(d.region, stage)
        assert sink is not None, "check_network_covers runs first"
        tonnes = net.base_demand.get((d.region, stage), 0.0) if d.tonnes == "network" else d.tonnes
        points.append(
            DemandPoint(
                d.region,
                d.sector,
                stage,
                sink,
                scn.sector_weight(d.sector),
                float(tonnes),
                d.growth,
                d.base_year or scn.reference_year,
            )
        )
    return points


def all_restrictions(net: Network, scn: Scenario) -> list[Restriction]:
    """Every export restriction of the scenario, resolved to its links."""
    return [
        resolve_restriction(net, scn, d)
        for d in scn.disruptions
        if isinstance(d, ExportRestriction)
    ]


def resolve_restriction(net: Network, scn: Scenario, r: ExportRestriction) -> Restriction:
    """An export restriction resolved to its links (and, origin-traced, its tainted nodes)."""
    if r.trace == "direct":
        return Restriction(r.id, r.share, restricted_links(net, scn, r))
    tainted = [i for i, n in enumerate(net.nodes) if n.country == r.country and n.stage in r.stages]
    entering = [i for i, link in enumerate(net.links) if _enters_targets(net, scn, r, link)]
    return Restriction(
        r.id, r.share, np.array(entering, dtype=int), "origin", np.array(tainted, dtype=int)
    )


def restricted_links(net: Network, scn: Scenario, r: ExportRestriction) -> np.ndarray:
    """Links carrying ``r.country``'s output at ``r.stages`` across a border to ``r.to``."""
    hits = [i for i, link in enumerate(net.links) if _restricted(net, scn, r, link)]
    return np.array(hits, dtype=int)


def _restricted(net: Network, scn: Scenario, r: ExportRestriction, link: Link) -> bool:
    src = net.nodes[link.source]
    if src.country != r.country or src.stage not in r.stages:
        return False
    return _target_in(net, scn, r, link)


def _target_in(net: Network, scn: Scenario, r: ExportRestriction, link: Link) -> bool:
    """Whether a link ends at a plant or end use of the restriction's destinations."""
    if link.to_sink:
        region = net.sinks[link.target].region
        if scn.region_of(r.country) == region:
            return False
        return r.to == "all" or region in r.to or bool(_members(scn, region) & set(r.to))
    return _country_in(scn, r, net.nodes[link.target].country)


def _country_in(scn: Scenario, r: ExportRestriction, country: str) -> bool:
    if country == r.country:
        return False
    return r.to == "all" or country in r.to or scn.region_of(country) in r.to


def _enters_targets(net: Network, scn: Scenario, r: ExportRestriction, link: Link) -> bool:
    """Whether a link carries material into the destinations from outside them.

    Counting entries only (not every link inside the destinations) counts each
    tonne of restricted origin once, however far it travels inside them.
    """
    src = net.nodes[link.source].country
    return _target_in(net, scn, r, link) and not _country_in(scn, r, src)


def _members(scn: Scenario, region: str) -> set[str]:
    return set() if region == ROW else (scn.region_members(region) or set())


def base_capacity(net: Network, scn: Scenario, year: int) -> np.ndarray:
    """Node capacity in ``year``: base capacity grown, plus new-capacity ramps."""
    growth = (1.0 + scn.options.capacity_growth) ** max(0, year - scn.reference_year)
    cap = np.array([n.capacity_t * growth for n in net.nodes])
    by_id = {m.id: m for m in scn.mitigations if isinstance(m, NewCapacity)}
    for i, n in enumerate(net.nodes):
        if n.mitigation in by_id:
            cap[i] = by_id[n.mitigation].capacity(year)
    return cap


def year_inputs(
    net: Network,
    scn: Scenario,
    points: list[DemandPoint],
    year: int,
    stock_left: np.ndarray,
    active: set[str] | None = None,
) -> YearInputs:
    """Inputs of one year. ``active`` overrides which disruption ids are on (Monte Carlo)."""
    on = {d.id for d in scn.disruptions if d.active(year)} if active is None else active
    demand = np.array([p.tonnes * (1 + p.growth) ** (year - p.base_year) for p in points])
    return YearInputs(
        year=year,
        capacity=base_capacity(net, scn, year),
        demand=demand,
        outages=_outages(net, scn, on),
        restrictions=[
            resolve_restriction(net, scn, d)
            for d in scn.disruptions
            if isinstance(d, ExportRestriction) and d.id in on
        ],
        stock_available=_stock_release(scn, year, stock_left),
        recycling_cap=_recycling(scn, points, demand, year),
        base_output=base_output(net, scn, year),
    )


def base_output(net: Network, scn: Scenario, year: int) -> np.ndarray:
    """First supply step of each node: base-year output grown like capacity [t].

    Output above it (the node's excess capacity) costs ``options.excess_cost``
    more per tonne. New capacity is built to run: its whole capacity is base.
    An explicit node with ``base_t: 0`` is idle capacity: all of it is excess.
    """
    growth = (1.0 + scn.options.capacity_growth) ** max(0, year - scn.reference_year)
    cap = base_capacity(net, scn, year)
    out = np.array([n.base_t * growth for n in net.nodes])
    for i, n in enumerate(net.nodes):
        if n.mitigation is not None:
            out[i] = cap[i]
    return np.minimum(out, cap)


def _outages(net: Network, scn: Scenario, on: set[str]) -> list[tuple[int, float, str]]:
    out = []
    for d in scn.disruptions:
        if isinstance(d, Outage) and d.id in on:
            idx = net.node_index(d.country, d.stage)
            if idx is not None:
                out.append((idx, d.share, d.id))
    return out


def stockpiles(scn: Scenario) -> list[Stockpile]:
    """The scenario's stockpile mitigations, in file order."""
    return [m for m in scn.mitigations if isinstance(m, Stockpile)]


def recyclers(scn: Scenario) -> list[Recycling]:
    """The scenario's recycling mitigations, in file order."""
    return [m for m in scn.mitigations if isinstance(m, Recycling)]


def _stock_release(scn: Scenario, year: int, stock_left: np.ndarray) -> np.ndarray:
    out = []
    for s, left in zip(stockpiles(scn), stock_left, strict=True):
        started = s.start is None or year >= s.start
        cap = left if s.max_per_year is None else min(left, s.max_per_year)
        out.append(cap if started else 0.0)
    return np.array(out, dtype=float)


def _recycling(
    scn: Scenario, points: Sequence[DemandPoint], demand: np.ndarray, year: int
) -> np.ndarray:
    out = []
    for r in recyclers(scn):
        started = r.start is None or year >= r.start
        total = sum(float(d) for p, d in zip(points, demand, strict=True) if p.region == r.region)
        out.append(r.share * total if started else 0.0)
    return np.array(out, dtype=float)


def stock_release(scn: Scenario, year: int, stock_left: np.ndarray) -> np.ndarray:
    """Most each stockpile can release in ``year`` [t] (what :func:`year_inputs` sets)."""
    return _stock_release(scn, year, stock_left)


def recycling_caps(
    scn: Scenario, points: Sequence[DemandPoint], demand: np.ndarray, year: int
) -> np.ndarray:
    """Recycled supply each recycler can give in ``year`` [t] (what :func:`year_inputs` sets)."""
    return _recycling(scn, points, demand, year)
