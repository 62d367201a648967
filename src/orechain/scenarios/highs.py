"""Solving a :class:`~orechain.scenarios.constraints.LinearProgram` with HiGHS.

Quantity mode (:func:`solve_lp`), lexicographically. Stage 1 maximises
priority-weighted served demand ``Σ w_p u_p``. Stage 1b keeps that optimum
and shares a shortage between buyers of equal priority in proportion to their
demand, instead of the one the simplex happens to visit first taking all of
it: each tie group's stage-1 total is split by size in closed form
(:func:`_shared`); only where that misses the optimum, the served vector with
``Σ w_p u_p ≥ z* − ε`` minimising ``Σ_p (D_p − u_p)² / D_p`` (a QP) is taken.
Stage 2 fixes ``u`` and minimises cost
``Σ c_j x_j``. The duals reported are stage 1's: the gain in weighted served
demand per extra unit of a constraint's right-hand side — which constraints are
the chokepoints.

Price mode uses the same three stages: the weights are then the welfare
coefficients of :mod:`orechain.scenarios.market` (value of each demand step,
minus every cost), and stage 1's row duals are prices.

References
----------
Huangfu, Q. & Hall, J. A. J. (2018), Parallelizing the dual revised simplex
method, Math. Prog. Comp. 10, 119–142, doi:10.1007/s12532-017-0130-5 (HiGHS).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import cast

import highspy
import numpy as np

from orechain.errors import InfeasibleScenarioError
from orechain.scenarios.constraints import INF, LinearProgram
from orechain.scenarios.vertex import Bounds, QuadraticCache, Vertex, VertexCache, dense_matrix

logger = logging.getLogger(__name__)

TOL = 1e-9
"""Relative tolerance of the stage-1 optimum fixed in stage 2."""

QP_ITERATION_LIMIT = 500
"""Iterations after which the tie QP counts as stalled (the max-min LP then decides).

Measured on the bundled scenarios' Monte Carlo draws (2026-12-02): every QP
that reached its optimum did so within 16 iterations; the others cycled on a
degenerate face up to any limit (5,000 before, ~75 ms per draw-year). 500
keeps a 30-fold margin and gives the same answers as 5,000 on those draws.
"""


@dataclass(frozen=True)
class Solution:
    """Primal values and stage-1 duals of one solved LP."""

    x: np.ndarray
    row_dual: np.ndarray
    """Stage-1 row duals, sign-flipped to 'weighted tonnes served per unit of RHS' (≥ 0)."""
    col_dual: np.ndarray
    weighted_served: float
    cost: float
    price_dual: np.ndarray | None = None
    """Row duals of the cost (or welfare) stage, sign-flipped to 'cost per unit of RHS'.

    For a supply row at a sink this is the delivered price of one more tonne.
    """


def _highs_lp(lp: LinearProgram, cost: np.ndarray) -> highspy.HighsLp:
    model = highspy.HighsLp()
    model.num_col_ = len(lp.col_upper)
    model.num_row_ = len(lp.row_upper)
    model.col_cost_ = cost
    model.col_lower_ = np.asarray(lp.col_lower)
    model.col_upper_ = np.asarray(lp.col_upper)
    model.row_lower_ = np.asarray(lp.row_lower)
    model.row_upper_ = np.asarray(lp.row_upper)
    start, index, value = _matrix(lp.entries)
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = start
    model.a_matrix_.index_ = index
    model.a_matrix_.value_ = value
    return model


Entries = list[tuple[np.ndarray, np.ndarray]]

_MATRICES: dict[int, tuple[Entries, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
"""Row-wise arrays of recently passed matrices, by the identity of their entry list."""


def _matrix(entries: Entries) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``entries`` as row-wise start, index and value arrays.

    Monte Carlo draws share their template's entry list (bounds-only
    programmes, :mod:`orechain.scenarios.drawbounds`), and each draw-year
    passes it to HiGHS two or three times: the arrays are kept by the list's
    identity (the list itself is held, so its id cannot be reused) and
    rebuilt if it has grown. A few hundred matrices at most are kept.
    """
    kept = _MATRICES.get(id(entries))
    if kept is not None and kept[0] is entries and len(kept[1][0]) == len(entries) + 1:
        return kept[1]
    lengths = [len(c) for c, _ in entries]
    arrays = (
        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32),
        np.concatenate([c for c, _ in entries]).astype(np.int32),
        np.concatenate([v for _, v in entries]),
    )
    if len(_MATRICES) >= 256:
        _MATRICES.clear()
    _MATRICES[id(entries)] = (entries, arrays)
    return arrays


@cache
def _new_highs() -> highspy.Highs:
    """One silent HiGHS instance per process, reused by every solve (passModel resets it)."""
    return silent_highs()


