"""Optimal bases reused across Monte Carlo draws: an LP's vertex from a basis, in NumPy.

A Monte Carlo draw changes only the bounds of a year's programme, never its
matrix or costs. An optimal basis's reduced costs depend on the matrix and
costs alone, so a basis that was optimal for one draw is optimal for any
other draw under which it is *primal feasible* and every nonbasic variable
sits at a bound its reduced cost allows (textbook LP sensitivity analysis,
e.g. Bertsimas & Tsitsiklis 1997, §5.1). Checking that needs one small
linear solve, no simplex iteration:

* nonbasic columns take the bound their status names; nonbasic rows hold
  their activity at the bound their status names;
* the basic columns solve ``A[N_r, B] x_B = r_N − A[N_r, N] x_N`` (square:
  as many nonbasic rows as basic columns), with ``A[N_r, B]`` inverted once
  per basis;
* the basis is taken when every basic column and every basic row's activity
  is within its bounds to :data:`PRIMAL_TOL`, every nonbasic bound is finite,
  and a variable kept at a bound only because it was fixed (its reduced cost
  has the wrong sign for a free bound) is still fixed.

The duals of a basis are those HiGHS reported when it found it: they depend
on the basis alone.

:class:`VertexCache` keeps the bases of one programme family. It is a pure
function of what it was given: the same bases in the same order answer the
same draw the same way, whatever process it runs in. It answers one
programme (:meth:`VertexCache.find`) or many at once, a row of bounds each
(:meth:`VertexCache.find_many`: each basis over every row still unanswered,
over the basis's nonzeros, or from a low-rank factorisation of the rows,
:func:`low_rank`). :class:`QuadraticCache` does the same for the tie QP,
whose optimum may lie inside a face.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

Bounds = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Column lower, column upper, row lower and row upper bounds of a programme."""

PRIMAL_TOL = 1e-9
"""Relative slack (of ``max(1, |bound|)``) within which a basic value counts as feasible."""

QP_PRIMAL_TOL = 1e-7
"""The same for the tie QP: HiGHS's own QP answers sit up to its feasibility tolerance
(1e-7) outside a bound (measured: 40 corridor draws, rows up to 1.2e-7 relative)."""

DUAL_TOL = 1e-7
"""Reduced costs within this of zero allow either bound (HiGHS's dual feasibility tolerance)."""

RESIDUAL_TOL = 1e-8
"""Largest relative disagreement with HiGHS's own vertex at which a basis is kept."""

KEEP = 100
"""Bases kept per programme family. The one-programme search tries the 24 most recently
useful; the batched one tries them all (:meth:`VertexCache.find_many`), where a larger store
saves HiGHS solves (measured 2026-12-03: 1,000 corridor draws, 48 → 100 kept, 2–10 % faster;
~700 bases kept in all, ~95 MB of basis inverses)."""

LOWER, BASIC, UPPER, ZERO, NONBASIC = 0, 1, 2, 3, 4
"""HiGHS basis statuses (``highspy.HighsBasisStatus``) as integers (a QP's superbasic
columns are kNonbasic: such bases are not kept)."""


@dataclass(frozen=True)
class Sparse:
    """The nonzeros of a block of the matrix, row by row: products with many vectors at once.

    ``col`` indexes what the products take values of (programme columns, or
    positions among the basic columns), ``val`` the coefficients; entries are
    sorted by output row, ``rows`` lists the output rows that have any and
    ``starts`` where each begins.
    """

    col: np.ndarray
    val: np.ndarray
    starts: np.ndarray
    rows: np.ndarray
    n_out: int

    def times(self, values: np.ndarray) -> np.ndarray:
        """``Σ val · value`` per output row, for each row of ``values`` (one value per entry)."""
        out = np.zeros((len(values), self.n_out))
        if self.col.size:
            out[:, self.rows] = np.add.reduceat(values * self.val, self.starts, axis=1)
        return out


def _block(product: Product, rows: np.ndarray, cols: np.ndarray) -> Sparse:
    """``A[rows, cols]`` from the matrix's nonzeros.

    ``cols`` maps each programme column to what ``col`` holds for it (its
    own index, or a position among the basic columns), −1 where left out.
    """
    where = np.full(product.rows, -1)
    where[rows] = np.arange(len(rows))
    r = where[product.row]
    c = cols[product.col]
    keep = (r >= 0) & (c >= 0)
    r, c, val = r[keep], c[keep], product.value[keep]
    order = np.argsort(r, kind="stable")
    r, c, val = r[order], c[order], val[order]
    present, starts = np.unique(r, return_index=True)
    return Sparse(c, val, starts, present, len(rows))


EMPTY = Sparse(np.zeros(0, dtype=np.intp), np.zeros(0), np.zeros(0, dtype=np.intp),
               np.zeros(0, dtype=np.intp), 0)  # fmt: skip


@dataclass(frozen=True)
class Vertex:
    """One optimal basis of a programme family, ready to be evaluated at other bounds."""

    basic: np.ndarray
    """Basic columns."""
    col_at_upper: np.ndarray
    """Per column: nonbasic at its upper bound (else at its lower bound, or basic)."""
    col_free: np.ndarray
    """Per column: nonbasic at zero (a free column; HiGHS status kZero)."""
    rows: np.ndarray
    """Nonbasic rows, in the order of the inverse's columns."""
    row_at_upper: np.ndarray
    """For each of ``rows``: held at its upper bound (else its lower bound)."""
    basic_rows: np.ndarray
    """Basic rows (their activity must stay within bounds)."""
    inverse: np.ndarray
    """``A[rows, basic]⁻¹``."""
    fixed_cols: np.ndarray
    """Nonbasic columns whose reduced cost allows their bound only if it is a fixed one."""
    fixed_rows: np.ndarray
    """Nonbasic rows likewise."""
    row_dual: np.ndarray
    col_dual: np.ndarray
    key: bytes
    """The column and row statuses (one byte each): the basis's identity."""
    payload: object = None
    """What the caller keeps with the basis (the HiGHS basis object, to start later stages)."""
    superbasic: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    """Columns between their bounds that are not basic (a QP's optimum inside a face)."""
    step: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """``−A[rows, basic]⁻¹ A[rows, superbasic]``: how the basic columns follow the superbasic."""
    at_bound: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    """Nonbasic columns held at a bound (not free, not superbasic)."""
    rows_at_bound: Sparse = EMPTY
    """``A[rows, at_bound]``."""
    basic_rows_at_bound: Sparse = EMPTY
    """``A[basic_rows, at_bound]``."""
    basic_rows_basic: Sparse = EMPTY
    """``A[basic_rows, basic]``, ``col`` a position among the basic columns."""


