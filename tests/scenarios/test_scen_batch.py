"""Many draw-years answered at once (:mod:`orechain.scenarios.batchsolve`).

The batched search must give, row for row, what the one-programme search of
:mod:`orechain.scenarios.vertex` gives, and a block solved year by year must
equal every draw solved by HiGHS (to 1e-6 relative).
"""

from __future__ import annotations

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import every_bound_family, kept_qp, programmes, shared_supply, solve_dense

from orechain.scenarios import batchsolve
from orechain.scenarios import highs as highs_module
from orechain.scenarios.highs import _shared
from orechain.scenarios.montecarlo import BlockDraws, make_context, run_monte_carlo, simulate_draw
from orechain.scenarios.solve import build_network
from orechain.scenarios.spec import parse_scenario
from orechain.scenarios.vertex import (
    LOW_RANK_MAX,
    VertexCache,
    low_rank,
    take_rows,
)

INF = highspy.kHighsInf
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows_near(rng, first, second, count, rank):
    """``count`` bound rows on the line/plane through ``first`` and ``second`` (rank ≤ ``rank``).

    Each row is ``first + Σ_k t_k (second − first)·w_k`` with random ``t`` and
    fixed random weights ``w_k`` per entry: what a block's draws look like (a
    few multipliers move many bounds).
    """
    base = np.hstack(first)
    finite = np.isfinite(base)
    step = np.zeros_like(base)
    step[finite] = np.hstack(second)[finite] - base[finite]
    weights = rng.uniform(0.5, 1.5, size=(rank, len(base)))
    t = rng.uniform(-0.5, 1.5, size=(count, rank)) / rank
    flat = base + t @ (weights * step)
    splits = np.cumsum([len(b) for b in first])[:-1]
    col_lo, col_up, row_lo, row_up = np.split(flat, splits, axis=1)
    return np.minimum(col_lo, col_up), col_up, row_lo, row_up  # a fixed column stays consistent


def _kept_from(a, cost, bounds_list):
    cache = VertexCache(a)
    for bounds in bounds_list:
        x, _, basis, row_dual, col_dual = solve_dense(a, cost, bounds)
        cache.add(basis.col_status, basis.row_status, bounds, x, row_dual, col_dual)
    return cache


@PROPERTY
@given(programmes(), st.integers(0, 2**32 - 1))
def test_the_batched_search_answers_each_row_as_the_single_search_does(case, seed):
    """Same rows answered, each by a basis optimal there: the same objective (1e-9)."""
    a, cost, first, second = case
    rng = np.random.default_rng(seed)
    rows = _rows_near(rng, first, second, 30, rank=2)
    cache = _kept_from(a, cost, [first, second])
    x, found = cache.find_many(rows)
    for i in range(len(x)):
        one = tuple(b[i] for b in rows)
        single = cache.find(*one)
        assert (found[i] is None) == (single is None)
        if single is not None:
            assert float(cost @ x[i]) == pytest.approx(float(cost @ single[0]), rel=1e-9, abs=1e-9)
            assert not _violates(a, x[i], one)


@PROPERTY
@given(programmes(), st.integers(0, 2**32 - 1))
def test_a_low_rank_search_finds_what_the_direct_one_finds(case, seed):
    """Bounds moved by two multipliers: factorised (rank ≤ 2) and searched the same."""
    a, cost, first, second = case
    rng = np.random.default_rng(seed)
    rows = _rows_near(rng, first, second, 3 * LOW_RANK_MAX, rank=2)
    rows = (np.zeros_like(rows[0]), *rows[1:])  # columns free from 0 (min() would add rank)
    low = low_rank(rows)
    assert low is not None
    assert low.coef.shape[1] <= 2
    cache = _kept_from(a, cost, [first, second])
    direct = cache.find_many(rows)
    fast = cache.find_many(rows, low=low)
    assert [v is None for v in direct[1]] == [v is None for v in fast[1]]
    np.testing.assert_allclose(fast[0], direct[0], rtol=1e-9, atol=1e-9)