def silent_highs() -> highspy.Highs:
    """A new single-threaded HiGHS instance that prints nothing.

    HiGHS writes a banner to C-level stdout when an instance is made, which
    would corrupt ``--json`` output; stdout's file descriptor is pointed at
    /dev/null for the construction.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with Path(os.devnull).open("w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    # a year's LP has a few hundred columns: presolve costs ~15x the simplex itself
    # (measured 35 ms vs 2 ms on pakistan-us-corridor with origin classes)
    h.setOptionValue("presolve", "off")
    return h


class WarmModel:
    """Stage 1 of one programme kept loaded in its own HiGHS instance.

    :meth:`prime` loads and solves a template programme once; :meth:`load`
    then takes a programme built by the same builder with other inputs and,
    when only bounds differ, changes those (``changeColsBounds`` /
    ``changeRowsBounds``) and starts HiGHS from the template's optimal basis.
    Not picklable: one per process.
    """

    def __init__(self, reuse: bool = True) -> None:
        self.reuse = reuse
        """Keep optimal bases and answer later draws from them (:mod:`.vertex`)."""
        self.h: highspy.Highs | None = None
        self.basis: highspy.HighsBasis | None = None
        self.shape: Shape | None = None
        self.bounds = _bounds(LinearProgram())
        self.template: LinearProgram | None = None
        self.passes = 0
        """Times the whole model was passed (the first load, or a changed matrix)."""
        self.changes = 0
        """Times only bounds were changed."""
        self.misses = 0
        """Programmes that differed in more than bounds (solved cold)."""
        self.stage1: VertexCache | None = None
        """Stage-1 optimal bases met so far (:mod:`.vertex`)."""
        self.stage2: VertexCache | None = None
        """Optimal bases of the pinned least-cost stage."""
        self.qp: QuadraticCache | None = None
        """Optimal bases of the tie QP (made at its first use: it needs the rationed columns)."""
        self.hint: Hashable | None = None
        """Set by the caller before a solve: what predicts the stage-1 basis (:meth:`find`)."""
        self.last_key: bytes | None = None
        """The kept stage-1 basis of the last solve (None: not kept)."""

    @contextmanager
    def skipping(self, *caches: VertexCache | None) -> Iterator[None]:
        """Around one solve: ``caches`` are not searched (a batch found they miss), still taught."""
        for kept in caches:
            if kept is not None:
                kept.skip = True
        try:
            yield
        finally:
            for kept in caches:
                if kept is not None:
                    kept.skip = False

    def prime(self, lp: LinearProgram) -> None:
        """Load ``lp`` and solve it; its optimal basis starts every later solve."""
        self.h = self.h or silent_highs()
        self.h.passModel(_highs_lp(lp, -np.asarray(lp.col_weight, dtype=float)))
        self.shape, self.bounds, self.template = _shape(lp), _bounds(lp), lp
        self.passes += 1
        self.h.run()
        _check_status(self.h, lp)
        self.basis = self.h.getBasis()
        if self.reuse:
            matrix = dense_matrix(lp.entries, len(lp.col_upper))
            self.stage1, self.stage2, self.qp = VertexCache(matrix), VertexCache(matrix), None

    def forget(self) -> None:
        """Drop every kept basis (a new block of draws starts from the template alone)."""
        for kept in (self.stage1, self.stage2, self.qp):
            if kept is not None:
                kept.clear()

    def qp_cache(self, cols: np.ndarray) -> QuadraticCache | None:
        """The tie QP's kept bases for these rationed columns.

        Its rows are stage 1's and the optimum-keeping ``weight · x ≥ floor``.
        """
        if self.stage1 is None or self.template is None:
            return None
        cols = np.asarray(cols, dtype=np.intp)
        if self.qp is None or not np.array_equal(self.qp.cols, cols):
            weight = np.asarray(self.template.col_weight, dtype=float)
            self.qp = QuadraticCache(np.vstack([self.stage1.a, weight]), cols)
        return self.qp

    def reusable(self, lp: LinearProgram) -> bool:
        """Whether kept bases may answer ``lp``: the template's own matrix, other bounds."""
        return self.stage1 is not None and self._shares_matrix(lp)

    def find(self, lp: LinearProgram) -> tuple[np.ndarray, Vertex] | None:
        """Stage 1's vertex from a kept basis, when ``lp`` is the template with other bounds."""
        self.last_key = None
        if self.stage1 is None or not self.reusable(lp):
            return None
        hit = self.stage1.find(*_bounds(lp), hint=self.hint)
        if hit is not None:
            self.last_key = hit[1].key
        return hit

    def learn(
        self,
        lp: LinearProgram,
        basis: highspy.HighsBasis,
        x: np.ndarray,
        sol: highspy.HighsSolution,
    ) -> bytes | None:
        """Keep a stage-1 basis HiGHS found optimal for ``lp``; its key (None: not kept)."""
        if self.stage1 is not None and self.reusable(lp):
            self.last_key = self.stage1.add(
                basis.col_status,
                basis.row_status,
                _bounds(lp),
                x,
                sol.row_dual,
                sol.col_dual,
                basis,
                hint=self.hint,
            )
            return self.last_key
        return None

    def row_values(self, x: np.ndarray) -> np.ndarray:
        """Row activities of ``x`` in the template's matrix."""
        assert self.stage1 is not None
        return self.stage1.product(x)

    def load(self, lp: LinearProgram) -> highspy.Highs | None:
        """The instance holding ``lp``'s stage-1 model, ready to run; None to solve cold.

        None when not primed or when ``lp`` differs from the template in more
        than bounds. Every load starts from the template's basis, never from
        the last solve's: a draw's answer then cannot depend on which draws
        ran before it in the same process (alternative optima), so results
        stay the same on any number of workers.
        """
        if self.h is None or self.basis is None or self.shape is None:
            return None
        if not self._shares_matrix(lp) and not _same_shape(_shape(lp), self.shape):
            self.misses += 1
            return None
        col_lo, col_up, row_lo, row_up = new = _bounds(lp)
        cols = np.nonzero((col_lo != self.bounds[0]) | (col_up != self.bounds[1]))[0]
        rows = np.nonzero((row_lo != self.bounds[2]) | (row_up != self.bounds[3]))[0]
        if len(cols):
            self.h.changeColsBounds(len(cols), cols.astype(np.int32), col_lo[cols], col_up[cols])
        if len(rows):
            # in highspy 1.16, missing from its type stubs only
            change_rows = self.h.changeRowsBounds  # type: ignore[attr-defined]
            change_rows(len(rows), rows.astype(np.int32), row_lo[rows], row_up[rows])
        # clearSolver drops what the last solve left (factor, edge weights), so
        # the run depends on the template basis and this draw's bounds alone
        self.h.clearSolver()
        self.h.setBasis(self.basis)
        self.bounds = new
        self.changes += 1
        return self.h

    def _shares_matrix(self, lp: LinearProgram) -> bool:
        """Whether ``lp`` holds the template's own matrix, weights and names (the same objects).

        True for programmes made from the template by changing bounds alone
        (:mod:`orechain.scenarios.drawbounds`): nothing else then needs comparing.
        """
        tpl = self.template
        return (
            tpl is not None
            and lp.entries is tpl.entries
            and lp.col_weight is tpl.col_weight
            and lp.row_name is tpl.row_name
        )


