"""The yearly linear programme, built one constraint family at a time.

Variables (all ≥ 0): ``f_l`` flow on link ``l`` [t, source basis]; ``x_n``
output of node ``n`` [t, node basis]; ``u_p`` served demand of demand point
``p`` [t]; ``s_k`` release of stockpile ``k``; ``r_k`` recycled supply of
mitigation ``k``. Each ``define_*`` function adds one family of rows and states
its inequality; the layout follows PyPSA's ``optimization/constraints.py``.

References
----------
Brown, T., Hörsch, J. & Schlachtberger, D. (2018), PyPSA: Python for Power
System Analysis, J. Open Research Software 6(1), doi:10.5334/jors.188.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from orechain.scenarios.inputs import DemandPoint, Restriction, YearInputs, recyclers, stockpiles
from orechain.scenarios.network import Network
from orechain.scenarios.observed import LABEL, network_stage, observed_links
from orechain.scenarios.origin import OriginTags, in_links, node_classes
from orechain.scenarios.spec import Scenario

INF = float("inf")


@dataclass
class LinearProgram:
    """A sparse LP under construction: columns with bounds, rows with families and names."""

    col_lower: list[float] = field(default_factory=list)
    col_upper: list[float] = field(default_factory=list)
    col_cost: list[float] = field(default_factory=list)
    col_weight: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    row_family: list[str] = field(default_factory=list)
    row_name: list[str] = field(default_factory=list)
    entries: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def add_columns(
        self, upper: np.ndarray, cost: np.ndarray, weight: float | np.ndarray = 0.0
    ) -> np.ndarray:
        """Append columns with bounds [0, upper]; return their indices."""
        start = len(self.col_upper)
        n = len(upper)
        self.col_lower += [0.0] * n
        self.col_upper += [float(u) for u in upper]
        self.col_cost += [float(c) for c in np.broadcast_to(cost, (n,))]
        self.col_weight += [float(w) for w in np.broadcast_to(weight, (n,))]
        return np.arange(start, start + n)

    def add_row(
        self, family: str, name: str, cols: list[int], vals: list[float], lower: float, upper: float
    ) -> None:
        """Append one row ``lower ≤ Σ vals·x[cols] ≤ upper``."""
        self.row_family.append(family)
        self.row_name.append(name)
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        self.entries.append((np.asarray(cols, dtype=np.int32), np.asarray(vals, dtype=float)))


@dataclass(frozen=True)
class Layout:
    """Column index ranges of each variable block."""

    flow: np.ndarray
    output: np.ndarray
    served: np.ndarray
    stock: np.ndarray
    recycled: np.ndarray
    origin: OriginTags | None = None
    """Origin-class columns of origin-traced restrictions (None when none is active)."""


def define_variables(
    lp: LinearProgram, net: Network, scn: Scenario, points: list[DemandPoint], inp: YearInputs
) -> Layout:
    """Columns: link flows ≤ route capacity, node outputs, served ≤ demand, stock, recycling."""
    caps = np.array([INF if link.capacity_t is None else link.capacity_t for link in net.links])
    costs = np.array([link.cost_per_t for link in net.links])
    flow = lp.add_columns(caps, costs)
    output = lp.add_columns(
        np.full(len(net.nodes), INF), np.array([n.cost_per_t for n in net.nodes])
    )
    weights = np.array([p.weight for p in points])
    served = lp.add_columns(inp.demand, np.zeros(len(points)), weights)
    stock = lp.add_columns(
        np.full(len(inp.stock_available), INF),
        np.full(len(inp.stock_available), scn.options.stockpile_cost),
    )
    recycled = lp.add_columns(
        np.full(len(inp.recycling_cap), INF),
        np.full(len(inp.recycling_cap), scn.options.recycling_cost),
    )
    return Layout(flow, output, served, stock, recycled)


def define_capacity_constraints(
    lp: LinearProgram, net: Network, lay: Layout, inp: YearInputs
) -> None:
    """Existing capacity: ``x_n ≤ C_n · (1 + g)^(t − t0)`` for every atlas/explicit node."""
    for i, node in enumerate(net.nodes):
        if node.mitigation is None:
            lp.add_row(
                "capacity",
                f"{node.id} capacity",
                [int(lay.output[i])],
                [1.0],
                -INF,
                float(inp.capacity[i]),
            )


def define_new_capacity_constraints(
    lp: LinearProgram, net: Network, lay: Layout, inp: YearInputs
) -> None:
    """New capacity on its ramp: ``x_m ≤ min(T · ramp[t − t_start], B · (t − t_start + 1))``."""
    for i, node in enumerate(net.nodes):
        if node.mitigation is not None:
            name = f"{node.id} new capacity ramp"
            lp.add_row(
                "new_capacity", name, [int(lay.output[i])], [1.0], -INF, float(inp.capacity[i])
            )


def define_outage_constraints(
    lp: LinearProgram, net: Network, lay: Layout, inp: YearInputs
) -> None:
    """Outage: ``x_n ≤ (1 − share) · C_n(t)`` while the outage lasts."""
    for node, share, did in inp.outages:
        name = f"{net.nodes[node].id} outage ({did})"
        lp.add_row(
            "outage",
            name,
            [int(lay.output[node])],
            [1.0],
            -INF,
            (1 - share) * float(inp.capacity[node]),
        )


def define_balance_constraints(lp: LinearProgram, net: Network, lay: Layout) -> None:
    """Flow conservation: ``Σ_out f_l = x_n``; past the first stage ``x_n = y_n · Σ_in f_l``."""
    outs: list[list[int]] = [[] for _ in net.nodes]
    ins: list[list[int]] = [[] for _ in net.nodes]
    for li, link in enumerate(net.links):
        outs[link.source].append(int(lay.flow[li]))
        if not link.to_sink:
            ins[link.target].append(int(lay.flow[li]))
    for i, node in enumerate(net.nodes):
        x = int(lay.output[i])
        lp.add_row(
            "balance", f"{node.id} outflow", [*outs[i], x], [1.0] * len(outs[i]) + [-1.0], 0.0, 0.0
        )
        if net.stages.index(node.stage) > 0:
            vals = [-node.yield_] * len(ins[i]) + [1.0]
            lp.add_row("balance", f"{node.id} input", [*ins[i], x], vals, 0.0, 0.0)


def define_demand_constraints(
    lp: LinearProgram, net: Network, scn: Scenario, points: list[DemandPoint], lay: Layout
) -> None:
    """Sink balance: ``Σ_p u_p ≤ Σ_in f_l + Σ s_k + Σ r_k`` (``u_p ≤ D_p`` is a bound)."""
    for j, sink in enumerate(net.sinks):
        cols = [
            int(lay.flow[li])
            for li, link in enumerate(net.links)
            if link.to_sink and link.target == j
        ]
        vals = [-1.0] * len(cols)
        cols += [int(lay.served[p]) for p, pt in enumerate(points) if pt.sink == j]
        vals += [1.0] * (len(cols) - len(vals))
        for k, s in enumerate(stockpiles(scn)):
            if s.region == sink.region and (s.stage or net.stages[-1]) == sink.stage:
                cols.append(int(lay.stock[k]))
                vals.append(-1.0)
        for k, r in enumerate(recyclers(scn)):
            if r.region == sink.region and (r.stage or net.stages[-1]) == sink.stage:
                cols.append(int(lay.recycled[k]))
                vals.append(-1.0)
        lp.add_row("demand", f"{sink.id} supply", cols, vals, -INF, 0.0)


def define_export_restriction_constraints(
    lp: LinearProgram, net: Network, lay: Layout, inp: YearInputs
) -> None:
    """Export restriction: ``Σ_{l ∈ restricted} f_l ≤ (1 − share) · E_ref``.

    ``E_ref`` is the flow the same links carry in the same year without any
    disruption, so a share of 0 leaves the optimum unchanged and a share of 1
    stops the exports.
    """
    for r in inp.restrictions:
        if r.trace != "direct" or len(r.links) == 0:
            continue
        src = net.nodes[net.links[int(r.links[0])].source]
        stages = sorted({net.nodes[net.links[int(i)].source].stage for i in r.links})
        name = f"{src.country} {'/'.join(stages)} export restriction ({r.id})"
        cols = [int(lay.flow[i]) for i in r.links]
        bound = (1 - r.share) * inp.restriction_base.get(r.id, 0.0)
        lp.add_row("export_restriction", name, cols, [1.0] * len(cols), -INF, bound)


def define_origin_restriction_constraints(
    lp: LinearProgram, net: Network, lay: Layout, inp: YearInputs
) -> OriginTags | None:
    """Origin-traced restriction: ``Σ_{l entering T} Σ_{c ∋ r} g_lc ≤ (1 − share) · E_ref``.

    Adds the class columns ``f_l = Σ_c g_lc`` on links that can carry more than
    one origin class and the class balance ``Σ_out g_lc = y_n Σ_in Σ_{c'∪taint_n=c}
    g_lc'`` at nodes with more than one output class
    (:mod:`orechain.scenarios.origin`). ``E_ref`` is the restricted-origin flow
    into the destinations in the same year without disruption.
    """
    active = [r for r in inp.restrictions if r.trace == "origin" and len(r.tainted)]
    if not active:
        return None
    taint, classes = node_classes(net, active)
    columns: dict[tuple[int, int], int] = {}
    for li, link in enumerate(net.links):
        cs = classes[link.source]
        if len(cs) > 1:
            new = [int(c) for c in lp.add_columns(np.full(len(cs), INF), np.zeros(len(cs)))]
            columns.update({(li, c): col for c, col in zip(cs, new, strict=True)})
            name = f"{net.link_name(link)} origin classes"
            lp.add_row(
                "origin_split", name, [int(lay.flow[li]), *new], [1.0] + [-1.0] * len(new), 0.0, 0.0
            )
    tags = OriginTags(tuple(active), taint, classes, columns)
    _define_class_balance(lp, net, lay, tags)
    for k, r in enumerate(active):
        cols = [
            col
            for li in r.links.tolist()
            for c in classes[net.links[li].source]
            if c >> k & 1 and (col := _class_column(net, lay, tags, li, c)) is not None
        ]
        if cols:
            bound = (1 - r.share) * inp.restriction_base.get(r.id, 0.0)
            lp.add_row(
                "export_restriction", _origin_name(net, r), cols, [1.0] * len(cols), -INF, bound
            )
    return tags


def _origin_name(net: Network, r: Restriction) -> str:
    country = net.nodes[int(r.tainted[0])].country
    stages = [s for s in net.stages if any(net.nodes[int(i)].stage == s for i in r.tainted)]
    return f"{country} {'/'.join(stages)} export restriction, origin-traced ({r.id})"


def _class_column(net: Network, lay: Layout, tags: OriginTags, li: int, c: int) -> int | None:
    """Column of class ``c`` on link ``li``: its class column, the link itself, or none."""
    col = tags.columns.get((li, c))
    if col is not None:
        return col
    return int(lay.flow[li]) if tags.classes[net.links[li].source] == (c,) else None


def _define_class_balance(lp: LinearProgram, net: Network, lay: Layout, tags: OriginTags) -> None:
    """Class balance at each node whose output carries more than one origin class."""
    ins = in_links(net)
    outs: list[list[int]] = [[] for _ in net.nodes]
    for li, link in enumerate(net.links):
        outs[link.source].append(li)
    for i, node in enumerate(net.nodes):
        if len(tags.classes[i]) < 2:
            continue
        for c in tags.classes[i]:
            cols = [tags.columns[(li, c)] for li in outs[i]]
            vals = [1.0] * len(cols)
            for li in ins[i]:
                for c_in in tags.classes[net.links[li].source]:
                    col = _class_column(net, lay, tags, li, c_in)
                    if c_in | int(tags.taint[i]) == c and col is not None:
                        cols.append(col)
                        vals.append(-node.yield_)
            tags.rows[(i, c)] = len(lp.row_upper)
            lp.add_row("origin_balance", f"{node.id} origin class {c}", cols, vals, 0.0, 0.0)


def define_observed_flow_constraints(
    lp: LinearProgram, net: Network, scn: Scenario, lay: Layout, inp: YearInputs
) -> None:
    """Observed (ledger) flow: ``Σ_{l: origin at stage → buyer} f_l = T_obs`` in its year.

    ``T_obs`` is what the buyer received from that origin in the ledger
    (:mod:`orechain.scenarios.observed`); other years are left to the model.
    """
    obs = scn.observed
    if obs is None or obs.flows is None or inp.year != obs.year:
        return
    for flow in obs.flows:
        links = observed_links(net, scn, flow)
        if links:
            stage = network_stage(net.stages, flow.stage)
            name = f"{flow.origin} {stage} → {obs.buyer} {LABEL}"
            cols = [int(lay.flow[li]) for li in links]
            lp.add_row("observed", name, cols, [1.0] * len(cols), flow.tonnes, flow.tonnes)


def define_stockpile_constraints(
    lp: LinearProgram, scn: Scenario, lay: Layout, inp: YearInputs
) -> None:
    """Stockpile release: ``s_k ≤ min(stock left, max release per year)``."""
    for k, s in enumerate(stockpiles(scn)):
        lp.add_row(
            "stockpile",
            f"{s.region} stockpile ({s.id})",
            [int(lay.stock[k])],
            [1.0],
            -INF,
            float(inp.stock_available[k]),
        )


def define_recycling_constraints(
    lp: LinearProgram, scn: Scenario, lay: Layout, inp: YearInputs
) -> None:
    """Recycling: ``r_k ≤ share · Σ_p∈region D_p``."""
    for k, r in enumerate(recyclers(scn)):
        lp.add_row(
            "recycling",
            f"{r.region} recycling ({r.id})",
            [int(lay.recycled[k])],
            [1.0],
            -INF,
            float(inp.recycling_cap[k]),
        )


def build_lp(
    net: Network, scn: Scenario, points: list[DemandPoint], inp: YearInputs
) -> tuple[LinearProgram, Layout]:
    """The LP of one year: every constraint family in turn."""
    lp = LinearProgram()
    lay = define_variables(lp, net, scn, points, inp)
    define_capacity_constraints(lp, net, lay, inp)
    define_new_capacity_constraints(lp, net, lay, inp)
    define_outage_constraints(lp, net, lay, inp)
    define_balance_constraints(lp, net, lay)
    define_demand_constraints(lp, net, scn, points, lay)
    define_export_restriction_constraints(lp, net, lay, inp)
    tags = define_origin_restriction_constraints(lp, net, lay, inp)
    define_observed_flow_constraints(lp, net, scn, lay, inp)
    define_stockpile_constraints(lp, scn, lay, inp)
    define_recycling_constraints(lp, scn, lay, inp)
    return lp, replace(lay, origin=tags)
