"""Scenario results (frozen dataclasses) and origin tracing through the network.

Supply shares by origin follow the proportional-sharing principle: every node
is a well-mixed pool, so each tonne leaving it carries the origin mix of the
tonnes that entered (Bialek 1996). Tracing from stage ``k`` tells, for a
region's end use, which countries performed stage ``k`` on the material it
received — "China's share of US separation supply" — including material that
passed through third countries. HHI on the 0–10,000 scale per ``docs/design.md``, with
``OTHER``, recycling and stockpile in the denominator but not as suppliers.

References
----------
Bialek, J. (1996), Tracing the flow of electricity, IEE Proc. Gener. Transm.
Distrib. 143(4), 313–320, doi:10.1049/ip-gtd:19960461.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from orechain.scenarios.network import Network
from orechain.scenarios.origin import PoolEdge, pool_edges

PSEUDO_ORIGINS = ("OTHER", "recycling", "stockpile")
"""Origins counted in a share's denominator but not as one supplier."""


@dataclass(frozen=True)
class SectorOutcome:
    """Demand and service of one region × sector in one year."""

    demand_t: float
    """Demand [t, stage basis]."""
    served_t: float
    """Served demand [t]."""
    shortfall_t: float
    """Unserved demand [t]."""
    stage: str


@dataclass(frozen=True)
class RegionYear:
    """One region's outcome in one year."""

    region: str
    demand_t: float
    served_t: float
    shortfall_t: float
    sectors: dict[str, SectorOutcome]
    supply_share_by_origin: dict[str, dict[str, float]]
    """Stage → origin ISO3 → share of the region's supply performed there [0–1]."""
    hhi_by_stage: dict[str, float]
    """Stage → HHI of those shares [0–10,000]."""
    price_index: dict[str, float] = field(default_factory=dict)
    """Stage → clearing price / reference-year price (price mode; empty in quantity mode)."""
    demand_destroyed_t: float = 0.0
    """Demand given up because the price rose above the buyers' willingness to pay [t]."""
    consumer_cost_usd: float | None = None
    """Served tonnes × end-use price, where the scenario gives a base USD price."""
    supply_share_range_by_origin: dict[str, dict[str, tuple[float, float]]] = field(
        default_factory=dict
    )
    """Stage → origin → (lowest, highest) share over equally cheap routings of the
    least-cost stage, the point estimate included (:mod:`orechain.scenarios.routing`);
    empty when no routing was sampled."""


@dataclass(frozen=True)
class BindingConstraint:
    """A constraint at its bound with a positive stage-1 shadow price."""

    name: str
    family: str
    shadow_price: float
    """Priority-weighted tonnes served per extra tonne of the right-hand side."""


@dataclass(frozen=True)
class LinkFlow:
    """Flow on one link, with its ends as structured ids (never a formatted name)."""

    source: str
    """Node id, e.g. ``CHN separation`` or ``PAK separation (pk-sep)``."""
    target: str
    """Node or sink id, e.g. ``USA end use of magnet``."""
    kind: str
    """contract, spot, offtake or explicit."""
    tonnes: float
    """[t, source basis]."""
    origin: dict[str, float] = field(default_factory=dict)
    """Mined origin (country of the network's first stage) → tonnes on this link [t].

    Traced with the same pools as ``RegionYear.supply_share_by_origin``, so the
    links into a region's sink add up to its first-stage origin mix.
    """