Shape = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]


def _shape(lp: LinearProgram) -> Shape:
    """Everything of ``lp`` but its bounds: row names, objective weights and the matrix."""
    index = np.concatenate([c for c, _ in lp.entries]) if lp.entries else np.zeros(0)
    value = np.concatenate([v for _, v in lp.entries]) if lp.entries else np.zeros(0)
    return (list(lp.row_name), np.asarray(lp.col_weight, dtype=float), index, value)


def _same_shape(a: Shape, b: Shape) -> bool:
    return a[0] == b[0] and all(np.array_equal(x, y) for x, y in zip(a[1:], b[1:], strict=True))


def _bounds(lp: LinearProgram) -> Bounds:
    return (
        np.asarray(lp.col_lower, dtype=float),
        np.asarray(lp.col_upper, dtype=float),
        np.asarray(lp.row_lower, dtype=float),
        np.asarray(lp.row_upper, dtype=float),
    )


def _check_status(h: highspy.Highs, lp: LinearProgram) -> None:
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return
    text = h.modelStatusToString(status)
    msg = f"the scenario's linear programme is {text.lower()}: {diagnose(lp)}"
    raise InfeasibleScenarioError(msg)


def diagnose(lp: LinearProgram) -> str:
    """Name the first constraint that cannot hold with non-negative variables."""
    rows = zip(lp.row_name, lp.row_lower, lp.row_upper, lp.entries, strict=True)
    for name, lo, up, (_, vals) in rows:
        if up < lo or (up < -1e-9 and bool(np.all(vals >= 0))):
            return f"constraint {name!r} needs {lo:g} ≤ row ≤ {up:g}, impossible for x ≥ 0"
    for j, (lo, up) in enumerate(zip(lp.col_lower, lp.col_upper, strict=True)):
        if up < lo:
            return f"variable {j} has upper bound {up:g} below its lower bound {lo:g}"
    return "no single constraint is contradictory; check capacities and demand signs"


