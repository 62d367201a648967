"""Origin-tagged flows: restrictions that follow material through third countries.

An origin-traced export restriction (``trace: origin``, the default) binds the
material a country made at the restricted stages wherever it goes next: oxide
separated in China, made into metal in Japan and magnets in Vietnam, is still
Chinese-origin oxide when it reaches the United States. The year LP models
this as a multi-commodity flow over the restricted origins (Ahuja, Magnanti &
Orlin 1993, ch. 17), aggregated for the rest:

- an origin *class* is the set of active origin-traced restrictions a tonne is
  tainted for (a bit mask); a tonne leaving a node of country X at a stage in
  S_r gains bit r, and keeps every bit it came in with;
- each node's reachable classes are propagated once down the chain, so a link
  is split into class columns ``g_lc`` (``f_l = Σ_c g_lc``) only where material
  of more than one class can travel on it — everywhere else the link is its
  own single class and needs no new column;
- class balance at every node with more than one output class:
  ``Σ_out g_lc = y_n Σ_in Σ_{c' : c' ∪ taint_n = c} g_lc'``;
- restriction r: ``Σ_{l entering T_r} Σ_{c ∋ r} g_lc ≤ (1 − share) · E_ref``,
  where a link *enters* the destinations T_r when it ends there and starts
  outside them, so each tonne is counted once.

Unlike the proportional-sharing trace (every node a well-mixed pool), a plant
may keep restricted-origin material apart from the rest (a segregated supply
chain); origin mixes are then traced per class pool, consistent with the LP.

References
----------
Ahuja, R. K., Magnanti, T. L. & Orlin, J. B. (1993), Network Flows, Prentice
Hall, ch. 17 (multicommodity flows).
Bialek, J. (1996), Tracing the flow of electricity, IEE Proc. Gener. Transm.
Distrib. 143(4), 313–320, doi:10.1049/ip-gtd:19960461 (proportional sharing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from orechain.scenarios.inputs import Restriction
from orechain.scenarios.network import Network


@dataclass(frozen=True)
class PriceTerms:
    """Index arrays of :meth:`OriginTags.node_prices` for one layout (fixed per template)."""

    node: np.ndarray
    """Node of each (node, class) pair."""
    pair: np.ndarray
    """Pair of each flow term."""
    col: np.ndarray
    """Column of each flow term."""
    pair_row: np.ndarray
    """Class-balance row of each pair."""
    used: np.ndarray
    """Nodes with pairs."""
    count: np.ndarray
    """Pairs of each of ``used``."""


@dataclass(frozen=True)
class OriginTags:
    """Origin classes of one year's LP: per-node taint, reachable classes, class columns."""

    restrictions: tuple[Restriction, ...]
    """The active origin-traced restrictions; restriction k is bit ``1 << k``."""
    taint: np.ndarray
    """Bit mask each node adds to what passes through it."""
    classes: tuple[tuple[int, ...], ...]
    """Classes of each node's output (sorted)."""
    columns: dict[tuple[int, int], int]
    """(link, class) → column of that class's flow, for links carrying several classes."""
    rows: dict[tuple[int, int], int] = field(default_factory=dict)
    """(node, class) → row of that class's balance, for nodes with several output classes."""
    price_terms: list[tuple[Network, np.ndarray, PriceTerms]] = field(
        default_factory=list, compare=False, repr=False
    )
    """Index arrays of :meth:`node_prices` for the last layout it was asked about (one)."""

    def node_prices(
        self,
        net: Network,
        node_price: np.ndarray,
        row_dual: np.ndarray,
        x: np.ndarray,
        flow_cols: np.ndarray,
    ) -> np.ndarray:
        """Price of each node's output with its class rows counted [relative units/t].

        Rows of ``node_price``, ``row_dual`` and ``x`` may be many solutions.
        One more tonne of class ``c`` at node ``n`` relaxes both the node's outflow
        row and its class-``c`` balance row, so its value is the sum of their
        duals; a node's price is the class-output-weighted mean of those values.
        """
        out = np.array(node_price, dtype=float)
        t = self._price_terms(net, flow_cols)
        if not len(t.node):
            return out
        nodes = len(net.nodes)
        w = _binned(x[..., t.col], t.pair, len(t.pair_row))
        duals = row_dual[..., t.pair_row]
        total = _binned(w, t.node, nodes)[..., t.used]
        value = _binned(w * duals, t.node, nodes)[..., t.used]
        mean = _binned(duals, t.node, nodes)[..., t.used] / t.count
        heavy = total > 1e-9
        out[..., t.used] += np.where(heavy, value / np.where(heavy, total, 1.0), mean)
        return out

    def _price_terms(self, net: Network, flow_cols: np.ndarray) -> PriceTerms:
        """Index arrays of :meth:`node_prices`, kept for the last layout (a draw's template)."""
        for kept_net, kept_cols, kept in self.price_terms:
            if kept_net is net and kept_cols is flow_cols:
                return kept
        outs: dict[int, list[int]] = {}
        for li, link in enumerate(net.links):
            outs.setdefault(link.source, []).append(li)
        node: list[int] = []
        pair_row: list[int] = []
        pair: list[int] = []
        col: list[int] = []
        for i, classes in enumerate(self.classes):
            if len(classes) < 2:
                continue
            for c in classes:
                p = len(pair_row)
                node.append(i)
                pair_row.append(self.rows[(i, c)])
                for li in outs.get(i, []):
                    j = class_column(self, flow_cols, li, c, i)
                    if j is not None:
                        pair.append(p)
                        col.append(j)
        nodes = np.asarray(node, dtype=np.intp)
        used, count = np.unique(nodes, return_counts=True)
        terms = PriceTerms(
            node=nodes,
            pair=np.asarray(pair, dtype=np.intp),
            col=np.asarray(col, dtype=np.intp),
            pair_row=np.asarray(pair_row, dtype=np.intp),
            used=used,
            count=count,
        )
        self.price_terms[:] = [(net, flow_cols, terms)]  # one layout at a time
        return terms