@dataclass(frozen=True)
class YearResult:
    """Everything one year's LP says."""

    year: int
    regions: dict[str, RegionYear]
    flows: dict[str, float]
    """Link name → flow [t, source basis]; zero flows omitted."""
    stage_utilisation: dict[str, float]
    """Stage → output / capacity [0–1]."""
    binding_constraints: tuple[BindingConstraint, ...]
    weighted_served: float
    cost: float
    """Total cost of the least-cost optimal solution [relative units]."""
    link_flows: tuple[LinkFlow, ...] = ()
    """The same flows with structured ends (for Sankey diagrams)."""
    routing_samples: int = 0
    """Equally cheap routings behind ``RegionYear.supply_share_range_by_origin``."""


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's yearly results with the assumptions behind them."""

    scenario: str
    focus_region: str
    years: tuple[YearResult, ...]
    assumptions: tuple[str, ...]
    data_sources: tuple[str, ...] = ()
    variant: str = "as specified"
    extra: dict[str, Any] = field(default_factory=dict)

    def year(self, year: int) -> YearResult:
        """The result of one year."""
        return next(y for y in self.years if y.year == year)


def trace_origins(
    net: Network, edges: list[PoolEdge], sink_extra: dict[int, dict[str, float]]
) -> dict[int, dict[str, dict[str, float]]]:
    """Tonnes received by each sink, by origin country of each stage (proportional sharing).

    Parameters
    ----------
    edges
        Flows between pools (:func:`orechain.scenarios.origin.link_pool_edges`): one pool
        per node, or one per node and origin class when restrictions are
        origin-traced, so the trace agrees with the segregated flows of the LP.
    sink_extra
        Sink → pseudo-origin (``recycling``, ``stockpile``) → tonnes delivered there.

    Returns
    -------
    dict
        Sink index → stage → origin → tonnes.
    """
    out: dict[int, dict[str, dict[str, float]]] = {j: {} for j in range(len(net.sinks))}
    into_sink = [e for e in edges if e[3]]
    for k, stage in enumerate(net.stages):
        comp, origins = _compositions(net, edges, k)
        for j, sink in enumerate(net.sinks):
            if net.stages.index(sink.stage) < k:
                continue
            received = np.zeros(len(origins))
            for src, c, target, _, _, tonnes in into_sink:
                if target == j and (src, c) in comp:
                    received += tonnes * comp[(src, c)]
            tonnes_by = {o: float(t) for o, t in zip(origins, received, strict=True) if t > 1e-9}
            out[j][stage] = {**tonnes_by, **sink_extra.get(j, {})}
    return out


def link_origins(net: Network, by_link: dict[int, list[PoolEdge]]) -> dict[int, dict[str, float]]:
    """Tonnes on each link by origin country of the network's first stage (mining).

    Uses the pool compositions of :func:`trace_origins` (proportional sharing,
    per origin class when restrictions are origin-traced), so summing the links
    into a sink gives that sink's first-stage tonnes by origin.

    Returns
    -------
    dict
        Link index → origin ISO3 → tonnes [t, source basis]; links with flow only.
    """
    comp, origins = _compositions(net, pool_edges(by_link), 0)
    out: dict[int, dict[str, float]] = {}
    for li, es in by_link.items():
        acc = np.zeros(len(origins))
        for src, c, *_, tonnes in es:
            if (src, c) in comp:
                acc += tonnes * comp[(src, c)]
        out[li] = {o: float(t) for o, t in zip(origins, acc, strict=True) if t > 1e-9}
    return out


def _compositions(
    net: Network, edges: list[PoolEdge], k: int
) -> tuple[dict[tuple[int, int], np.ndarray], list[str]]:
    """Origin mix (sums to 1 or 0) of every pool's output, for origins at stage ``k``."""
    origins = sorted({n.country for n in net.nodes if n.stage == net.stages[k]})
    col = {o: i for i, o in enumerate(origins)}
    comp: dict[tuple[int, int], np.ndarray] = {}
    for src, c, *_ in edges:
        node = net.nodes[src]
        if node.stage == net.stages[k] and (src, c) not in comp:
            comp[(src, c)] = np.zeros(len(origins))
            comp[(src, c)][col[node.country]] = 1.0
    by_stage: dict[int, list[PoolEdge]] = {}
    for e in edges:
        if not e[3]:
            by_stage.setdefault(net.stages.index(net.nodes[e[2]].stage), []).append(e)
    for stage in range(k + 1, len(net.stages)):
        inflow: dict[tuple[int, int], np.ndarray] = {}
        for src, c, target, _, to, tonnes in by_stage.get(stage, []):
            acc = inflow.setdefault((target, to), np.zeros(len(origins)))
            if (src, c) in comp:
                acc += tonnes * comp[(src, c)]
        for pool, mix in inflow.items():
            total = mix.sum()
            comp[pool] = mix / total if total > 0 else mix
    return comp, origins