def solve_lp(
    lp: LinearProgram,
    *,
    lexicographic: bool = True,
    ration: tuple[np.ndarray, np.ndarray] | None = None,
    welfare: bool = False,
    warm: WarmModel | None = None,
) -> Solution:
    """Solve ``lp``: max weighted served demand, then (optionally) min cost at that optimum.

    With ``ration`` = (columns, sizes), ties between alternative optima are
    rationed proportionally over those columns (stage 1b): the stage-1 optimum
    is kept and each group of equal-weight columns shares its stage-1 total in
    proportion to size (:func:`_shared`); where that cannot reach the optimum,
    ``Σ (size − x)² / size`` is minimised (tie QP). With ``welfare`` (price
    mode: the stage-1 objective already counts every cost) stage 2 runs only
    when stage 1b moved the solution. With ``warm`` stage 1 runs in that
    model's own HiGHS instance, changing only bounds and starting from its
    last basis (Monte Carlo: one model per year, many draws).

    Raises
    ------
    InfeasibleScenarioError
        When HiGHS reports the LP infeasible or unbounded; the message names the
        offending constraint where one bound alone is contradictory.
    """
    weight = np.asarray(lp.col_weight)
    hit = warm.find(lp) if warm is not None else None
    if warm is not None and hit is not None:
        x, vertex = hit
        row_dual, col_dual = -vertex.row_dual, -vertex.col_dual
        z = float(np.dot(weight, x))
        basis = cast(highspy.HighsBasis, vertex.payload)
        start = Start(basis, x, warm.row_values(x), warm=True, key=vertex.key)
    else:
        loaded = warm.load(lp) if warm is not None else None
        if loaded is None:
            h = _new_highs()
            h.passModel(_highs_lp(lp, -weight))
        else:
            h = loaded
        h.run()
        _check_status(h, lp)
        sol = h.getSolution()
        row_dual = -np.asarray(sol.row_dual)
        col_dual = -np.asarray(sol.col_dual)
        z = -h.getInfo().objective_function_value
        x = np.asarray(sol.col_value)
        basis = h.getBasis()
        key = warm.learn(lp, basis, x, sol) if loaded is not None and warm is not None else None
        start = Start(basis, x, np.asarray(sol.row_value), warm=loaded is not None, key=key)
    price = None
    if lexicographic:
        # later stages pass their own models to the shared instance, starting
        # from stage 1's optimum (see Start)
        # kept least-cost bases only for the template's own matrix (bounds-only draws)
        stage2 = warm.stage2 if warm is not None and start.warm and warm.reusable(lp) else None
        qp = warm.qp_cache(ration[0]) if warm is not None and stage2 and ration else None
        found = _later_stages(_new_highs(), lp, weight, z, x, ration, welfare, start, stage2, qp)
        if found is None:
            price = row_dual
        else:
            x, price = found
    cost = float(np.dot(lp.col_cost, x))
    return Solution(x, row_dual, col_dual, z, cost, price)


@dataclass(frozen=True)
class Start:
    """Stage 1's optimal basis and solution, where the later stages start.

    The tie QP always starts there (``qp_allow_hot_start``: HiGHS's active-set
    solver otherwise first finds a feasible point with a simplex from scratch,
    about 300 iterations on the corridor; from stage 1's optimum, which is
    feasible for it, none: 6.0 → 1.0 ms, the same pins to 1.1e-7 relative over
    109 corridor QPs, within the QP's own tolerance). The pinned least-cost
    stage starts from the basis only when ``warm`` (Monte Carlo; see _min_cost).
    """

    basis: highspy.HighsBasis
    x: np.ndarray
    """Stage 1's column values."""
    row_value: np.ndarray
    """Stage 1's row activities."""
    warm: bool = False
    key: bytes | None = None
    """Stage 1's basis among the kept ones (:mod:`.vertex`): a hint for the cost stage's."""


