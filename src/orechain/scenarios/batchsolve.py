"""Many Monte Carlo draw-years of one programme answered at once from kept optimal bases.

:func:`orechain.scenarios.highs.solve_lp` answers one draw-year at a time:
stage 1 from a kept basis (:mod:`orechain.scenarios.vertex`), stage 1b's
closed-form tie sharing, the tie QP where that misses the optimum, then the
pinned least-cost stage, each from a kept basis. Per draw that is some sixty
small NumPy calls. :class:`YearBatch` runs the same stages for every draw of a
block that solves the same programme (year and active disruptions), one kept basis at a time
over all draws still unanswered: a few matrix products per basis instead of a
few per draw and basis.

Only what kept bases answer is batched. A draw-year that no kept basis
answers at some stage is left to the caller, which solves it with
:func:`~orechain.scenarios.highs.solve_lp` (HiGHS teaches the store its bases)
and asks again for the rest: :meth:`YearBatch.step` tries only bases kept
since the draws last saw the store. Every answer is a kept basis's vertex, as
on the per-draw path, so both agree with HiGHS to the tolerances of
:mod:`.vertex` (tests compare them with every draw solved by HiGHS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orechain.scenarios.constraints import INF
from orechain.scenarios.highs import (
    WarmModel,
    optimum_floor,
    pin_range,
    tie_groups,
)
from orechain.scenarios.vertex import (
    Bounds,
    QuadraticCache,
    Vertex,
    VertexCache,
    infinite_bounds,
    low_rank,
    take_rows,
)

SHARED_TOL = 1e-7
"""Relative width of a pin of stage 1b's closed form (as :func:`.highs._shared`)."""

KEPT_TOL = 1e-9
"""Relative width of a pin that keeps stage 1's values (nothing to share)."""

FLOOR_TOL = 1e-6
"""Relative shortfall of the stage-1 objective at which a pin lies off the optimal face."""


ONE, TWO, QP, SOLVER = "stage 1", "least cost", "tie QP", "solver"
"""What a draw-year waits for: stage 1, the pinned least-cost stage, the tie QP, or a solver
(a pin the tie QP gave, or one with nothing to share, that no kept basis can reach)."""


@dataclass
class _Draw:
    """One draw-year's progress through the stages."""

    waits: str = ONE
    x1: np.ndarray | None = None
    vertex: Vertex | None = None
    pin: np.ndarray | None = None
    """The values the least-cost stage pins the rationed columns to."""
    tol: float = KEPT_TOL
    """Relative width of the pin."""
    floor: float | None = None
    """The stage-1 objective the pin must keep (stage 1b's closed form only)."""
    seen: int = 0
    """How many bases the store of the stage it waits for held when it last tried them."""
    x: np.ndarray | None = None
    """The answer (after the least-cost stage, where one runs)."""
    price: np.ndarray | None = None
    """The least-cost stage's row prices, once a kept basis answered it."""


@dataclass(frozen=True)
class Answers:
    """The draw-years one :meth:`YearBatch.step` answered, a row each (as :class:`.Solution`'s)."""

    draws: list[int]
    """Which draws (indices into the batch), in order."""
    x: np.ndarray
    """Their column values."""
    row_dual: np.ndarray
    """Stage 1's row duals (:attr:`.Solution.row_dual`)."""
    price_dual: np.ndarray
    """The least-cost stage's row duals where it ran, else stage 1's (``Solution.price_dual``)."""
    keys: list[bytes]
    """Each draw-year's stage-1 basis (its key)."""

    def __len__(self) -> int:
        return len(self.draws)

    @staticmethod
    def of(draws: list[int], done: list[_Draw], cols: int) -> Answers:
        """The answers of ``draws``, whose progress is ``done`` (each has its answer)."""
        if not done:
            return Answers([], np.zeros((0, cols)), np.zeros((0, 0)), np.zeros((0, 0)), [])
        vertices: list[Vertex] = []
        xs: list[np.ndarray] = []
        for d in done:
            assert d.vertex is not None
            assert d.x is not None
            vertices.append(d.vertex)
            xs.append(d.x)
        row_dual = -np.stack([v.row_dual for v in vertices])
        price_dual = row_dual.copy()
        for k, d in enumerate(done):
            if d.price is not None:
                price_dual[k] = d.price
        return Answers(draws, np.stack(xs), row_dual, price_dual, [v.key for v in vertices])