@PROPERTY
@given(programmes(), st.integers(0, 2**32 - 1))
def test_hinted_searches_of_chosen_rows_answer_as_the_plain_search(case, seed):
    """Hints and ``rows`` change which basis is tried first, never which rows are answered.

    Each answered row gets an optimal vertex there (the plain search's objective to
    1e-9, within bounds), and each hint then follows the basis that answered its last row.
    """
    a, cost, first, second = case
    rng = np.random.default_rng(seed)
    bounds = _rows_near(rng, first, second, 3 * LOW_RANK_MAX, rank=2)
    bounds = (np.zeros_like(bounds[0]), *bounds[1:])
    cache = _kept_from(a, cost, [first, second])
    for v in cache.vertices:
        cache.follow[("to", v.key)] = v.key
    rows = rng.permutation(len(bounds[0]))[: 2 * LOW_RANK_MAX]
    choices = [None, "unknown", *(("to", v.key) for v in cache.vertices)]
    hints = [choices[int(rng.integers(0, len(choices)))] for _ in rows]
    plain_x, plain = cache.find_many(take_rows(bounds, rows))
    low = low_rank(take_rows(bounds, rows))
    for use_low in (None, low):
        x, found = cache.find_many(bounds, 0, use_low, hints, rows=rows)
        assert [v is None for v in found] == [v is None for v in plain]
        for k, i in enumerate(rows):
            if found[k] is None:
                continue
            one = tuple(b[i] for b in bounds)
            assert float(cost @ x[k]) == pytest.approx(float(cost @ plain_x[k]), rel=1e-9, abs=1e-9)
            assert not _violates(a, x[k], one)
        last = {h: v.key for h, v in zip(hints, found, strict=True) if h and v is not None}
        assert all(cache.follow[h] == key for h, key in last.items())


def test_bounds_of_full_rank_are_not_factorised():
    rng = np.random.default_rng(3)
    n = 4 * LOW_RANK_MAX
    bounds = (rng.random((n, 30)), rng.random((n, 30)) + 1, rng.random((n, 10)), np.ones((n, 10)))
    assert low_rank(bounds) is None
    same = tuple(np.repeat(b[:1], n, axis=0) for b in bounds)
    assert low_rank(same) is not None
    assert low_rank(same).coef.shape[1] == 0


