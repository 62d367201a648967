"""Element balance over the whole lot graph: no step puts out more of an element than came in.

A step's own check (:func:`check_step`) compares the assayed content of its
outputs with an *upper bound* of what its inputs can hold. An input's bound is
its assayed content when it has a grade for the element; otherwise the lot's
mass (capped by a rare-earth total such as REO when the element is one of its
parts) and the bound its own making step leaves after its assayed siblings,
recursively up the graph. Missing assays therefore never let content appear:
a 15 t magnet assayed at 90 % NdPr cannot come from 4.6 t of metal.

Untraced additions (iron, ferroboron) count for an element only through the
composition they declare (``Addition.grades``); without it they hold none.

When an assay (or a grade correction) arrives late, :func:`check_assay`
re-checks the step that made the lot and every step downstream of it with the
new grades, so a grade cannot be raised after the fact beyond what was drawn
upstream, nor lowered below what downstream lots were assayed to contain.

References
----------
.. [1] Brunner, P. H. & Rechberger, H. (2016). Handbook of Material Flow
   Analysis, 2nd ed., CRC Press, ch. 2 (mass balance principle, per substance).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from orechain.errors import InputError
from orechain.ledger import events as ev
from orechain.ledger.domain import LedgerState

__all__ = [
    "AGGREGATE_GRADES", "ASSAY_TOLERANCE", "RARE_EARTH_PARTS", "View", "check_assay",
    "check_step", "dependants", "forget", "known_grade", "step_draws", "step_outputs",
    "upper_content_t",
]  # fmt: skip

ASSAY_TOLERANCE = 0.02
"""Relative slack of the element balance [-]. ASSUMPTION: assays of one material by
different laboratories or methods differ by a few per cent (the trade "splitting
limit" for concentrates is of that order), far more than weighing (0.1 %); 2 %
still stops content appearing from nothing (item 13's 13.5 t NdPr from 4.9 t)."""

AGGREGATE_GRADES = frozenset({"REO", "TREO", "TREO+Y2O3", "HREO", "LREO"})
"""Grades that are totals of other grades (rare-earth oxide sums): a level of their own."""

_CAPPING = ("REO", "TREO", "TREO+Y2O3")
"""Totals that bound every rare-earth part (an element weighs less than its oxide)."""

RARE_EARTH_PARTS = frozenset({
    "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
    "Y", "Sc", "NdPr", "DyTb", "La2O3", "CeO2", "Pr6O11", "Nd2O3", "Sm2O3", "Dy2O3", "Tb4O7",
    "Y2O3", "NdPr oxide",
})  # fmt: skip
"""Grade names that are parts of a rare-earth total (elements and their oxides)."""


@dataclass(frozen=True)
class View:
    """The state as it would be with some lots' grades or masses replaced (a pending event)."""

    grades: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    quantity_t: Mapping[str, float] = field(default_factory=dict)
    affected: frozenset[str] = frozenset()
    """Lots whose bound the replaced values change (:func:`dependants`); their bounds,
    and every bound of a view that replaces values without naming them, bypass the memo."""

    def lot_grades(self, state: LedgerState, lot_id: str) -> Mapping[str, float]:
        """Grades of ``lot_id`` [-] in this view."""
        return self.grades.get(lot_id, state.lots[lot_id].grades)

    def lot_quantity(self, state: LedgerState, lot_id: str) -> float:
        """Mass of ``lot_id`` at creation [t] in this view."""
        return self.quantity_t.get(lot_id, state.lots[lot_id].quantity_t)


def known_grade(grades: Mapping[str, float], element: str) -> float | None:
    """The assayed grade of ``element`` [-], or None when unknown."""
    return grades.get(element)


def _cap(grades: Mapping[str, float], element: str) -> float:
    """Largest grade ``element`` can have given the lot's totals [-]."""
    if element in RARE_EARTH_PARTS:
        caps = [grades[k] for k in _CAPPING if k in grades]
        if caps:
            return min(caps)
    return 1.0


def step_outputs(event: ev.Event) -> tuple[ev.LotSpec, ...]:
    """Lots a process step created (none for other events)."""
    if isinstance(event, ev.Transform | ev.Split):
        return event.outputs
    if isinstance(event, ev.Merge):
        return (event.output,)
    return ()


def step_draws(state: LedgerState, event: ev.Event) -> dict[str, float]:
    """Mass each input lot gave to the recorded step ``event`` [t] (sum over its outputs)."""
    drawn: dict[str, float] = {}
    for spec in step_outputs(event):
        for parent, mass in state.lots[spec.lot_id].parents:
            drawn[parent] = drawn.get(parent, 0.0) + mass
    return drawn


def _additions(event: ev.Event) -> tuple[ev.Addition, ...]:
    return event.additions if isinstance(event, ev.Transform) else ()


def _additions_t(additions: Sequence[ev.Addition], element: str) -> float:
    """Declared content of untraced additions [t]; an addition without grades holds none."""
    return sum(a.quantity_t * (a.grades or {}).get(element, 0.0) for a in additions)


def _inputs_upper_t(
    state: LedgerState,
    draws: Iterable[tuple[str, float]],
    element: str,
    view: View,
    memo: dict[str, float],
) -> float:
    total = 0.0
    for lot_id, mass in draws:
        q = view.lot_quantity(state, lot_id)
        if q > 0:
            total += mass * upper_content_t(state, lot_id, element, view, memo) / q
    return total


def upper_content_t(
    state: LedgerState,
    lot_id: str,
    element: str,
    view: View | None = None,
    memo: dict[str, float] | None = None,
) -> float:
    """Most ``element`` the whole of ``lot_id`` can contain [t], given every assay in the graph."""
    view = view or View()
    memo = {} if memo is None else memo
    if lot_id in memo:
        return memo[lot_id]
    # Memoised bounds hold for the state as it is: a view that replaces values
    # only shares those of lots outside its ``affected`` set (none if it names none).
    replaces = bool(view.grades or view.quantity_t)
    shared = not replaces or (bool(view.affected) and lot_id not in view.affected)
    if shared and element in state.bounds.get(lot_id, {}):
        memo[lot_id] = state.bounds[lot_id][element]
        return memo[lot_id]
    memo[lot_id] = _upper(state, lot_id, element, view, memo)
    if shared:
        state.bounds.setdefault(lot_id, {})[element] = memo[lot_id]
    return memo[lot_id]


def _upper(
    state: LedgerState, lot_id: str, element: str, view: View, memo: dict[str, float]
) -> float:
    lot = state.lots[lot_id]
    q = view.lot_quantity(state, lot_id)
    grades = view.lot_grades(state, lot_id)
    grade = known_grade(grades, element)
    if grade is not None:
        return q * grade
    bound = q * _cap(grades, element)
    event = state.events.get(lot.created_by)
    if event is not None and lot.parents and step_outputs(event):
        into = _inputs_upper_t(state, step_draws(state, event).items(), element, view, memo)
        into += _additions_t(_additions(event), element)
        siblings = sum(
            view.lot_quantity(state, s.lot_id) * g
            for s in step_outputs(event)
            if s.lot_id != lot_id
            and (g := known_grade(view.lot_grades(state, s.lot_id), element)) is not None
        )
        bound = min(bound, max(into - siblings, 0.0))
    return bound


def dependants(state: LedgerState, lot_id: str) -> set[str]:
    """Lots whose upper bound depends on ``lot_id``'s grades or mass.

    The lot, the other outputs of the step that made it (their bound subtracts
    its assayed content) and everything downstream of any of them.
    """
    lot = state.lots[lot_id]
    made = state.events.get(lot.created_by)
    start = {lot_id} | {s.lot_id for s in step_outputs(made)} if made is not None else {lot_id}
    seen, stack = set(start), list(start)
    while stack:
        for child, _ in state.children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def forget(state: LedgerState, lot_id: str) -> None:
    """Drop memoised bounds that ``lot_id``'s new grades or mass make stale."""
    if state.bounds:
        for other in dependants(state, lot_id):
            state.bounds.pop(other, None)


def _refuse(element: str, where: str, out_t: float, in_t: float, tolerance: float) -> None:
    if out_t > in_t * (1 + tolerance) + 1e-9:
        msg = (
            f"contained {element} of {where} ({out_t:.6g} t) exceeds what its inputs can hold "
            f"({in_t:.6g} t, from their assays and masses upstream) by more than {tolerance:.3%}"
        )
        raise InputError(msg, field=f"grades.{element}")


def check_step(
    state: LedgerState,
    draws: Sequence[tuple[str, float]],
    outputs: Sequence[tuple[float, Mapping[str, float]]],
    *,
    additions: Sequence[ev.Addition] = (),
    tolerance: float,
    where: str = "the outputs",
    view: View | None = None,
    elements: frozenset[str] | None = None,
) -> None:
    """Check a step's assayed output content against its inputs' upper bounds, per element.

    ``elements`` limits the check to those elements (default: every assayed one).

    Raises
    ------
    InputError
        Naming the element and both masses [t].
    """
    view = view or View()
    assayed = {k for _, g in outputs for k in g}
    for element in sorted(assayed if elements is None else assayed & elements):
        out_t = sum(q * g[element] for q, g in outputs if element in g)
        in_t = _inputs_upper_t(state, draws, element, view, {}) + _additions_t(additions, element)
        _refuse(element, where, out_t, in_t, tolerance)


def _recorded_check(
    state: LedgerState,
    event: ev.Event,
    view: View,
    tolerance: float,
    elements: frozenset[str] | None,
) -> None:
    outputs = [
        (view.lot_quantity(state, s.lot_id), view.lot_grades(state, s.lot_id))
        for s in step_outputs(event)
    ]
    check_step(
        state, list(step_draws(state, event).items()), outputs, additions=_additions(event),
        tolerance=tolerance, where=f"the outputs of {event.event_id!r}", view=view,
        elements=elements,
    )  # fmt: skip


def _downstream_steps(state: LedgerState, lot_id: str) -> list[str]:
    seen, order, stack = {lot_id}, [], [lot_id]
    while stack:
        for child, _ in state.children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
                made = state.lots[child].created_by
                if made not in order:
                    order.append(made)
    return order


def check_assay(
    state: LedgerState,
    lot_id: str,
    grades: Mapping[str, float],
    *,
    tolerance: float,
    quantity_t: float | None = None,
) -> None:
    """Re-check the lot graph as if ``lot_id`` had ``grades`` (and mass ``quantity_t``).

    The step that made the lot and every step downstream of it must still balance,
    for the elements whose grade changes (all of them when a rare-earth total such
    as REO changes, as it bounds its parts, or when the mass changes). Grades the
    lot already has change nothing: the graph was checked when they were set.

    Raises
    ------
    InputError
        The first step whose output content would exceed its inputs' bound.
    """
    lot = state.lots[lot_id]
    changed = frozenset(k for k, v in grades.items() if lot.grades.get(k) != v)
    if not changed and quantity_t is None:
        return
    elements = None if quantity_t is not None or changed & set(_CAPPING) else changed
    view = View(
        {lot_id: {**lot.grades, **grades}},
        {lot_id: quantity_t} if quantity_t is not None else {},
        frozenset(dependants(state, lot_id)),
    )
    steps = [lot.created_by, *_downstream_steps(state, lot_id)]
    for event_id in steps:
        event = state.events.get(event_id)
        if event is not None and step_outputs(event):
            _recorded_check(state, event, view, tolerance, elements)