class YearBatch:
    """The draw-years of one programme (year, active disruptions) in a block, answered in batches.

    ``bounds`` are the draws' programmes' bounds (rows; the template of
    ``model`` otherwise), ``size`` the sizes of the rationed columns ``cols``
    (rows), ``welfare`` whether they are price-mode (welfare) programmes.
    """

    def __init__(
        self, model: WarmModel, bounds: Bounds, size: np.ndarray, cols: np.ndarray, welfare: bool
    ) -> None:
        assert model.stage1 is not None
        assert model.stage2 is not None
        assert model.template is not None
        self.model = model
        self.stage1: VertexCache = model.stage1
        self.stage2: VertexCache = model.stage2
        self.welfare = welfare
        tpl = model.template
        self.weight = np.asarray(tpl.col_weight, dtype=float)
        self.cols = np.asarray(cols)
        self.size = np.maximum(size, 1e-9)
        """Each draw's rationed sizes (rows), floored as the tie stages floor them."""
        self.bounds = bounds
        """Each draw's bounds (rows)."""
        self.low = low_rank(self.bounds)
        """Their factorisation (None: rank not small), for stage 1's search."""
        self.infinite = infinite_bounds(self.bounds)
        """Per column, whether some draw's lower or upper bound is infinite."""
        self.draws = {i: _Draw() for i in range(len(size))}

    @property
    def pending(self) -> list[int]:
        """Draws not answered yet, in order."""
        return sorted(self.draws)

    def take(self, i: int) -> str:
        """Leave draw ``i`` to the caller; the stage whose kept bases all missed it.

        :data:`ONE`, :data:`TWO` or :data:`QP`; or :data:`SOLVER`, where only
        a solver can answer.
        """
        return self.draws.pop(i).waits

    def step(self) -> Answers:
        """Answer every pending draw the kept bases can (:class:`Answers`, in draw order)."""
        self._stage1(self._waiting(ONE, self.stage1))
        self._stage2(self._waiting(TWO, self.stage2))
        kept = self.model.qp_cache(self.cols)
        if kept is not None:
            self._qp(self._waiting(QP, kept), kept)
        self._stage2(self._waiting(TWO, self.stage2))
        done = sorted(i for i, d in self.draws.items() if d.x is not None)
        return Answers.of(done, [self.draws.pop(i) for i in done], len(self.weight))

    def _waiting(self, stage: str, store: VertexCache) -> dict[int, list[int]]:
        """Draws waiting for ``stage``, grouped by how many of ``store``'s bases they have tried.

        Groups that have tried every basis kept are left out: nothing new to try.
        """
        groups: dict[int, list[int]] = {}
        for i, d in self.draws.items():
            if d.waits == stage and d.x is None and d.seen < store.added:
                groups.setdefault(d.seen, []).append(i)
        return groups

    def _stage1(self, groups: dict[int, list[int]]) -> None:
        for since, idx in groups.items():
            rows = np.asarray(idx, dtype=np.intp)
            low = self.low.take(rows) if self.low is not None else None
            x, found = self.stage1.find_many(
                self.bounds, since, low, rows=rows, infinite=self.infinite
            )
            hit = [k for k, v in enumerate(found) if v is not None]
            for i in idx:
                self.draws[i].seen = self.stage1.added
            if not hit:
                continue
            pins, need = shared_many(
                self.weight, self.cols, self.size[[idx[k] for k in hit]], x[hit]
            )
            z = x[hit] @ self.weight
            for row, k in enumerate(hit):
                d = self.draws[idx[k]]
                d.x1, d.vertex, d.waits, d.seen = x[k], found[k], TWO, 0
                if need[row]:
                    d.pin, d.tol, d.floor = pins[row], SHARED_TOL, float(z[row])
                elif self.welfare:
                    d.x = x[k]  # nothing to share: stage 1's answer and duals stand
                else:
                    d.pin = x[k][self.cols]  # the least-cost stage still runs, nothing moves

    def _stage2(self, groups: dict[int, list[int]]) -> None:
        for since, idx in groups.items():
            bounds = self._pinned(idx)
            refuted = self.stage2.refuted_many(bounds)
            hints = [_hint(self.draws[i], "shared" if self.draws[i].floor is not None else "final")
                     for i in idx]  # fmt: skip
            x, found = self.stage2.find_many(bounds, since, hints=hints)
            value = np.clip(x, self.bounds[0][idx], self.bounds[1][idx])
            z = value @ self.weight
            for k, i in enumerate(idx):
                d = self.draws[i]
                d.seen = self.stage2.added
                vertex = found[k]
                if refuted[k]:
                    self._to_qp(d)  # a kept dual ray proves the pin unreachable
                elif vertex is not None:
                    if d.floor is not None and z[k] < d.floor - FLOOR_TOL * max(1.0, abs(d.floor)):
                        self._to_qp(d)  # the pin lies off the optimal face
                    else:
                        d.x, d.price = value[k], -vertex.row_dual

    def _to_qp(self, d: _Draw) -> None:
        """Stage 1b's closed form missed the optimum: the QP decides (a QP pin missed: HiGHS)."""
        d.waits, d.seen = (QP, 0) if d.floor is not None else (SOLVER, 0)

    def _qp(self, groups: dict[int, list[int]], kept: QuadraticCache) -> None:
        for since, idx in groups.items():
            hints = [_hint(self.draws[i], "qp") for i in idx]
            x, found = kept.find_qp_many(self._qp_bounds(idx), self.size[idx], since, hints)
            for k, i in enumerate(idx):
                d = self.draws[i]
                d.seen = kept.added
                if found[k] is not None:
                    d.waits, d.seen, d.pin = TWO, 0, x[k][self.cols]
                    d.tol, d.floor = SHARED_TOL, None

    def _qp_bounds(self, idx: list[int]) -> Bounds:
        """The tie QP's bounds (:func:`.highs._qp_bounds`): the optimum-keeping row added."""
        col_lo, col_up, row_lo, row_up = take_rows(self.bounds, idx)
        z = np.array([float(np.dot(self.weight, self.draws[i].x1)) for i in idx])  # type: ignore[arg-type]
        floor = optimum_floor(z)
        inf = np.full((len(idx), 1), INF)
        return col_lo, col_up, np.hstack([row_lo, floor[:, None]]), np.hstack([row_up, inf])

    def _pinned(self, idx: list[int]) -> Bounds:
        """Bounds of the pinned least-cost stage (:func:`.highs._pinned_bounds`), a row per draw."""
        col_lo, col_up, row_lo, row_up = take_rows(self.bounds, idx)  # copies: pinned in place
        pin = np.stack([self.draws[i].pin for i in idx])  # type: ignore[misc]
        tol = np.array([self.draws[i].tol for i in idx])[:, None]
        col_lo[:, self.cols], col_up[:, self.cols] = pin_range(col_up[:, self.cols], pin, tol)
        return col_lo, col_up, row_lo, row_up