def _violates(a, x, bounds):
    lo, up, row_lo, row_up = bounds
    act = a @ x
    return bool(
        np.any(x < lo - 1e-8 * np.maximum(1, abs(lo)))
        or np.any(x > up + 1e-8 * np.maximum(1, abs(up)))
        or np.any(act > row_up + 1e-8 * np.maximum(1, abs(row_up)))
        or np.any(act < row_lo - 1e-8 * np.maximum(1, abs(row_lo)))
    )


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_rays_refute_the_same_rows_batched(seed):
    """A Farkas ray kept once refutes each row batched exactly when it does alone."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 6)), int(rng.integers(2, 7))
    a = rng.integers(0, 4, size=(m, n)).astype(float)
    up = rng.integers(1, 10, size=n).astype(float)
    cache = VertexCache(a)
    cache.rays.append((y := rng.standard_normal(m), a.T @ y))
    count = 20
    rows = (
        np.zeros((count, n)),
        up * rng.uniform(0.5, 1.5, (count, n)),
        a @ up * rng.uniform(0.3, 1.7, (count, m)),
        np.full((count, m), INF),
    )
    many = cache.refuted_many(rows)
    alone = [cache.infeasible(*(b[i] for b in rows)) for i in range(count)]
    assert many.tolist() == alone


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_shared_rationing_batched_equals_the_closed_form_per_draw(seed):
    """Tie groups of equal weight share their stage-1 total by size, draw by draw."""
    rng = np.random.default_rng(seed)
    n, k, draws = 12, 8, 6
    weight = rng.choice([1.0, 2.0, 3.0], size=n)
    cols = np.sort(rng.choice(n, size=k, replace=False))
    size = rng.uniform(0.0, 20.0, size=(draws, k))
    x1 = rng.uniform(0.0, 25.0, size=(draws, n))
    pins, need = batchsolve.shared_many(weight, cols, size, x1)
    for d in range(draws):
        _, value, tol = _shared(weight, (cols, size[d]), x1[d])
        assert need[d] == (tol > 1e-9)
        if need[d]:
            np.testing.assert_allclose(pins[d], value, rtol=1e-12, atol=1e-12)


@PROPERTY
@given(st.integers(0, 2**32 - 1), st.floats(0.01, 0.2))
def test_kept_qp_bases_answer_each_row_as_alone(seed, spread):
    """Buyers share supply (the tie QP); rows of moved sizes and supplies, batched and alone."""
    rng = np.random.default_rng(seed)
    a, cols, size, supply, first = shared_supply(rng)
    k, (m, n) = len(cols), a.shape
    cache, x = kept_qp(a, cols, size, first)
    if cache is None:
        return  # HiGHS's answer not reproduced (see kept_qp)
    count = 12
    sizes = size * rng.uniform(1 - spread, 1 + spread, (count, k))
    supplies = supply * rng.uniform(1 - spread, 1 + spread, (count, m))
    rows = (
        np.zeros((count, n)),
        np.hstack([sizes, supplies]),
        np.full((count, m), -INF),
        np.zeros((count, m)),
    )
    many, found = cache.find_qp_many(rows, sizes)
    for i in range(count):
        alone = cache.find_qp(tuple(b[i] for b in rows), sizes[i])
        assert (found[i] is None) == (alone is None)
        if alone is not None:
            np.testing.assert_allclose(many[i], alone, rtol=1e-9, atol=1e-9)


def _answered(monkeypatch):
    """Count the draw-years the batch answered (the comparison is then not vacuous)."""
    seen = {"answers": 0, "low": 0}
    step = batchsolve.YearBatch.step

    def counting(self):
        out = step(self)
        seen["answers"] += len(out)
        seen["low"] += self.low is not None
        return out

    monkeypatch.setattr(batchsolve.YearBatch, "step", counting)
    return seen


def _polished(monkeypatch):
    """Whether each stalled tie QP was solved exactly (:func:`.highs._polish`)."""
    out = []
    polish = highs_module._polish

    def counting(*args, **kw):
        found = polish(*args, **kw)
        out.append(found is not None)
        return found

    monkeypatch.setattr(highs_module, "_polish", counting)
    return out


def _compare_block(ctx, highs, seeds):
    fn = BlockDraws(ctx)
    with fn.chunk():
        short, fast, occurs, price = fn.block([np.random.default_rng(s) for s in seeds])
    for i, s in enumerate(seeds):
        b = simulate_draw(highs, np.random.default_rng(s))
        np.testing.assert_allclose(short[i], b.shortfall, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(price[i], b.price, rtol=1e-6, atol=1e-9)
        assert np.array_equal(occurs[i], b.occurs)
        assert np.array_equal(fast[i], b.fast)


@pytest.mark.parametrize("market", ["price", "quantity"])
def test_a_block_solved_year_by_year_equals_every_draw_solved_by_highs(market, monkeypatch):
    """Every bound family a draw moves, 40 draws in one block, to 1e-6 relative."""
    seen = _answered(monkeypatch)
    scn = parse_scenario(every_bound_family(market))
    net = build_network(scn)
    ctx, highs = make_context(net, scn), make_context(net, scn, vertices=False)
    _compare_block(ctx, highs, np.random.SeedSequence(11).spawn(40))
    assert seen["answers"] > 40  # most draw-years came from the batch, not one by one


def test_corridor_block_equals_every_draw_solved_by_highs(atlas, monkeypatch):
    """The bench's scenario (price mode, origin-traced restriction), 2025–2028, 60 draws."""
    from orechain.scenarios.spec import load_scenario

    seen = _answered(monkeypatch)
    polished = _polished(monkeypatch)
    scn = load_scenario("pakistan-us-corridor")
    scn = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"end": 2028})})
    net = build_network(scn, atlas)
    ctx, highs = make_context(net, scn), make_context(net, scn, vertices=False)
    _compare_block(ctx, highs, np.random.SeedSequence(7).spawn(60))
    assert seen["answers"] > 120
    assert seen["low"] > 0
    # draw 43, 2027: HiGHS's QP stalls; solved exactly after a perturbed re-solve (not the
    # max-min LP), so the full path agrees with the kept basis that answers it in the block
    assert polished == [True]


def test_a_blocks_answers_depend_on_its_draws_alone():
    """The second block of a run equals that block solved in a fresh process state."""
    scn = parse_scenario(every_bound_family("price"))
    net = build_network(scn)
    run = run_monte_carlo(net, scn, 20, seed=3, scheduler="synchronous", block=10)
    ctx = make_context(net, scn)
    fn = BlockDraws(ctx)
    seeds = np.random.SeedSequence(3).spawn(20)[10:]
    with fn.chunk():
        short, _, _, price = fn.block([np.random.default_rng(s) for s in seeds])
    assert np.array_equal(run.stacked.shortfall[10:], short)
    assert np.array_equal(run.stacked.price[10:], price, equal_nan=True)