Points = Callable[
    [Vertex, Bounds, np.ndarray, tuple[np.ndarray, np.ndarray]], tuple[np.ndarray, np.ndarray]
]
"""(basis, bounds of the rows left, their indices, infinite bounds) → (points, where optimal)."""


class VertexCache:
    """Optimal bases of one programme family (fixed matrix and costs; bounds vary).

    :meth:`add` takes a basis HiGHS found optimal (after checking that the
    vertex computed here equals HiGHS's to :data:`RESIDUAL_TOL`);
    :meth:`find` tries the ``tries`` most recently useful bases and returns
    the vertex of the first one optimal at the given bounds, or None (each
    try costs about a tenth of a HiGHS solve). A basis found, or found again
    by HiGHS, moves to the front; at most ``limit`` are kept, the least
    recently useful dropped. Contents and order depend only on the sequence
    of calls.
    """

    def __init__(
        self, matrix: np.ndarray, limit: int = KEEP, tries: int = 24, tol: float = PRIMAL_TOL
    ) -> None:
        self.tol = tol
        """Primal feasibility slack, relative (:data:`PRIMAL_TOL`)."""
        self.a = np.asarray(matrix, dtype=float)
        self.product = Product(self.a)
        self.limit = limit
        self.tries = tries
        self.vertices: list[Vertex] = []
        self.follow: dict[Hashable, bytes] = {}
        """Hint → the basis that last answered for it (:meth:`find`)."""
        self.rays: list[tuple[np.ndarray, np.ndarray]] = []
        """Farkas certificates (row multipliers y, ``Aᵀy``) of programmes found infeasible."""
        self.hits = 0
        self.misses = 0
        self.refuted = 0
        self.skip = False
        """Set by a caller that knows its next searches miss (a batch tried every basis)."""
        self.serial: dict[bytes, int] = {}
        """Key → when the basis was first kept (0, 1, …): :meth:`find_many` tries newer ones."""
        self.added = 0
        """Bases and rays kept so far (the next serial)."""

    def add(
        self,
        col_status: Iterable[Any],
        row_status: Iterable[Any],
        bounds: Bounds,
        x: np.ndarray,
        row_dual: ArrayLike | None = None,
        col_dual: ArrayLike | None = None,
        payload: object = None,
        hint: Hashable | None = None,
        accept: Callable[[Vertex], bool] | None = None,
    ) -> bytes | None:
        """Keep one optimal basis at the front; its key, or None if not kept.

        A basis kept already moves to the front. None when the vertex
        computed here does not reproduce HiGHS's, or ``accept`` refuses the
        new basis. ``hint`` as in :meth:`find`. Without duals no bound is
        marked as allowed only while fixed (the QP checks signs per draw).
        """
        cs, rs, key = _statuses(col_status, row_status)
        kept = self._kept(key)
        if kept is not None:
            return self._insert(kept, hint)
        y = np.zeros(self.a.shape[0]) if row_dual is None else np.asarray(row_dual, dtype=float)
        d = np.zeros(self.a.shape[1]) if col_dual is None else np.asarray(col_dual, dtype=float)
        vertex = _vertex(self.a, cs, rs, y, d, key, payload, product=self.product)
        if vertex is None:
            return None
        found = _evaluate(self.product, vertex, *bounds, self.tol)
        scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
        if found is None or float(np.max(np.abs(found - x), initial=0.0)) > RESIDUAL_TOL * scale:
            return None
        if accept is not None and not accept(vertex):
            return None
        return self._insert(vertex, hint)

    def _kept(self, key: bytes) -> Vertex | None:
        return next((v for v in self.vertices if v.key == key), None)

    def _insert(self, vertex: Vertex, hint: Hashable | None) -> bytes:
        """Put ``vertex`` first (moved if kept already); drop the least recently useful."""
        key = vertex.key
        if key in self.serial:
            i = next(i for i, v in enumerate(self.vertices) if v.key == key)
            self.vertices.insert(0, self.vertices.pop(i))
            return self._followed(hint, key)
        self.vertices.insert(0, vertex)
        for dropped in self.vertices[self.limit :]:
            self.serial.pop(dropped.key, None)
        del self.vertices[self.limit :]
        self.serial[key] = self.added
        self.added += 1
        return self._followed(hint, key)

    def _followed(self, hint: Hashable | None, key: bytes) -> bytes:
        if hint is not None:
            self.follow[hint] = key
        return key

    def find(
        self,
        col_lo: np.ndarray,
        col_up: np.ndarray,
        row_lo: np.ndarray,
        row_up: np.ndarray,
        hint: Hashable | None = None,
    ) -> tuple[np.ndarray, Vertex] | None:
        """The vertex of the first kept basis optimal at these bounds, and that basis.

        The basis that last answered for ``hint`` (the basis of an earlier
        stage, say) is tried first, then the most recently useful ones. The
        basis found moves to the front: the order depends only on the
        sequence of calls.
        """
        return self._search((col_lo, col_up, row_lo, row_up), hint)

    def _search(
        self,
        bounds: Bounds,
        hint: Hashable | None,
    ) -> tuple[np.ndarray, Vertex] | None:
        """The first basis (hint's first, then by recent use) optimal at these bounds."""
        return self._search_with(lambda v: _evaluate(self.product, v, *bounds, self.tol), hint)

    def _search_with(
        self, point: Callable[[Vertex], np.ndarray | None], hint: Hashable | None
    ) -> tuple[np.ndarray, Vertex] | None:
        """The first basis whose ``point`` is not None: the hint's first, then by recent use."""
        if self.skip:
            return None
        first = self.follow.get(hint) if hint is not None else None
        order = sorted(
            range(min(self.tries, len(self.vertices))),
            key=lambda i: self.vertices[i].key != first,
        )
        for i in order:
            vertex = self.vertices[i]
            x = point(vertex)
            if x is None:
                continue
            self.hits += 1
            if i:
                self.vertices.insert(0, self.vertices.pop(i))
            if hint is not None:
                self.follow[hint] = vertex.key
            return x, vertex
        self.misses += 1
        return None

    def find_many(
        self,
        bounds: Bounds,
        since: int = 0,
        low: LowRank | None = None,
        hints: Sequence[Hashable | None] | None = None,
        *,
        rows: np.ndarray | None = None,
        infinite: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, list[Vertex | None]]:
        """:meth:`find` for many programmes at once, one per row of each bound array.

        Tries every kept basis first kept at or after serial ``since`` (a
        caller that tried the older ones on the same rows before passes the
        :attr:`added` of then), most recently useful first; each basis is
        evaluated for all rows still unanswered in a few matrix products.
        Returns the vertices (rows without an answer are zero) and, per row,
        the basis that answered or None. The order of the kept bases is left
        as it was: which basis answers a row depends on the kept bases alone.
        ``low``, the factorisation of the rows searched (:func:`low_rank`),
        makes each try cost about as much for a thousand rows as for one.
        ``hints`` (one per row, as in :meth:`find`) first try, for the rows of
        each hint, the basis that last answered it: most rows then cost one
        try, not one per basis ahead of theirs. ``rows`` searches only those
        rows of ``bounds`` (the results are theirs, in that order) without
        copying the others; ``infinite`` is :func:`infinite_bounds` of ``bounds``,
        for a caller that searches the same bounds often.
        """
        return self._search_many(bounds, since, low=low, hints=hints, rows=rows, infinite=infinite)

    def _search_many(
        self,
        bounds: Bounds,
        since: int,
        low: LowRank | None = None,
        points: Points | None = None,
        hints: Sequence[Hashable | None] | None = None,
        rows: np.ndarray | None = None,
        infinite: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, list[Vertex | None]]:
        """:meth:`find_many`; ``points`` evaluates a basis instead (the QP's, with its sizes)."""
        rows = np.arange(len(bounds[0])) if rows is None else np.asarray(rows, dtype=np.intp)
        infinite = infinite_bounds(bounds) if infinite is None else infinite
        n = len(rows)
        x = np.zeros((n, self.a.shape[1]))
        found: list[Vertex | None] = [None] * n
        done = np.zeros(n, dtype=bool)

        def answer(vertex: Vertex, at: np.ndarray, values: np.ndarray) -> None:
            x[at] = values
            done[at] = True
            for k in at:
                found[k] = vertex

        for vertex, at in self._hinted(hints, since) if hints is not None else ():
            sub = low.take(at) if low is not None else None
            values, ok = self._try(vertex, bounds, rows[at], sub, points, infinite)
            answer(vertex, at[ok], values)
        left = np.nonzero(~done)[0]
        if low is not None and len(left) < n:
            low = low.take(left)
        part: Bounds | None = None
        """The bounds of the rows ``left`` (searches without ``low``)."""
        for vertex in self.vertices:
            if not len(left):
                break
            if self.serial.get(vertex.key, 0) < since:
                continue
            if low is None and part is None:
                part = _rows_of(bounds, rows[left])
            values, ok = self._try(vertex, bounds, rows[left], low, points, infinite, part)
            if not ok.any():
                continue
            answer(vertex, left[ok], values)
            if low is not None:
                low = low.take(~ok)
            if part is not None:
                part = take_rows(part, ~ok)
            left = left[~ok]
        self.hits += n - len(left)
        self.misses += len(left)
        for hint, answered in zip(hints or (), found, strict=False):
            if hint is not None and answered is not None:
                self.follow[hint] = answered.key
        return x, found

    def _hinted(
        self, hints: Sequence[Hashable | None], since: int
    ) -> Iterator[tuple[Vertex, np.ndarray]]:
        """Each basis that last answered some rows' hint (kept at or after ``since``), its rows."""
        rows: dict[bytes, list[int]] = {}
        for i, hint in enumerate(hints):
            key = self.follow.get(hint) if hint is not None else None
            if key is not None and self.serial.get(key, -1) >= since:
                rows.setdefault(key, []).append(i)
        for key, idx in rows.items():
            vertex = self._kept(key)
            if vertex is not None:
                yield vertex, np.asarray(idx, dtype=np.intp)

    def _try(
        self,
        vertex: Vertex,
        bounds: Bounds,
        rows: np.ndarray,
        low: LowRank | None,
        points: Points | None,
        infinite: tuple[np.ndarray, np.ndarray],
        part: Bounds | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``vertex`` at the rows ``rows`` of ``bounds``: the points where optimal, and where.

        ``low`` factorises those rows: it finds the candidates, whose points
        are then computed exactly. ``part``, the rows' bounds, if taken already.
        """
        if low is not None:
            ok = _evaluate_low_rank(vertex, low, self.tol)
            if not ok.any():
                return np.zeros((0, self.a.shape[1])), ok
            candidates = np.nonzero(ok)[0]
            values, exact = _evaluate_many(
                vertex, take_rows(bounds, rows[candidates]), self.tol, infinite
            )
            ok[candidates[~exact]] = False
            return values, ok
        part = _rows_of(bounds, rows) if part is None else part
        if points is not None:
            return points(vertex, part, rows, infinite)
        return _evaluate_many(vertex, part, self.tol, infinite)

    def refuted_many(self, bounds: Bounds) -> np.ndarray:
        """:meth:`infeasible` for many programmes (rows); the rays keep their order."""
        out = np.zeros(len(bounds[0]), dtype=bool)
        for ray in self.rays[: self.tries]:
            out |= _refutes_many(ray, *bounds)
        self.refuted += int(out.sum())
        return out

    def clear(self) -> None:
        """Forget every kept basis, ray and hint."""
        self.vertices.clear()
        self.rays.clear()
        self.follow.clear()
        self.serial.clear()

    def add_ray(self, row_ray: ArrayLike, bounds: Bounds) -> bool:
        """Keep HiGHS's dual ray of an infeasible programme, if it proves that here."""
        y = np.asarray(row_ray, dtype=float)
        ray = (y, self.a.T @ y)
        if not _refutes(ray, *bounds):
            return False
        self.rays.insert(0, ray)
        del self.rays[self.limit :]
        return True

    def infeasible(self, *bounds: np.ndarray) -> bool:
        """Whether a kept ray proves these bounds infeasible (it moves to the front)."""
        if self.skip:
            return False
        for i, ray in enumerate(self.rays[: self.tries]):
            if _refutes(ray, *bounds):
                self.refuted += 1
                if i:
                    self.rays.insert(0, self.rays.pop(i))
                return True
        return False


INFEASIBLE_TOL = 1e-6
"""Relative gap a ray must show before a programme counts as infeasible without HiGHS."""


def _refutes(
    ray: tuple[np.ndarray, np.ndarray],
    col_lo: np.ndarray,
    col_up: np.ndarray,
    row_lo: np.ndarray,
    row_up: np.ndarray,
) -> bool:
    """Whether ``ray`` proves that no ``x`` meets these bounds (Farkas).

    For ``r = Ax``, ``yᵀr = (Aᵀy)ᵀx``: the range of ``dᵀx`` over the column
    box must meet the range of ``yᵀr`` over the row box. A gap larger than
    :data:`INFEASIBLE_TOL` (relative) proves infeasibility; a smaller one is
    left to HiGHS and its tolerances.
    """
    y, d = ray
    d_lo, d_up = _range(d, col_lo, col_up)
    y_lo, y_up = _range(y, row_lo, row_up)
    finite = [v for v in (d_lo, d_up, y_lo, y_up) if np.isfinite(v)]
    scale = INFEASIBLE_TOL * max([1.0, *map(abs, finite)])
    return bool(d_lo - y_up > scale or y_lo - d_up > scale)


def _refutes_many(
    ray: tuple[np.ndarray, np.ndarray],
    col_lo: np.ndarray,
    col_up: np.ndarray,
    row_lo: np.ndarray,
    row_up: np.ndarray,
) -> np.ndarray:
    """:func:`_refutes` for many programmes, one per row of the bound arrays."""
    y, d = ray
    d_lo, d_up = _range_many(d, col_lo, col_up)
    y_lo, y_up = _range_many(y, row_lo, row_up)
    stacked = np.abs(np.stack([d_lo, d_up, y_lo, y_up]))
    scale = INFEASIBLE_TOL * np.maximum(1.0, np.where(np.isfinite(stacked), stacked, 0).max(0))
    with np.errstate(invalid="ignore"):
        return np.asarray((d_lo - y_up > scale) | (y_lo - d_up > scale))


def _range_many(c: np.ndarray, lo: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_range` for many boxes, one per row of ``lo`` and ``up``."""
    pos, neg = np.nonzero(c > 0)[0], np.nonzero(c < 0)[0]
    with np.errstate(invalid="ignore", over="ignore"):
        low = lo[:, pos] @ c[pos] + up[:, neg] @ c[neg]
        high = up[:, pos] @ c[pos] + lo[:, neg] @ c[neg]
    return np.where(np.isnan(low), -np.inf, low), np.where(np.isnan(high), np.inf, high)


def _range(c: np.ndarray, lo: np.ndarray, up: np.ndarray) -> tuple[float, float]:
    """Smallest and largest ``cᵀv`` over the box ``lo ≤ v ≤ up`` (±inf where unbounded)."""
    pos, neg = c > 0, c < 0
    with np.errstate(invalid="ignore"):
        low = float(np.dot(c[pos], lo[pos]) + np.dot(c[neg], up[neg]))
        high = float(np.dot(c[pos], up[pos]) + np.dot(c[neg], lo[neg]))
    return (-np.inf if np.isnan(low) else low), (np.inf if np.isnan(high) else high)


def dense_matrix(entries: list[tuple[np.ndarray, np.ndarray]], n_cols: int) -> np.ndarray:
    """A programme's row-wise sparse entries as a dense matrix."""
    a = np.zeros((len(entries), n_cols))
    for i, (cols, vals) in enumerate(entries):
        np.add.at(a[i], np.asarray(cols, dtype=np.intp), vals)
    return a


class Product:
    """``A @ x`` for a mostly empty dense ``A``, over its nonzeros only."""

    def __init__(self, a: np.ndarray) -> None:
        self.row, self.col = np.nonzero(a)
        self.value = a[self.row, self.col]
        self.rows, self.cols = a.shape

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``A @ x``."""
        return np.bincount(self.row, weights=self.value * x[self.col], minlength=self.rows)

    def transposed(self, y: np.ndarray) -> np.ndarray:
        """``Aᵀ @ y``."""
        return np.bincount(self.col, weights=self.value * y[self.row], minlength=self.cols)


def _vertex(
    a: np.ndarray,
    cs: np.ndarray,
    rs: np.ndarray,
    row_dual: np.ndarray,
    col_dual: np.ndarray,
    key: bytes,
    payload: object,
    superbasic: bool = False,
    product: Product | None = None,
) -> Vertex | None:
    basic = np.nonzero(cs == BASIC)[0]
    rows = np.nonzero(rs != BASIC)[0]
    free = np.nonzero(cs == NONBASIC)[0]
    if len(basic) != len(rows) or np.any(rs == NONBASIC) or (len(free) and not superbasic):
        return None
    sub = a[np.ix_(rows, basic)]
    try:
        inverse = np.linalg.inv(sub) if len(rows) else np.zeros((0, 0))
    except np.linalg.LinAlgError:
        return None
    step = -inverse @ a[np.ix_(rows, free)]
    basic_rows = np.nonzero(rs == BASIC)[0]
    held = np.ones(len(cs), dtype=bool)
    held[basic] = False
    held[free] = False
    held[cs == ZERO] = False
    at_bound = np.nonzero(held)[0]
    product = product if product is not None else Product(a)
    own = np.where(held, np.arange(len(cs)), -1)
    position = np.full(len(cs), -1)
    position[basic] = np.arange(len(basic))
    wrong_col = _wrong_sign(col_dual, cs == LOWER, cs == UPPER)
    wrong_row = _wrong_sign(row_dual, rs == LOWER, rs == UPPER)
    return Vertex(
        basic=basic,
        col_at_upper=cs == UPPER,
        col_free=cs == ZERO,
        rows=rows,
        row_at_upper=rs[rows] == UPPER,
        basic_rows=basic_rows,
        inverse=inverse,
        fixed_cols=np.nonzero(wrong_col)[0],
        fixed_rows=np.nonzero(wrong_row)[0],
        row_dual=row_dual.copy(),
        col_dual=col_dual.copy(),
        key=key,
        payload=payload,
        superbasic=free,
        step=step,
        at_bound=at_bound,
        rows_at_bound=_block(product, rows, own),
        basic_rows_at_bound=_block(product, basic_rows, own),
        basic_rows_basic=_block(product, basic_rows, position),
    )


def _wrong_sign(dual: np.ndarray, at_lower: np.ndarray, at_upper: np.ndarray) -> np.ndarray:
    """Where a bound's multiplier has a sign that bound does not allow.

    HiGHS's signs for a minimum: ≥ 0 at a lower bound, ≤ 0 at an upper one
    (to :data:`DUAL_TOL`).
    """
    return (at_lower & (dual < -DUAL_TOL)) | (at_upper & (dual > DUAL_TOL))


def _evaluate(
    product: Product,
    v: Vertex,
    col_lo: np.ndarray,
    col_up: np.ndarray,
    row_lo: np.ndarray,
    row_up: np.ndarray,
    tol: float = PRIMAL_TOL,
) -> np.ndarray | None:
    """The basis's vertex at these bounds, or None where the basis is not optimal there."""
    if v.fixed_cols.size and (col_lo[v.fixed_cols] != col_up[v.fixed_cols]).any():
        return None
    if v.fixed_rows.size and (row_lo[v.fixed_rows] != row_up[v.fixed_rows]).any():
        return None
    x = np.where(v.col_at_upper, col_up, col_lo)
    x[v.col_free] = 0.0
    x[v.basic] = 0.0
    target = np.where(v.row_at_upper, row_up[v.rows], row_lo[v.rows])
    if not (np.isfinite(x).all() and np.isfinite(target).all()):
        return None
    xb = v.inverse @ (target - product(x)[v.rows])
    x[v.basic] = xb
    if _outside(xb, col_lo[v.basic], col_up[v.basic], tol):
        return None
    if v.basic_rows.size and _outside(
        product(x)[v.basic_rows], row_lo[v.basic_rows], row_up[v.basic_rows], tol
    ):
        return None
    return x


def _evaluate_many(
    v: Vertex,
    bounds: Bounds,
    tol: float = PRIMAL_TOL,
    infinite: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_evaluate` for many programmes (rows): the vertices where optimal, and where.

    Returns the vertices of the rows where the basis is optimal (in row
    order) and that mask. The products run over the basis's nonzeros
    (:class:`Sparse`); ``infinite`` tells, per column, whether its lower and
    its upper bound is infinite in some row (computed here if not given).
    """
    col_lo, col_up, row_lo, row_up = bounds
    xb, ok = _basic_values(v, bounds, infinite)
    ok &= ~_outside_many(xb, col_lo[:, v.basic], col_up[:, v.basic], tol)
    if v.basic_rows.size and ok.any():
        held = _held_values(v.basic_rows_at_bound, v, col_lo, col_up, ok)
        activity = v.basic_rows_at_bound.times(held) + v.basic_rows_basic.times(
            xb[:, v.basic_rows_basic.col]
        )
        ok &= ~_outside_many(activity, row_lo[:, v.basic_rows], row_up[:, v.basic_rows], tol)
    return _vertices(v, col_lo[ok], col_up[ok], xb[ok]), ok


def _basic_values(
    v: Vertex, bounds: Bounds, infinite: tuple[np.ndarray, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """The basic columns' values per row (superbasic ones at 0), and the rows where they exist.

    Where a bound the basis holds is infinite, or one it may hold only while
    fixed is not, the row is out (its values are then meaningless).
    """
    col_lo, col_up, row_lo, row_up = bounds
    ok = _fixed_hold(v, bounds)
    target = np.where(v.row_at_upper, row_up[:, v.rows], row_lo[:, v.rows])
    ok &= _finite_at_bounds(v, bounds, infinite) & np.isfinite(target).all(axis=1)
    target[~ok] = 0.0
    held = _held_values(v.rows_at_bound, v, col_lo, col_up, ok)
    return (target - v.rows_at_bound.times(held)) @ v.inverse.T, ok


def _fixed_hold(v: Vertex, bounds: Bounds) -> np.ndarray:
    """Per row, whether every bound the basis may hold only while fixed is still fixed."""
    col_lo, col_up, row_lo, row_up = bounds
    ok = np.ones(len(col_lo), dtype=bool)
    if v.fixed_cols.size:
        ok &= (col_lo[:, v.fixed_cols] == col_up[:, v.fixed_cols]).all(axis=1)
    if v.fixed_rows.size:
        ok &= (row_lo[:, v.fixed_rows] == row_up[:, v.fixed_rows]).all(axis=1)
    return ok


def _finite_at_bounds(
    v: Vertex, bounds: Bounds, infinite: tuple[np.ndarray, np.ndarray] | None
) -> np.ndarray:
    """Per row, whether every column the basis holds at a bound is held at a finite one."""
    lo_inf, up_inf = infinite if infinite is not None else infinite_bounds(bounds)
    cols = v.at_bound[np.where(v.col_at_upper, up_inf, lo_inf)[v.at_bound]]
    if not cols.size:
        return np.ones(len(bounds[0]), dtype=bool)
    held = np.where(v.col_at_upper[cols], bounds[1][:, cols], bounds[0][:, cols])
    return np.asarray(np.isfinite(held).all(axis=1))


def _held_values(
    sp: Sparse, v: Vertex, col_lo: np.ndarray, col_up: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    """The bound each entry's column is held at, per row (0 on rows not ``ok``)."""
    held = col_lo[:, sp.col]
    upper = np.nonzero(v.col_at_upper[sp.col])[0]
    if upper.size:
        held[:, upper] = col_up[:, sp.col[upper]]
    held[~ok] = 0.0
    return held


def _vertices(v: Vertex, col_lo: np.ndarray, col_up: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """Full vertices: held columns at their bound, free ones at 0, basic ones ``xb``."""
    x = np.where(v.col_at_upper, col_up, col_lo)
    x[:, v.col_free] = 0.0
    x[:, v.superbasic] = 0.0
    x[:, v.basic] = xb
    return x


@dataclass(frozen=True)
class LowRank:
    """Bounds of many programmes as ``base + coef @ dirs``: few directions, many rows.

    A block's draws move a year's bounds through a handful of multipliers,
    so the stacked bounds (one row per draw, the four bound vectors side by
    side) have a small rank. A basis is then evaluated once for the base and
    once per direction, and each draw's values are a small linear
    combination of those (:func:`_evaluate_low_rank`).
    """

    base: np.ndarray
    """The first row's bounds, the four vectors concatenated."""
    coef: np.ndarray
    """[rows × rank]."""
    dirs: np.ndarray
    """[rank × bounds]: zero where every row has the same bound."""
    cols: int
    """Columns of the programme (splits the concatenated vectors)."""

    def take(self, which: np.ndarray) -> LowRank:
        """The factorisation of the rows ``which`` (indices or a mask)."""
        return LowRank(self.base, self.coef[which], self.dirs, self.cols)


LOW_RANK_MAX = 12
"""Largest rank worth factorising (beyond it each basis is evaluated row by row)."""

LOW_RANK_TOL = 1e-12
"""Largest error of the factorisation, relative to ``max(1, |bound|)``, for it to be used."""


def low_rank(bounds: Bounds, seed: int = 0) -> LowRank | None:
    """``bounds`` (a row per programme) factorised exactly, or None if the rank is not small.

    Entries that differ between rows must be finite. The rank is found by a
    randomised range finder (Halko, Martinsson & Tropp 2011, alg. 4.1) with a
    fixed seed and checked entry by entry against :data:`LOW_RANK_TOL`.
    """
    n = len(bounds[0])
    if n < 2 * LOW_RANK_MAX:
        return None
    first = np.concatenate([b[0] for b in bounds])
    where = [np.nonzero(~(b == b[0]).all(axis=0))[0] for b in bounds]
    offsets = np.cumsum([0] + [b.shape[1] for b in bounds[:-1]])
    vary = np.concatenate([w + o for w, o in zip(where, offsets, strict=True)])
    varying = np.hstack([b[:, w] for b, w in zip(bounds, where, strict=True)])
    delta = varying - first[vary]
    if not np.isfinite(delta).all():
        return None
    if not delta.size:  # every row the same
        return LowRank(first, np.zeros((n, 0)), np.zeros((0, len(first))), bounds[0].shape[1])
    omega = np.random.default_rng(seed).standard_normal((delta.shape[1], LOW_RANK_MAX + 1))
    q, _ = np.linalg.qr(delta @ omega)
    u, sv, vt = np.linalg.svd(q.T @ delta, full_matrices=False)
    rank = int(np.count_nonzero(sv > 1e-14 * sv[0])) if sv[0] > 0 else 0
    coef = q @ (u[:, :rank] * sv[:rank])
    small = vt[:rank]
    scale = np.maximum(1.0, np.abs(varying))
    if rank > LOW_RANK_MAX or np.any(np.abs(delta - coef @ small) > LOW_RANK_TOL * scale):
        return None
    dirs = np.zeros((rank, len(first)))
    dirs[:, vary] = small
    return LowRank(first, coef, dirs, bounds[0].shape[1])


def _evaluate_low_rank(v: Vertex, low: LowRank, tol: float) -> np.ndarray:
    """Where basis ``v`` is optimal, for every row of ``low`` (a mask), from its factorisation.

    The basic values and basic rows' activities are affine in the bounds:
    evaluated at the base and along each direction, then combined per row.
    Round-off is far below the feasibility tolerance; callers recompute the
    vertices of the rows found here exactly (:func:`_evaluate_many`).
    """
    c = low.cols
    r = (len(low.base) - 2 * c) // 2
    n = len(low.coef)
    held = np.where(v.col_at_upper[v.at_bound], c + v.at_bound, v.at_bound)
    sel_t = 2 * c + np.where(v.row_at_upper, r + v.rows, v.rows)
    if not (np.isfinite(low.base[held]).all() and np.isfinite(low.base[sel_t]).all()):
        return np.zeros(n, dtype=bool)

    def along(sp: Sparse) -> np.ndarray:
        """The base's and each direction's values of ``sp``'s held columns (rows)."""
        sel = np.where(v.col_at_upper[sp.col], c + sp.col, sp.col)
        return np.vstack([low.base[sel], low.dirs[:, sel]])

    target = np.vstack([low.base[sel_t], low.dirs[:, sel_t]])
    xbs = (target - v.rows_at_bound.times(along(v.rows_at_bound))) @ v.inverse.T
    xb = xbs[0] + low.coef @ xbs[1:]
    lo = low.base[v.basic] + low.coef @ low.dirs[:, v.basic]
    up = low.base[c + v.basic] + low.coef @ low.dirs[:, c + v.basic]
    ok = ~_outside_many(xb, lo, up, tol)
    if v.basic_rows.size:
        acts = v.basic_rows_at_bound.times(along(v.basic_rows_at_bound))
        acts += v.basic_rows_basic.times(xbs[:, v.basic_rows_basic.col])
        act = acts[0] + low.coef @ acts[1:]
        lo_rows, up_rows = 2 * c + v.basic_rows, 2 * c + r + v.basic_rows
        row_lo = low.base[lo_rows] + low.coef @ low.dirs[:, lo_rows]
        row_up = low.base[up_rows] + low.coef @ low.dirs[:, up_rows]
        ok &= ~_outside_many(act, row_lo, row_up, tol)
    return np.asarray(ok)


def _one_row(bounds: Bounds) -> Bounds:
    """One programme's bounds as the single row of a batch."""
    return bounds[0][None], bounds[1][None], bounds[2][None], bounds[3][None]


def take_rows(bounds: Bounds, which: np.ndarray | list[int]) -> Bounds:
    """The rows ``which`` (indices or a mask) of every bound array."""
    return bounds[0][which], bounds[1][which], bounds[2][which], bounds[3][which]


def _rows_of(bounds: Bounds, rows: np.ndarray) -> Bounds:
    """The rows ``rows`` of ``bounds``: the arrays themselves when that is all of them, in order."""
    n = len(bounds[0])
    if len(rows) == n and (n == 0 or (rows[0] == 0 and bool(np.all(np.diff(rows) == 1)))):
        return bounds
    return take_rows(bounds, rows)


def infinite_bounds(bounds: Bounds) -> tuple[np.ndarray, np.ndarray]:
    """Per column, whether its lower and its upper bound is infinite in any row of ``bounds``."""
    return np.asarray(~np.isfinite(bounds[0]).all(axis=0)), np.asarray(
        ~np.isfinite(bounds[1]).all(axis=0)
    )


def _outside_many(value: np.ndarray, lo: np.ndarray, up: np.ndarray, tol: float) -> np.ndarray:
    """Per row, whether some value lies beyond its bounds by more than ``tol`` (relative).

    As :func:`_outside`, row by row, in place (these arrays are a batch's largest).
    """
    with np.errstate(invalid="ignore"):
        slack = np.abs(lo)
        np.maximum(slack, 1.0, out=slack)
        slack *= tol
        gap = lo - value
        out = gap > slack
        np.abs(up, out=slack)
        np.maximum(slack, 1.0, out=slack)
        slack *= tol
        np.subtract(value, up, out=gap)
        out |= gap > slack
    return np.asarray(out.any(axis=1))


def _outside(value: np.ndarray, lo: np.ndarray, up: np.ndarray, tol: float) -> bool:
    """Whether some value lies beyond its bounds by more than ``tol`` (relative)."""
    below = lo - value > tol * np.maximum(1.0, np.abs(lo))
    above = value - up > tol * np.maximum(1.0, np.abs(up))
    return bool((below | above).any())


class QuadraticCache(VertexCache):
    """Optimal bases of the tie QP: ``min Σ_j (s_j − x_j)² / s_j`` over ``cols`` on a polytope.

    At a vertex of the stage-1 optimal face the QP's solution is the basis's,
    as for an LP. Inside a face (HiGHS reports *superbasic* columns, status
    kNonbasic) the basic columns follow the superbasic ones along
    ``step = −A[rows, basic]⁻¹ A[rows, superbasic]``, and the superbasic values
    minimise the objective along that face: a linear system of their number
    (the reduced Hessian, null-space method; Nocedal & Wright 2006, §16.2),
    solved per draw because the sizes ``s`` move the Hessian ``diag(2 / s)``.
    What differs from an LP is optimality: the gradient ``g = 2 (x − s) / s``
    (on ``cols``, 0 elsewhere) moves with the draw, so the multipliers ``y``
    (``A[rows, basic]ᵀ y = g_basic``) and reduced gradients ``d = g − Aᵀ y``
    are recomputed per draw and must have the signs their bounds allow (the
    QP's KKT conditions, sufficient for a convex QP).
    """

    def __init__(self, matrix: np.ndarray, cols: np.ndarray, limit: int = KEEP, tries: int = 24):
        super().__init__(matrix, limit, tries, QP_PRIMAL_TOL)
        self.cols = np.asarray(cols, dtype=np.intp)
        self.rationed = np.zeros(self.a.shape[1], dtype=bool)
        self.rationed[self.cols] = True

    def add_qp(
        self,
        col_status: Iterable[Any],
        row_status: Iterable[Any],
        bounds: Bounds,
        x: np.ndarray | None,
        size: np.ndarray,
        row_dual: ArrayLike | None = None,
        col_dual: ArrayLike | None = None,
        hint: Hashable | None = None,
    ) -> bytes | None:
        """Keep a QP basis if it is optimal here (and reproduces HiGHS's point and multipliers).

        ``x`` and the duals are HiGHS's answer with this basis; None (a solve
        that stopped early, :meth:`polish`) skips the comparison.
        """
        admitted = self._admit(col_status, row_status, bounds, x, size, row_dual, col_dual, hint)
        return None if admitted is None else admitted[1]

    def polish(
        self, col_status: Iterable[Any], row_status: Iterable[Any], bounds: Bounds, size: np.ndarray
    ) -> np.ndarray | None:
        """The QP's optimum from the basis a stalled solve stopped at, if optimal (it is kept)."""
        admitted = self._admit(col_status, row_status, bounds, None, size, None, None, None)
        return None if admitted is None else admitted[0]

    def _admit(
        self,
        col_status: Iterable[Any],
        row_status: Iterable[Any],
        bounds: Bounds,
        x: np.ndarray | None,
        size: np.ndarray,
        row_dual: ArrayLike | None,
        col_dual: ArrayLike | None,
        hint: Hashable | None,
    ) -> tuple[np.ndarray, bytes] | None:
        """The basis's point and key where it is the QP's optimum here (then kept), else None."""
        cs, rs, key = _statuses(col_status, row_status)
        zeros = np.zeros(self.a.shape[0]), np.zeros(self.a.shape[1])
        vertex = self._kept(key) or _vertex(
            self.a, cs, rs, *zeros, key, None, superbasic=True, product=self.product
        )
        if vertex is None or not self.rationed[vertex.superbasic].all():
            return None  # a superbasic column outside the tie has no curvature: no unique point
        one = _one_row(bounds)
        points, ok = self._points(vertex, one, size[None])
        if not ok[0] or not self._optimal_many(vertex, points, size[None], one)[0]:
            return None
        point = points[0]
        if x is not None:
            scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
            if float(np.max(np.abs(point - x), initial=0.0)) > QP_RESIDUAL_TOL * scale:
                return None
        if row_dual is not None and col_dual is not None:
            y, d = self._multipliers(vertex, points, size[None])
            theirs = np.concatenate([np.asarray(row_dual, float), np.asarray(col_dual, float)])
            # HiGHS's QP multipliers are good to about 1e-5 (gradients are O(1)): this
            # checks the sign convention, the KKT test decided
            if not np.allclose(np.concatenate([y[0], d[0]]), theirs, rtol=1e-4, atol=1e-4):
                return None
        return point, self._insert(vertex, hint)

    def find_qp(
        self,
        bounds: Bounds,
        size: np.ndarray,
        hint: Hashable | None = None,
    ) -> np.ndarray | None:
        """The QP's solution from a kept basis optimal at these bounds and sizes, or None."""
        one = _one_row(bounds)

        def point(vertex: Vertex) -> np.ndarray | None:
            points, ok = self._points(vertex, one, size[None])
            good = ok[0] and self._optimal_many(vertex, points, size[None], one)[0]
            return points[0] if good else None

        found = self._search_with(point, hint)
        return None if found is None else found[0]

    def find_qp_many(
        self,
        bounds: Bounds,
        size: np.ndarray,
        since: int = 0,
        hints: Sequence[Hashable | None] | None = None,
    ) -> tuple[np.ndarray, list[Vertex | None]]:
        """:meth:`find_qp` for many programmes (rows of ``bounds`` and ``size``)."""

        def points(
            vertex: Vertex, part: Bounds, rows: np.ndarray, infinite: tuple[np.ndarray, np.ndarray]
        ) -> tuple[np.ndarray, np.ndarray]:
            values, ok = self._points(vertex, part, size[rows], infinite)
            if ok.any():
                feasible = np.nonzero(ok)[0]
                good = self._optimal_many(vertex, values, size[rows[feasible]],
                                          take_rows(part, feasible))  # fmt: skip
                ok[feasible[~good]] = False
                values = values[good]
            return values, ok

        return self._search_many(bounds, since, points=points, hints=hints)

    def _points(
        self,
        v: Vertex,
        bounds: Bounds,
        size: np.ndarray,
        infinite: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The basis's points where primal feasible (rows; ``size`` a row per programme)."""
        if not v.superbasic.size:
            return _evaluate_many(v, bounds, self.tol, infinite)
        return _superbasic_many(
            self.a, v, bounds, self._full(size), self.rationed, self.tol, infinite
        )

    def _full(self, size: np.ndarray) -> np.ndarray:
        """Sizes over every column (1 where not rationed)."""
        out = np.ones((len(size), self.a.shape[1]))
        out[:, self.cols] = np.maximum(size, 1e-300)
        return out

    def _multipliers(
        self, v: Vertex, x: np.ndarray, size: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row multipliers and reduced gradients at ``x`` (rows) in basis ``v`` (HiGHS signs)."""
        g = np.zeros_like(x)
        g[:, self.cols] = 2.0 * x[:, self.cols] / size - 2.0
        y = np.zeros((len(x), self.a.shape[0]))
        y[:, v.rows] = g[:, v.basic] @ v.inverse
        return y, g - y[:, v.rows] @ self.a[v.rows]

    def _optimal_many(
        self, v: Vertex, x: np.ndarray, size: np.ndarray, bounds: Bounds
    ) -> np.ndarray:
        """Per row, whether every nonbasic bound's multiplier has an allowed sign.

        Fixed bounds allow any sign; free and superbasic columns need a zero
        reduced gradient (superbasic ones have it by construction).
        """
        col_lo, col_up, row_lo, row_up = bounds
        y, d = self._multipliers(v, x, size)
        free_col = col_lo != col_up
        at_lower = ~v.col_at_upper & ~v.col_free & free_col
        at_lower[:, v.basic] = False
        at_lower[:, v.superbasic] = False
        bad = _wrong_sign(d, at_lower, v.col_at_upper & free_col).any(axis=1)
        level = np.concatenate([np.nonzero(v.col_free)[0], v.superbasic])
        if level.size:
            bad |= (np.abs(d[:, level]) > DUAL_TOL).any(axis=1)
        open_row = row_lo[:, v.rows] != row_up[:, v.rows]
        yr = y[:, v.rows]
        wrong = _wrong_sign(yr, ~v.row_at_upper & open_row, v.row_at_upper & open_row)
        return np.asarray(~(bad | wrong.any(axis=1)))


QP_RESIDUAL_TOL = 1e-6
"""Largest relative disagreement with HiGHS's QP answer at which a basis is kept (its QP
solver stops within its own tolerances; the basis's point is the exact optimum)."""


def _superbasic_many(
    a: np.ndarray,
    v: Vertex,
    bounds: Bounds,
    size: np.ndarray,
    rationed: np.ndarray,
    tol: float,
    infinite: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The tie QP's optimum on basis ``v``'s face, for many programmes (rows).

    ``size`` is a row per programme over every column (1 where not
    ``rationed``); every superbasic column is rationed.
    The superbasic values ``u`` solve ``(Zᵀ H Z) u = −Zᵀ g₀`` with
    ``Z = [step; I]`` over basic then superbasic columns, ``H = diag(2 / s)``
    on rationed columns and ``g₀`` the gradient where ``u = 0``.
    """
    col_lo, col_up, row_lo, row_up = bounds
    sb, basic = v.superbasic, v.basic
    xb0, ok = _basic_values(v, bounds, infinite)
    rationed_b = rationed[basic]
    hb = np.where(rationed_b, 2.0 / size[:, basic], 0.0)
    g0 = np.where(rationed_b, 2.0 * xb0 / size[:, basic] - 2.0, 0.0)
    hess = np.einsum("ki,nk,kj->nij", v.step, hb, v.step)
    hess[:, np.arange(len(sb)), np.arange(len(sb))] += 2.0 / size[:, sb]
    rhs = -(g0 @ v.step - 2.0)  # the superbasic columns are rationed: g₀ = −2 there
    try:
        u = np.linalg.solve(hess, rhs[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        return np.zeros((0, a.shape[1])), np.zeros(len(col_lo), dtype=bool)
    xb = xb0 + u @ v.step.T
    ok &= ~_outside_many(xb, col_lo[:, basic], col_up[:, basic], tol)
    ok &= ~_outside_many(u, col_lo[:, sb], col_up[:, sb], tol)
    if v.basic_rows.size and ok.any():
        held = _held_values(v.basic_rows_at_bound, v, col_lo, col_up, ok)
        activity = (
            v.basic_rows_at_bound.times(held)
            + v.basic_rows_basic.times(xb[:, v.basic_rows_basic.col])
            + u @ a[np.ix_(v.basic_rows, sb)].T
        )
        ok &= ~_outside_many(activity, row_lo[:, v.basic_rows], row_up[:, v.basic_rows], tol)
    x = _vertices(v, col_lo[ok], col_up[ok], xb[ok])
    x[:, sb] = u[ok]
    return x, ok


def _statuses(
    col_status: Iterable[Any], row_status: Iterable[Any]
) -> tuple[np.ndarray, np.ndarray, bytes]:
    """HiGHS basis statuses as int8 arrays, and the basis's key (their bytes)."""
    cs = np.array(list(map(int, col_status)), dtype=np.int8)
    rs = np.array(list(map(int, row_status)), dtype=np.int8)
    return cs, rs, cs.tobytes() + rs.tobytes()