def _later_stages(
    h: highspy.Highs,
    lp: LinearProgram,
    weight: np.ndarray,
    z: float,
    x1: np.ndarray,
    ration: tuple[np.ndarray, np.ndarray] | None,
    welfare: bool,
    start: Start | None = None,
    cache: VertexCache | None = None,
    qp: QuadraticCache | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Stages 1b and 2: x and the cost stage's prices; None when stage 1's vertex stands.

    ``start`` (stage 1's optimum) starts the tie QP, and every pinned cost
    stage when warm.

    Stage 1b tries the closed form of :func:`_shared` first (one cost LP) and
    runs the tie QP only when that pin cannot reach the stage-1 optimum. In
    price mode with nothing to ration, stage 1's answer and duals are final.
    """
    if ration is None:
        return None if welfare else _require(_min_cost(h, lp, weight, z, None), h, lp)
    basis = start.basis if start is not None and start.warm else None
    pin = _shared(weight, ration, x1)
    if pin[2] > 1e-9:
        hint = _hint(start, "shared")
        found = _min_cost(h, lp, weight, z, pin, floor=z, basis=basis, cache=cache, hint=hint)
        if found is not None:
            return found
        pin = _proportional(h, lp, weight, z, ration, x1, start, qp, _hint(start, "qp"))
    if welfare and pin[2] <= 1e-9:
        return None
    hint = _hint(start, "final")
    return _require(_min_cost(h, lp, weight, z, pin, basis=basis, cache=cache, hint=hint), h, lp)


def _hint(start: Start | None, stage: str) -> tuple[bytes, str] | None:
    """What predicts a later stage's kept basis: stage 1's basis, and which stage."""
    return (start.key, stage) if start is not None and start.key else None


def _shared(
    weight: np.ndarray, ration: tuple[np.ndarray, np.ndarray], x1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Stage 1b in closed form: each tie group's stage-1 total shared in proportion to size.

    The tie QP of :func:`_proportional` minimises ``Σ (size − x)² / size`` on
    the stage-1 optimal face. Where a tie group's total ``S_g`` is the same on
    the whole face (the tied columns only trade tonnes among themselves), the
    minimiser is ``x_j = size_j · S_g / Σ_g size`` (Cauchy–Schwarz), and every
    column outside a tie keeps its stage-1 value. Returns the pin as
    :func:`_proportional` does (tolerance 1e-9: nothing to share, stage-1
    values kept); :func:`_min_cost` then checks the pin reaches the stage-1
    optimum, else :func:`solve_lp` falls back to the QP.
    """
    cols, size = ration
    cols = np.asarray(cols, dtype=np.int32)
    size = np.maximum(np.asarray(size, dtype=float), 1e-9)
    value = x1[cols].copy()
    group, tied = tie_groups(weight[cols])
    if not (tied & (value < size - 1e-9 * np.maximum(1.0, size))).any():
        return cols, value, 1e-9
    total = np.bincount(group, weights=np.where(tied, value, 0.0))
    room = np.bincount(group, weights=np.where(tied, size, 0.0))
    share = np.divide(total, room, out=np.zeros_like(total), where=room > 0)
    value[tied] = np.minimum(size[tied], size[tied] * share[group[tied]])
    return cols, value, 1e-7


def _proportional(
    h: highspy.Highs,
    lp: LinearProgram,
    weight: np.ndarray,
    z: float,
    ration: tuple[np.ndarray, np.ndarray],
    x1: np.ndarray,
    start: Start | None = None,
    cache: QuadraticCache | None = None,
    hint: Hashable | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Stage 1b: the point of the stage-1 optimal face nearest to proportional rationing.

    ``x1`` is the stage-1 solution, ``start`` its basis and solution (the QP
    then starts there, :class:`Start`). Returns the rationed columns, their values
    and a relative tolerance, for stage 2 to pin. Skipped (stage-1 values kept)
    when nothing is rationed — every column at its size; if HiGHS's QP does not
    finish, the max-min LP of :func:`_maximin` decides. With ``cache`` (Monte
    Carlo) a kept QP basis optimal for this draw answers without HiGHS.
    """
    cols, size = ration
    cols = np.asarray(cols, dtype=np.int32)
    size = np.maximum(np.asarray(size, dtype=float), 1e-9)
    if not _has_ties(weight[cols], x1[cols] < size - 1e-9 * np.maximum(1.0, size)):
        return cols, x1[cols], 1e-9
    kept = (cache, _qp_bounds(lp, z)) if cache is not None else None
    if kept is not None:
        found = kept[0].find_qp(kept[1], size, hint)
        if found is not None:
            return cols, found[cols], 1e-7
    _load_qp(h, lp, weight, z, cols, size)
    if start is not None:
        _hot_start(h, weight, start)
    h.run()
    h.setOptionValue("qp_allow_hot_start", False)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        polished = _polish(h, lp, weight, z, cols, size, cache)
        if polished is not None:
            return cols, polished[cols], 1e-7
        return _maximin(h, lp, weight, z, cols, size, x1)
    sol = h.getSolution()
    x = np.asarray(sol.col_value)
    if kept is not None:
        b = h.getBasis()
        kept[0].add_qp(
            b.col_status, b.row_status, kept[1], x, size, sol.row_dual, sol.col_dual, hint
        )
    return cols, x[cols], 1e-7


def _polish(
    h: highspy.Highs,
    lp: LinearProgram,
    weight: np.ndarray,
    z: float,
    cols: np.ndarray,
    size: np.ndarray,
    cache: QuadraticCache | None,
) -> np.ndarray | None:
    """The tie QP's exact optimum after HiGHS's QP stalled, or None (the max-min LP decides).

    HiGHS's active-set QP can cycle among degenerate bases near the optimum
    without reaching it. First the basis it stopped at is tried; then the QP
    is solved again with every finite bound widened by up to
    :data:`PERTURB` (relative, a fixed pseudo-random amount each: the classic
    cure for degenerate cycling), and the basis that solve ends at is tried.
    A basis is tried on the *unperturbed* QP
    (:meth:`~orechain.scenarios.vertex.QuadraticCache.polish`): its point is
    computed exactly and kept only where it is feasible and its KKT
    conditions hold, which proves it the optimum of the convex QP. Measured
    on 200 corridor draws (2026-12-03): 14 stalls, all 14 answered this way
    at a lower objective than where HiGHS stopped.
    """
    if cache is None:
        matrix = np.vstack([dense_matrix(lp.entries, len(lp.col_upper)), weight])
        cache = QuadraticCache(matrix, cols)
    bounds = _qp_bounds(lp, z)
    n_rows = len(lp.row_upper) + 1
    for attempt in range(2):
        if attempt:
            _load_qp(h, _widened(lp), weight, z, cols, size)
            h.run()
        # after the perturbed solve HiGHS reports a solve error and marks its basis
        # invalid, but the statuses are where it stopped: the exact checks decide
        basis = h.getBasis()
        cols_status, rows = list(basis.col_status), list(basis.row_status)[:n_rows]
        if len(cols_status) == len(lp.col_upper) and len(rows) == n_rows:
            found = cache.polish(cols_status, rows, bounds, size)
            if found is not None:
                return found
    return None


PERTURB = 1e-8
"""Largest relative widening of a bound in :func:`_polish`'s second solve."""


def _widened(lp: LinearProgram) -> LinearProgram:
    """``lp`` with every finite bound widened by up to :data:`PERTURB` (fixed seed)."""
    rng = np.random.default_rng(20261203)
    col_lo, col_up, row_lo, row_up = _bounds(lp)

    def widen(b: np.ndarray, sign: float) -> list[float]:
        fin = np.isfinite(b)
        out = b.copy()
        out[fin] += sign * PERTURB * np.maximum(1.0, np.abs(b[fin])) * rng.random(int(fin.sum()))
        return cast("list[float]", out)

    return replace(lp, col_upper=widen(col_up, 1.0), row_lower=widen(row_lo, -1.0),
                   row_upper=widen(row_up, 1.0))  # fmt: skip


def _load_qp(
    h: highspy.Highs,
    lp: LinearProgram,
    weight: np.ndarray,
    z: float,
    cols: np.ndarray,
    size: np.ndarray,
) -> None:
    """Load the tie QP into ``h``: ``min Σ_cols (size − x)² / size`` keeping stage 1's optimum."""
    cost = np.zeros(len(lp.col_cost))
    cost[cols] = -2.0
    h.passModel(_highs_lp(lp, cost))
    _keep_optimum(h, weight, z)
    diag = np.zeros(len(lp.col_cost))
    diag[cols] = 2.0 / size
    _pass_diagonal(h, diag)
    h.setOptionValue("qp_regularization_value", 0.0)
    h.setOptionValue("qp_iteration_limit", QP_ITERATION_LIMIT)


def _qp_bounds(lp: LinearProgram, z: float) -> Bounds:
    """The tie QP's bounds: ``lp``'s, and the optimum-keeping row of :func:`_keep_optimum`."""
    col_lo, col_up, row_lo, row_up = _bounds(lp)
    return col_lo, col_up, np.append(row_lo, optimum_floor(z)), np.append(row_up, INF)


def optimum_floor(z: np.ndarray | float) -> np.ndarray:
    """The least stage-1 objective the later stages keep: ``z`` less :data:`TOL` relative."""
    return np.asarray(z - TOL * np.maximum(1.0, np.abs(z)))


def _hot_start(h: highspy.Highs, weight: np.ndarray, start: Start) -> None:
    """Start the QP in ``h`` (the programme plus the optimum-keeping row) at stage 1's optimum.

    The solution first (HiGHS drops a basis when a solution is set), with the
    added row's value; then the basis, the added row basic.
    """
    x = start.x
    sol = highspy.HighsSolution()
    sol.col_value = x.tolist()
    sol.row_value = [*start.row_value.tolist(), float(np.dot(weight, x))]
    sol.value_valid = True
    h.setSolution(sol)
    basis = highspy.HighsBasis()
    basis.col_status = start.basis.col_status
    basis.row_status = [*start.basis.row_status, highspy.HighsBasisStatus.kBasic]
    basis.valid = True
    h.setBasis(basis)
    h.setOptionValue("qp_allow_hot_start", True)


def _maximin(
    h: highspy.Highs,
    lp: LinearProgram,
    weight: np.ndarray,
    z: float,
    cols: np.ndarray,
    size: np.ndarray,
    x1: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fallback of stage 1b as an LP: within each tie group, maximise the smallest served share.

    Used when HiGHS's QP stalls (it can on degenerate faces): buyers of one tie
    group then get the same share of their demand wherever the network allows.
    """
    key = np.round(weight[cols], 12)
    groups = [np.nonzero(key == v)[0] for v in np.unique(key)]
    groups = [g for g in groups if len(g) > 1]
    model = _highs_lp(lp, np.zeros(len(lp.col_cost)))
    h.passModel(model)
    _keep_optimum(h, weight, z)
    n = len(lp.col_cost)
    k = len(groups)
    if k:
        none = np.zeros(k, dtype=np.int32)
        h.addCols(k, -np.ones(k), np.zeros(k), np.ones(k), 0, none, none[:0], np.zeros(0))
        # one row per tied column j of group g: x_j − size_j · λ_g ≥ 0
        member = np.concatenate(groups)
        lam = np.concatenate([np.full(len(g), n + i) for i, g in enumerate(groups)])
        index = np.column_stack([cols[member], lam]).astype(np.int32).reshape(-1)
        value = np.column_stack([np.ones(len(member)), -size[member]]).reshape(-1)
        starts = np.arange(0, 2 * len(member), 2, dtype=np.int32)
        h.addRows(len(member), np.zeros(len(member)), np.full(len(member), INF), len(index),
                  starts, index, value)  # fmt: skip
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        logger.warning("proportional rationing did not finish; keeping the LP vertex")
        return cols, x1[cols], 1e-9
    return cols, np.asarray(h.getSolution().col_value)[cols], 1e-7


def _has_ties(weight: np.ndarray, short: np.ndarray) -> bool:
    """Whether some short column shares its weight with another column (a tie to ration)."""
    return bool((tie_groups(weight)[1] & short).any())


def tie_groups(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's group of equal weight (to 12 decimals), and whether it shares it.

    Kept for the last few weight vectors: a Monte Carlo draw's rationed
    weights are its template's, so the grouping is worked out once per year.
    """
    key = np.round(weight, 12)
    token = key.tobytes()
    kept = _TIES.get(token)
    if kept is None:
        _, group, counts = np.unique(key, return_inverse=True, return_counts=True)
        if len(_TIES) >= 64:
            _TIES.clear()
        kept = _TIES[token] = (group, counts[group] > 1)
    return kept


_TIES: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}


def _pass_diagonal(h: highspy.Highs, diag: np.ndarray) -> None:
    """Give HiGHS a diagonal Hessian (upper-triangular column format)."""
    nz = np.nonzero(diag)[0]
    hess = highspy.HighsHessian()
    hess.dim_ = len(diag)
    hess.format_ = highspy.HessianFormat.kTriangular
    hess.start_ = np.searchsorted(nz, np.arange(len(diag) + 1)).astype(np.int32)
    hess.index_ = nz.astype(np.int32)
    hess.value_ = diag[nz]
    h.passHessian(hess)


def _min_cost(
    h: highspy.Highs,
    lp: LinearProgram,
    weight: np.ndarray,
    z: float,
    pin: tuple[np.ndarray, np.ndarray, float] | None,
    floor: float | None = None,
    basis: highspy.HighsBasis | None = None,
    cache: VertexCache | None = None,
    hint: Hashable | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Stage 2: least cost at the stage-1 optimum; returns x and the cost-stage row prices.

    With ``pin`` and ``basis`` HiGHS starts from stage 1's optimal basis (only
    the pinned columns moved). Monte Carlo draws only: the least-cost stage
    has alternative optima (equally cheap routes), and its start picks among
    them, which moves link flows and origin shares but not what a draw
    reports — shortfall (pinned) and prices (stage-1 duals; output weights
    within a stage of equal marginal value). Measured on 60 corridor draws
    (2026-12-02): shortfall and price index equal to 1.4e-9, 2.3 → 1.2 ms per
    cost stage. The deterministic run keeps the cold start: its flows and
    shares are printed.

    With ``pin`` the rationed columns are fixed (to a relative tolerance) at
    their stage-1b values; otherwise the stage-1 objective is kept as a row.
    None when HiGHS finds no optimum, or (with ``floor``) when the pinned
    solution's stage-1 objective falls short of ``floor`` by more than 1e-6
    relative: the pin then lies off the stage-1 optimal face.
    """
    # kept bases answer pinned programmes only (without a pin a row is added)
    kept = (cache, _pinned_bounds(lp, pin)) if cache is not None and pin is not None else None
    if kept is not None and kept[0].infeasible(*kept[1]):
        return None  # a kept dual ray proves the pin unreachable
    hit = kept[0].find(*kept[1], hint=hint) if kept is not None else None
    if hit is not None:
        x = _within_bounds(lp, hit[0])
        price = -hit[1].row_dual
    else:
        h.passModel(_pinned_lp(lp, np.asarray(lp.col_cost, dtype=float), pin))
        if pin is not None and basis is not None:
            h.setBasis(basis)
        if pin is None:
            floor = _keep_optimum(h, weight, z)
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            if kept is not None and status == _INFEASIBLE:
                _, has_ray, ray = h.getDualRay()  # type: ignore[attr-defined]
                if has_ray:
                    kept[0].add_ray(ray, kept[1])
            return None
        sol = h.getSolution()
        price = -np.asarray(sol.row_dual)[: len(lp.row_upper)]
        raw = np.asarray(sol.col_value)
        if kept is not None:
            b = h.getBasis()
            kept[0].add(
                b.col_status, b.row_status, kept[1], raw, sol.row_dual, sol.col_dual, hint=hint
            )
        x = _within_bounds(lp, raw)
    if floor is not None and float(np.dot(weight, x)) < floor - 1e-6 * max(1.0, abs(floor)):
        return None
    return x, price


_INFEASIBLE = highspy.HighsModelStatus.kInfeasible

FACE_TOL = 1e-9
"""Relative slack on total cost that still counts as least cost (:func:`face_vertex`)."""


def face_vertex(
    lp: LinearProgram, point: np.ndarray, pinned: np.ndarray, direction: np.ndarray
) -> np.ndarray | None:
    """The vertex of the least-cost face through ``point`` that minimises ``direction · x``.

    The least-cost stage has alternative optima (routes of equal cost), and
    which one HiGHS returns depends on its starting basis. The face is
    ``lp``'s constraints with the ``pinned`` columns (served demand, demand
    steps) fixed at ``point``'s values (a pin of :func:`_min_cost` with no
    tolerance), the stage-1 objective kept at ``point``'s value (the floor of
    :func:`_min_cost`) and total cost at most ``point``'s × (1 + :data:`FACE_TOL`):
    every point of it is an equally good and equally cheap answer. None when
    HiGHS finds no optimum (the caller skips that sample).
    """
    return face_vertices(lp, point, pinned, [direction])[0]


def face_vertices(
    lp: LinearProgram, point: np.ndarray, pinned: np.ndarray, directions: Iterable[np.ndarray]
) -> list[np.ndarray | None]:
    """:func:`face_vertex` for each direction, the face loaded once.

    Each solve after the first only changes the objective and starts from
    the last vertex (3.7 ms → 2.2 ms per sample on ``pakistan-us-corridor``);
    a generic direction has one minimiser on the face, so the start does not
    choose the answer.
    """
    weight = np.asarray(lp.col_weight, dtype=float)
    cost = np.asarray(lp.col_cost, dtype=float)
    pinned = np.asarray(pinned, dtype=np.int32)
    h = _face_highs()
    h.passModel(_pinned_lp(lp, np.zeros(len(cost)), (pinned, point[pinned], 0.0)))
    _keep_optimum(h, weight, float(np.dot(weight, point)))
    least = float(np.dot(cost, point))
    idx = np.nonzero(cost)[0].astype(np.int32)
    h.addRow(-INF, least + FACE_TOL * max(1.0, abs(least)), len(idx), idx, cost[idx])
    cols = np.arange(len(cost), dtype=np.int32)
    out: list[np.ndarray | None] = []
    for direction in directions:
        h.changeColsCost(len(cols), cols, np.asarray(direction, dtype=float))
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        out.append(_within_bounds(lp, h.getSolution().col_value) if ok else None)
    return out


@cache
def _face_highs() -> highspy.Highs:
    """The HiGHS instance of :func:`face_vertices` (its basis carries from sample to sample)."""
    return silent_highs()


def _pinned_lp(
    lp: LinearProgram, objective: np.ndarray, pin: tuple[np.ndarray, np.ndarray, float] | None
) -> highspy.HighsLp:
    """``lp`` with objective ``objective`` and the ``pin`` columns fixed to a relative tolerance."""
    model = _highs_lp(lp, objective)
    if pin is not None:
        model.col_lower_, model.col_upper_, _, _ = _pinned_bounds(lp, pin)
    return model


def _pinned_bounds(lp: LinearProgram, pin: tuple[np.ndarray, np.ndarray, float]) -> Bounds:
    """Column and row bounds of ``lp`` with the ``pin`` columns fixed to a relative tolerance."""
    col_lo, col_up, row_lo, row_up = _bounds(lp)
    return (*pinned_columns(col_lo, col_up, *pin), row_lo, row_up)


def pinned_columns(
    col_lo: np.ndarray,
    col_up: np.ndarray,
    cols: np.ndarray,
    value: np.ndarray,
    tol: float | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds with ``cols`` fixed at ``value`` to a relative ``tol``.

    With two-axis bounds (a row per programme) ``value`` has a row each and
    ``tol`` is a column.
    """
    lower, upper = col_lo.copy(), col_up.copy()
    lower[..., cols], upper[..., cols] = pin_range(upper[..., cols], value, tol)
    return lower, upper