def share_and_hhi(tonnes: dict[str, float]) -> tuple[dict[str, float], float]:
    """Shares of each origin (pseudo-origins included) and the HHI over real suppliers."""
    total = sum(tonnes.values())
    if total <= 0:
        return {}, float("nan")
    share_map = {o: t / total for o, t in sorted(tonnes.items(), key=lambda kv: -kv[1])}
    # Σ (100·s)² over real suppliers, pseudo-origins in the denominator only
    # (the definition of orechain.risk.concentration.hhi, without pandas per call)
    real = [s for o, s in share_map.items() if o not in PSEUDO_ORIGINS and s > 0]
    return share_map, float(sum((100.0 * s) ** 2 for s in real))


def to_json(result: ScenarioResult) -> dict[str, Any]:
    """The JSON document of ``orechain scenario run --json`` (see docs/scenarios.md)."""
    return {
        "scenario": result.scenario,
        "variant": result.variant,
        "focus_region": result.focus_region,
        "assumptions": list(result.assumptions),
        "data_sources": list(result.data_sources),
        "years": [_year_json(y, result.focus_region) for y in result.years],
        "summary": summarise(result),
        **result.extra,
    }


def _year_json(y: YearResult, focus: str) -> dict[str, Any]:
    reg = y.regions[focus]
    return {
        "year": y.year,
        "region": focus,
        "demand_t": reg.demand_t,
        "served_t": reg.served_t,
        "shortfall_t": reg.shortfall_t,
        "shortfall_by_sector": {s: o.shortfall_t for s, o in reg.sectors.items()},
        "supply_share_by_origin": reg.supply_share_by_origin,
        "supply_share_range_by_origin": _ranges_json(reg.supply_share_range_by_origin),
        "routing_samples": y.routing_samples,
        "price_index": reg.price_index,
        "consumer_cost_usd": reg.consumer_cost_usd,
        "demand_destroyed_t": reg.demand_destroyed_t,
        "hhi_by_stage": reg.hhi_by_stage,
        "binding_constraints": [asdict(b) for b in y.binding_constraints],
        "stage_utilisation": y.stage_utilisation,
        "cost": y.cost,
        "regions": {
            r: {
                "demand_t": v.demand_t,
                "served_t": v.served_t,
                "shortfall_t": v.shortfall_t,
                "origin_mix": v.supply_share_by_origin,
                "origin_mix_range": _ranges_json(v.supply_share_range_by_origin),
            }
            for r, v in y.regions.items()
        },
    }


def _ranges_json(
    ranges: dict[str, dict[str, tuple[float, float]]],
) -> dict[str, dict[str, list[float]]]:
    """Stage → origin → ``[lo, hi]``, origins by highest share first."""
    return {
        stage: {o: [lo, hi] for o, (lo, hi) in sorted(by.items(), key=lambda kv: -kv[1][1])}
        for stage, by in ranges.items()
    }


def summarise(result: ScenarioResult) -> dict[str, Any]:
    """Totals over the horizon for the focus region."""
    focus = [y.regions[result.focus_region] for y in result.years]
    demand = sum(r.demand_t for r in focus)
    short = sum(r.shortfall_t for r in focus)
    worst = max(result.years, key=lambda y: y.regions[result.focus_region].shortfall_t)
    return {
        "region": result.focus_region,
        "demand_t": demand,
        "shortfall_t": short,
        "shortfall_share": short / demand if demand > 0 else 0.0,
        "worst_year": worst.year,
        "worst_year_shortfall_t": worst.regions[result.focus_region].shortfall_t,
    }