def _binned(values: np.ndarray, bins: np.ndarray, n: int) -> np.ndarray:
    """Sums of ``values`` (last axis) into ``n`` bins, in order (as ``np.bincount``), per row."""
    out = np.zeros((n, *values.shape[:-1]))
    np.add.at(out, bins, np.moveaxis(values, -1, 0))
    return np.moveaxis(out, 0, -1)


def node_classes(
    net: Network, restrictions: list[Restriction]
) -> tuple[np.ndarray, tuple[tuple[int, ...], ...]]:
    """Taint mask of each node and the classes its output can carry (forward, by stage)."""
    taint = np.zeros(len(net.nodes), dtype=np.int64)
    for k, r in enumerate(restrictions):
        taint[r.tainted] |= 1 << k
    ins = in_links(net)
    classes: list[set[int]] = [set() for _ in net.nodes]
    for i in stage_order(net):
        came = {c for li in ins[i] for c in classes[net.links[li].source]} or {0}
        classes[i] = {c | int(taint[i]) for c in came}
    return taint, tuple(tuple(sorted(c)) for c in classes)


def class_flow(
    tags: OriginTags, x: np.ndarray, flow_cols: np.ndarray, li: int, c: int, source: int
) -> float:
    """Flow of class ``c`` on link ``li`` in a solution ``x`` [t]."""
    col = class_column(tags, flow_cols, li, c, source)
    return 0.0 if col is None else float(x[col])


def class_column(
    tags: OriginTags, flow_cols: np.ndarray, li: int, c: int, source: int
) -> int | None:
    """Column holding the flow of class ``c`` on link ``li``; None when none can carry it."""
    col = tags.columns.get((li, c))
    if col is not None:
        return col
    return int(flow_cols[li]) if tags.classes[source] == (c,) else None


def in_links(net: Network) -> list[list[int]]:
    """Links into each node (not into sinks)."""
    ins: list[list[int]] = [[] for _ in net.nodes]
    for li, link in enumerate(net.links):
        if not link.to_sink:
            ins[link.target].append(li)
    return ins


def stage_order(net: Network) -> list[int]:
    """Node indices, upstream stages first."""
    return sorted(range(len(net.nodes)), key=lambda i: net.stages.index(net.nodes[i].stage))


def undisrupted_base(net: Network, flows: np.ndarray, r: Restriction) -> float:
    """E_ref of an origin-traced restriction: tainted tonnes entering its destinations [t].

    Read from the undisrupted solution with every node a well-mixed pool
    (proportional sharing): the share of restricted origin in each node's
    output times the flow on each entering link.
    """
    frac = np.zeros(len(net.nodes))
    frac[r.tainted] = 1.0
    fixed = set(r.tainted.tolist())
    ins = in_links(net)
    for i in stage_order(net):
        total = sum(float(flows[li]) for li in ins[i])
        if i not in fixed and total > 0:
            frac[i] = sum(float(flows[li]) * frac[net.links[li].source] for li in ins[i]) / total
    return float(sum(float(flows[li]) * frac[net.links[li].source] for li in r.links.tolist()))


PoolEdge = tuple[int, int, int, bool, int, float]
"""(source node, source class, target node or sink, to_sink, target class, tonnes)."""


def link_pool_edges(
    net: Network,
    flows: np.ndarray,
    tags: OriginTags | None = None,
    x: np.ndarray | None = None,
    flow_cols: np.ndarray | None = None,
) -> dict[int, list[PoolEdge]]:
    """Link index → its pool edges (one per origin class it carries), links with flow only.

    Kept per link so that what a single link carries can be traced with the
    same pools as each region's supply (:func:`orechain.scenarios.results.link_origins`).
    """
    out: dict[int, list[PoolEdge]] = {}
    for li, link in enumerate(net.links):
        f = float(flows[li])
        if f <= 0:
            continue
        if tags is None or x is None or flow_cols is None:
            out[li] = [(link.source, 0, link.target, link.to_sink, 0, f)]
            continue
        edges = out.setdefault(li, [])
        for c in tags.classes[link.source]:
            v = class_flow(tags, x, flow_cols, li, c, link.source)
            if v > 1e-9:
                to = c if link.to_sink else c | int(tags.taint[link.target])
                edges.append((link.source, c, link.target, link.to_sink, to, v))
    return out


def pool_edges(by_link: dict[int, list[PoolEdge]]) -> list[PoolEdge]:
    """All flows between pools, from :func:`link_pool_edges`."""
    return [e for edges in by_link.values() for e in edges]
