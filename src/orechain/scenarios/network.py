"""The (country, stage) supply network a scenario's linear programmes run on.

Nodes are processing steps in one country at one stage, with a capacity and a
yield converting input (the previous stage's basis) into output. Sinks are a
region's end use drawing on one stage. Links carry the upstream stage's output
to the next stage or to a sink. Networks come from the atlas
(:func:`orechain.scenarios.atlas_network.build_atlas_network`) or from a
scenario's explicit ``network`` block (:func:`network_from_spec`); new-capacity
mitigations add their nodes to either (:func:`add_mitigation_nodes`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from orechain.errors import InputError

if TYPE_CHECKING:
    from orechain.scenarios.spec import Scenario

logger = logging.getLogger(__name__)

LinkKind = Literal["contract", "spot", "offtake", "explicit"]


@dataclass(frozen=True)
class Node:
    """A processing node: one country at one stage."""

    country: str
    stage: str
    capacity_t: float
    """Capacity in the base year [t/yr, stage basis]."""
    base_t: float = 0.0
    """Base-year output [t/yr, stage basis]."""
    yield_: float = 1.0
    """Output per tonne of input (input in the previous stage's basis) [t/t]."""
    cost_per_t: float = 0.0
    """Processing cost [relative units per t]."""
    basis: str = ""
    mitigation: str | None = None
    """Id of the new-capacity mitigation that creates this node, if any."""
    label: str = ""

    @property
    def id(self) -> str:
        """Readable id, e.g. ``CHN separation`` or ``PAK separation (pk-sep)``."""
        if self.label:
            return self.label
        suffix = f" ({self.mitigation})" if self.mitigation else ""
        return f"{self.country} {self.stage}{suffix}"


@dataclass(frozen=True)
class Sink:
    """End use of one region, drawing on one stage's output."""

    region: str
    stage: str

    @property
    def id(self) -> str:
        """Readable id, e.g. ``USA end use of magnet``."""
        return f"{self.region} end use of {self.stage}"


@dataclass(frozen=True)
class Link:
    """A route from a node to a next-stage node or to a sink."""

    source: int
    target: int
    to_sink: bool
    capacity_t: float | None
    """Route capacity [t/yr, source basis]; None = limited only by the source node."""
    cost_per_t: float
    kind: LinkKind = "explicit"
    base_t: float = 0.0
    """Base-year flow the route was sized from [t/yr]."""


@dataclass(frozen=True)
class Network:
    """A built network; immutable, shared by every year and draw."""

    stages: tuple[str, ...]
    nodes: tuple[Node, ...]
    sinks: tuple[Sink, ...]
    links: tuple[Link, ...]
    commodity: str | None = None
    bases: dict[str, str] = field(default_factory=dict)
    """Stage → mass basis of its output."""
    base_demand: dict[tuple[str, str], float] = field(default_factory=dict)
    """(region, stage) → base-year flow to that sink, for ``tonnes: network`` demand [t]."""
    assumptions: tuple[str, ...] = ()
    data_sources: tuple[str, ...] = ()

    def node_index(self, country: str, stage: str, mitigation: str | None = None) -> int | None:
        """Index of a node, or None."""
        for i, n in enumerate(self.nodes):
            if (n.country, n.stage, n.mitigation) == (country, stage, mitigation):
                return i
        return None

    def sink_index(self, region: str, stage: str) -> int | None:
        """Index of a sink, or None."""
        for i, s in enumerate(self.sinks):
            if (s.region, s.stage) == (region, stage):
                return i
        return None

    def link_ends(self, link: Link) -> tuple[str, str]:
        """Ids of a link's source node and target node or sink."""
        src = self.nodes[link.source].id
        dst = self.sinks[link.target].id if link.to_sink else self.nodes[link.target].id
        return src, dst

    def link_name(self, link: Link) -> str:
        """Plain-words name of a link: ``CHN magnet → USA end use of magnet (contract)``."""
        src, dst = self.link_ends(link)
        kind = "" if link.kind == "explicit" else f" ({link.kind})"
        return f"{src} → {dst}{kind}"


def network_from_spec(scn: Scenario) -> Network:
    """Build the network a scenario defines explicitly (nodes, links, demand regions)."""
    assert scn.network is not None
    spec = scn.network
    stages = tuple(scn.stages)
    index = {n.id: i for i, n in enumerate(spec.nodes)}
    nodes = tuple(
        Node(
            n.country,
            n.stage,
            n.capacity_t,
            n.capacity_t if n.base_t is None else min(n.base_t, n.capacity_t),
            n.yield_,
            n.cost_per_t,
            label=n.id,
        )
        for n in spec.nodes
    )
    sinks: list[Sink] = []
    links = [_spec_link(link, index, nodes, sinks) for link in spec.links]
    return Network(stages, nodes, tuple(sinks), tuple(links), assumptions=())


def _spec_link(
    link: object, index: dict[str, int], nodes: tuple[Node, ...], sinks: list[Sink]
) -> Link:
    from orechain.scenarios.spec_blocks import LinkSpec

    assert isinstance(link, LinkSpec)
    src = index[link.source]
    if link.to in index:
        return Link(src, index[link.to], False, link.capacity_t, link.cost_per_t)
    sink = Sink(link.to, nodes[src].stage)
    if sink not in sinks:
        sinks.append(sink)
    return Link(src, sinks.index(sink), True, link.capacity_t, link.cost_per_t)


def add_mitigation_nodes(
    net: Network, scn: Scenario, spot_cost: float, offtake_cost: float
) -> Network:
    """Add one node per new-capacity mitigation, with its routes.

    The node buys input from every node of the previous stage at ``spot_cost``
    per tonne (it has no supply contracts yet) and sells to every node of the
    next stage and every sink on its own stage at ``offtake_cost`` (it is built
    against offtake agreements, so its output is taken before base contracts).
    With ``offtake`` countries, it sells only to their plants and end uses.
    """
    from orechain.scenarios.spec import NewCapacity

    nodes, links = list(net.nodes), list(net.links)
    for m in scn.mitigations:
        if not isinstance(m, NewCapacity):
            continue
        k = net.stages.index(m.stage)
        yield_ = _stage_yield(net, m.stage)
        nodes.append(
            Node(
                m.country, m.stage, 0.0, 0.0, yield_, m.cost_per_t, net.bases.get(m.stage, ""), m.id
            )
        )
        new = len(nodes) - 1
        routes = _mitigation_links(nodes, net.sinks, new, k, net.stages, (spot_cost, offtake_cost))
        links.extend(_to_offtakers(routes, nodes, net.sinks, new, set(m.offtake)))
    return replace(net, nodes=tuple(nodes), links=tuple(links))


def _to_offtakers(
    routes: list[Link], nodes: list[Node], sinks: tuple[Sink, ...], new: int, buyers: set[str]
) -> list[Link]:
    """Keep the new node's sales routes to its offtake buyers only (all if none named)."""
    if not buyers:
        return routes

    def allowed(link: Link) -> bool:
        if link.source != new:
            return True
        if link.to_sink:
            return sinks[link.target].region in buyers
        return nodes[link.target].country in buyers

    return [r for r in routes if allowed(r)]


def _stage_yield(net: Network, stage: str) -> float:
    yields = [n.yield_ for n in net.nodes if n.stage == stage]
    return yields[0] if yields else 1.0


def _mitigation_links(
    nodes: list[Node],
    sinks: tuple[Sink, ...],
    new: int,
    k: int,
    stages: tuple[str, ...],
    costs: tuple[float, float],
) -> list[Link]:
    buy, sell = costs
    out: list[Link] = []
    for i, n in enumerate(nodes[:new]):
        if k > 0 and n.stage == stages[k - 1]:
            out.append(Link(i, new, False, None, buy, "spot"))
        if k + 1 < len(stages) and n.stage == stages[k + 1]:
            out.append(Link(new, i, False, None, sell, "offtake"))
    out.extend(
        Link(new, j, True, None, sell, "offtake")
        for j, s in enumerate(sinks)
        if s.stage == stages[k]
    )
    return out


def check_network_covers(net: Network, scn: Scenario) -> None:
    """Every demand entry must have a sink; every disruption a node (InputError otherwise)."""
    last = net.stages[-1]
    for i, d in enumerate(scn.demand):
        if net.sink_index(d.region, d.stage or last) is None:
            msg = f"no route delivers {d.stage or last!r} to region {d.region!r}"
            raise InputError(msg, source=scn.source_path, field=f"demand.{i}.region")
    for i, dis in enumerate(scn.disruptions):
        stages = getattr(dis, "stages", None) or [getattr(dis, "stage", "")]
        if not any(net.node_index(dis.country, s) is not None for s in stages):
            msg = f"no {dis.country} node at stage {', '.join(stages)} in this network"
            raise InputError(msg, source=scn.source_path, field=f"disruptions.{i}.country")