def pin_range(
    up: np.ndarray, value: np.ndarray, tol: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of columns (upper bounds ``up``) pinned at ``value`` to ``tol``."""
    value = np.clip(value, 0.0, up)
    return np.maximum(0.0, value - tol * np.maximum(1.0, value)), value


def _keep_optimum(h: highspy.Highs, weight: np.ndarray, z: float) -> float:
    """Add the row keeping the stage-1 objective within :data:`TOL` of ``z``; returns its floor."""
    idx = np.nonzero(weight)[0].astype(np.int32)
    floor = float(optimum_floor(z))
    h.addRow(floor, INF, len(idx), idx, weight[idx])
    return floor


def _within_bounds(lp: LinearProgram, value: object) -> np.ndarray:
    """A solution clipped to the column bounds (solver round-off may leave a hair outside)."""
    return np.clip(np.asarray(value), np.asarray(lp.col_lower), np.asarray(lp.col_upper))


def _require(
    found: tuple[np.ndarray, np.ndarray] | None, h: highspy.Highs, lp: LinearProgram
) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2's answer, or the infeasibility error naming the offending constraint."""
    if found is None:
        _check_status(h, lp)
        msg = f"the cost stage found no optimum: {diagnose(lp)}"
        raise InfeasibleScenarioError(msg)
    return found