def _hint(d: _Draw, stage: str) -> tuple[bytes, str] | None:
    """The hint the per-draw path gives a later stage (:func:`.highs._hint`)."""
    return (d.vertex.key, stage) if d.vertex is not None else None


def shared_many(
    weight: np.ndarray, cols: np.ndarray, size: np.ndarray, x1: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1b's closed form (:func:`.highs._shared`) for many draws (rows).

    Returns the pinned values of ``cols`` per draw and whether anything is
    shared (False: stage 1's values stand).
    """
    size = np.maximum(size, 1e-9)
    value = x1[:, cols].copy()
    group, tied = tie_groups(weight[cols])
    short = value < size - 1e-9 * np.maximum(1.0, size)
    need = (tied & short).any(axis=1)
    if need.any():
        t = np.nonzero(tied)[0]
        t = t[np.argsort(group[t], kind="stable")]  # each group's columns side by side
        _, starts, within = np.unique(group[t], return_index=True, return_inverse=True)
        total = np.add.reduceat(value[:, t], starts, axis=1)
        room = np.add.reduceat(size[:, t], starts, axis=1)
        share = np.divide(total, room, out=np.zeros_like(total), where=room > 0)
        value[:, t] = np.minimum(size[:, t], size[:, t] * share[:, within])
    return value, need
