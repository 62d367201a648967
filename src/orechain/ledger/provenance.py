"""Provenance: the lot graph upstream to extraction and downstream for recalls.

Origin shares follow the mass: a lot made from several inputs inherits, for each
value-chain stage, the inputs' country shares weighted by the mass drawn from each
[t]; the step that made it sets its own stage to the site's country. Untraced
additions (iron, reagents) carry no origin and are not counted. This is the
"mass-balance" attribution of ISO 22095 §5.4 applied along the graph.

References
----------
.. [1] ISO 22095:2020, "Chain of custody — General terminology and models".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from orechain.ledger import events as ev
from orechain.ledger.domain import LedgerState

UNKNOWN = "unknown"
"""Country key for mass whose origin at a stage is not recorded."""

Shares = dict[str, dict[str, float]]
"""stage → country (ISO3) → share of the lot's mass [-]."""

__all__ = [
    "Edge", "ElementShares", "Shares", "downstream", "element_grade", "element_origin_shares",
    "origin_report", "origin_shares", "upstream", "verified_share",
]  # fmt: skip


@dataclass(frozen=True)
class Edge:
    """``child`` was made (partly) from ``parent`` by ``event_id``, drawing ``mass_t`` [t]."""

    child: str
    parent: str
    event_id: str
    mass_t: float


def upstream(state: LedgerState, lot_id: str) -> list[Edge]:
    """All edges from ``lot_id`` back to extraction, breadth first."""
    state.lot(lot_id)
    out, seen, queue = [], {lot_id}, deque([lot_id])
    while queue:
        lot = state.lots[queue.popleft()]
        for parent, mass in lot.parents:
            out.append(Edge(lot.lot_id, parent, lot.created_by, mass))
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return out


def downstream(state: LedgerState, lot_id: str) -> list[Edge]:
    """All edges from ``lot_id`` forward to the lots made from it (recall scope)."""
    state.lot(lot_id)
    out, seen, queue = [], {lot_id}, deque([lot_id])
    while queue:
        parent = queue.popleft()
        for child, mass in state.children.get(parent, []):
            out.append(Edge(child, parent, state.lots[child].created_by, mass))
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return out


def creation_stage(state: LedgerState, lot_id: str) -> tuple[str, str] | None:
    """(stage, country) of the step that created ``lot_id``, if it was a stage of its own."""
    lot = state.lots[lot_id]
    event = state.events[lot.created_by]
    if isinstance(event, ev.Extract):
        return "mining", state.sites[event.site_id].country
    if isinstance(event, ev.Transform):
        return event.stage, state.sites[event.site_id].country
    return None


def _blend(parts: list[tuple[float, Shares]]) -> Shares:
    total = sum(m for m, _ in parts)
    out: Shares = {}
    if total <= 0:
        return out
    for stage in sorted({s for _, sh in parts for s in sh}):
        row: dict[str, float] = {}
        for mass, shares in parts:
            for country, share in shares.get(stage, {UNKNOWN: 1.0}).items():
                row[country] = row.get(country, 0.0) + mass / total * share
        out[stage] = row
    return out


def _origin(
    state: LedgerState,
    lot_id: str,
    element: str | None,
    memo: dict[str, Shares],
    fallback: list[str],
) -> Shares:
    """Origin shares of ``lot_id``, blending inputs by mass or by ``element`` content."""
    if lot_id in memo:
        return memo[lot_id]
    lot = state.lot(lot_id)
    weights = [m for _, m in lot.parents]
    if element is not None and len(lot.parents) > 1:
        grades = [element_grade(state, p, element) for p, _ in lot.parents]
        if any(g is None for g in grades):
            fallback.append(lot_id)
        else:
            weights = [m * (g or 0.0) for m, g in zip(weights, grades, strict=True)]
    parts = [
        (w, _origin(state, p, element, memo, fallback))
        for (p, _), w in zip(lot.parents, weights, strict=True)
    ]
    shares = _blend(parts)
    own = creation_stage(state, lot_id)
    if own is not None:
        shares[own[0]] = {own[1]: 1.0}
    memo[lot_id] = shares
    return shares


def origin_shares(
    state: LedgerState, lot_id: str, _memo: dict[str, Shares] | None = None
) -> Shares:
    """Country shares of each stage in ``lot_id``, propagated by mass through blends.

    Returns
    -------
    dict
        ``{stage: {ISO3: share}}``; each stage's shares sum to 1.
    """
    return _origin(state, lot_id, None, {} if _memo is None else _memo, [])


def element_grade(state: LedgerState, lot_id: str, element: str) -> float | None:
    """The assayed grade of ``element`` in ``lot_id`` [-]; a split part has its parent's.

    None when no assay of the lot (or of the lot it was split from) reports it.
    """
    lot = state.lots[lot_id]
    if element in lot.grades:
        return lot.grades[element]
    event = state.events.get(lot.created_by)
    if isinstance(event, ev.Split):
        return element_grade(state, event.lot_id, element)
    return None


@dataclass(frozen=True)
class ElementShares:
    """Origin shares weighted by an element's content, and where mass had to stand in."""

    element: str
    shares: Shares
    """stage → country → share of the lot's ``element`` content [-]."""
    mass_weighted_at: tuple[str, ...]
    """Lots whose inputs were blended by mass because one of them had no assay of the element."""


def element_origin_shares(state: LedgerState, lot_id: str, element: str) -> ElementShares:
    """Country shares of each stage by the ``element`` content drawn from each input.

    A blend of a rich and a lean input takes most of its element from the rich
    one: weighting by mass would misstate where the NdPr, Sb or Cu came from.
    Where an input of a blend has no assay of the element, that blend falls
    back to mass and is listed in :attr:`ElementShares.mass_weighted_at`.
    """
    fallback: list[str] = []
    shares = _origin(state, lot_id, element, {}, fallback)
    return ElementShares(element, shares, tuple(fallback))


def origin_report(state: LedgerState, lot_id: str, element: str | None = None) -> dict[str, Any]:
    """Origin shares of ``lot_id`` with what they are weighted by (CLI and REST answer).

    ``weighted_by`` is ``mass`` or ``<element> content``; ``mass_weighted_at``
    lists the blends where mass stood in for a missing assay of the element.
    """
    fallback: tuple[str, ...] = ()
    if element is None:
        shares = origin_shares(state, lot_id)
    else:
        found = element_origin_shares(state, lot_id, element)
        shares, fallback = found.shares, found.mass_weighted_at
    return {
        "lot_id": lot_id,
        "weighted_by": "mass" if element is None else f"{element} content",
        "mass_weighted_at": list(fallback),
        "origin_shares": shares,
    }


def _certified(state: LedgerState, lot_id: str) -> bool:
    for event_id in state.lots[lot_id].events:
        event = state.events[event_id]
        if isinstance(event, ev.Certify) and event.claim == "verified-origin":
            return True
    return False


def verified_share(state: LedgerState, lot_id: str, _memo: dict[str, float] | None = None) -> float:
    """Share of the lot's mass whose origin a certifier verified (``verified-origin``) [-].

    A certified lot counts whole; otherwise its parents' verified shares blend by
    drawn mass; an uncertified extraction lot counts zero.
    """
    memo = {} if _memo is None else _memo
    if lot_id not in memo:
        lot = state.lot(lot_id)
        total = sum(m for _, m in lot.parents)
        if _certified(state, lot_id):
            memo[lot_id] = 1.0
        elif total <= 0:
            memo[lot_id] = 0.0
        else:
            memo[lot_id] = sum(m * verified_share(state, p, memo) for p, m in lot.parents) / total
    return memo[lot_id]
