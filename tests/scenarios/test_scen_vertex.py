"""Optimal bases reused across draws (:mod:`orechain.scenarios.vertex`).

A kept basis may answer a programme with other bounds only where it is
optimal there; these tests hold its answer against HiGHS solving that
programme from scratch, on random LPs and on Monte Carlo draws.
"""

from __future__ import annotations

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import (
    every_bound_family,
    kept_qp,
    loaded_highs,
    programmes,
    shared_supply,
    solve_dense,
    solve_qp,
)

from orechain.scenarios import montecarlo
from orechain.scenarios.montecarlo import make_context, run_monte_carlo, simulate_draw
from orechain.scenarios.solve import build_network
from orechain.scenarios.spec import parse_scenario
from orechain.scenarios.vertex import QuadraticCache, VertexCache

INF = highspy.kHighsInf


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programmes())
def test_a_kept_basis_answers_only_where_it_is_optimal(case):
    a, cost, first, second = case
    x, _, basis, row_dual, col_dual = solve_dense(a, cost, first)
    cache = VertexCache(a)
    assert cache.add(basis.col_status, basis.row_status, first, x, row_dual, col_dual)
    again = cache.find(*first)
    assert again is not None  # its own bounds: always
    np.testing.assert_allclose(again[0], x, rtol=1e-9, atol=1e-9)
    hit = cache.find(*second)
    if hit is None:
        return
    y = hit[0]
    lo, up, _, row_up = second
    assert np.all(y >= lo - 1e-9 * np.maximum(1, abs(lo)))
    assert np.all(y <= up + 1e-9 * np.maximum(1, abs(up)))
    assert np.all(a @ y <= row_up + 1e-9 * np.maximum(1, abs(row_up)))
    best = solve_dense(a, cost, second)[1]
    assert float(cost @ y) == pytest.approx(best, rel=1e-9, abs=1e-9)


def test_a_column_held_at_a_bound_only_because_it_was_fixed_is_not_reused():
    """min −x₀ − x₁ with x₁ fixed at 2: freed to [0, 6], x₁'s old bound is no longer optimal.

    HiGHS may report the fixed column at either bound; whichever it picks, the
    freed programme's answer must be x₁ = 6 or a miss, never x₁ = 2.
    """
    a = np.array([[1.0, 0.0]])
    cost = np.array([-1.0, -1.0])
    first = (np.array([0.0, 2.0]), np.array([5.0, 2.0]), np.array([-INF]), np.array([4.0]))
    second = (np.array([0.0, 0.0]), np.array([5.0, 6.0]), np.array([-INF]), np.array([4.0]))
    x = np.array([4.0, 2.0])  # x₀ basic at 4 (the row binds), x₁ at its fixed bound
    rows = [highspy.HighsBasisStatus.kUpper]
    for status in (highspy.HighsBasisStatus.kLower, highspy.HighsBasisStatus.kUpper):
        cache = VertexCache(a)
        cols = [highspy.HighsBasisStatus.kBasic, status]
        assert cache.add(cols, rows, first, x, [-1.0], [0.0, -1.0])
        hit = cache.find(*second)
        if status == highspy.HighsBasisStatus.kLower:
            assert hit is None  # a negative reduced cost at the lower bound: fixed only
        else:
            assert hit is not None
            np.testing.assert_allclose(hit[0], solve_dense(a, cost, second)[0])  # [4, 6]


def _kept(ctx, qp=False):
    models = [m for k, m in montecarlo._MODELS.items() if k[0] == ctx.token]
    if qp:
        return sum(m.qp.hits for m in models if m.qp)
    return sum(m.stage1.hits + m.stage2.hits for m in models if m.stage1 and m.stage2)


@pytest.mark.parametrize("market", ["price", "quantity"])
def test_draws_from_kept_bases_equal_draws_solved_by_highs(market):
    """Every bound family a draw moves; 40 draws, both market modes, to 1e-6 relative."""
    scn = parse_scenario(every_bound_family(market))
    net = build_network(scn)
    reuse, highs = make_context(net, scn), make_context(net, scn, vertices=False)
    _compare(reuse, highs, np.random.SeedSequence(11).spawn(40))


def _compare(reuse, highs, seeds, qp=False):
    # one context at a time: a process keeps the warm models of one context only
    ours = [simulate_draw(reuse, np.random.default_rng(s)) for s in seeds]
    assert _kept(reuse) > 0  # kept bases answered draws: the comparison is not vacuous
    assert not qp or _kept(reuse, qp=True) > 0  # tie QPs answered from kept bases too
    for s, a in zip(seeds, ours, strict=True):
        b = simulate_draw(highs, np.random.default_rng(s))
        np.testing.assert_allclose(a.shortfall, b.shortfall, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(a.price, b.price, rtol=1e-6, atol=1e-9)


def test_corridor_draws_from_kept_bases_equal_draws_solved_by_highs(atlas):
    """The bench's scenario (price mode, origin-traced restriction), 2025–2027."""
    from orechain.scenarios.spec import load_scenario

    scn = load_scenario("pakistan-us-corridor")
    scn = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"end": 2027})})
    net = build_network(scn, atlas)
    reuse, highs = make_context(net, scn), make_context(net, scn, vertices=False)
    _compare(reuse, highs, np.random.SeedSequence(7).spawn(30), qp=True)


def test_each_block_starts_with_no_kept_basis():
    """A block's first draw is answered as in a fresh process: no basis carries over."""
    scn = parse_scenario(every_bound_family("price"))
    net = build_network(scn)
    blocks = run_monte_carlo(net, scn, 20, seed=3, scheduler="synchronous", block=10)
    ctx = make_context(net, scn)
    rng = np.random.SeedSequence(3).spawn(20)
    fresh = simulate_draw(ctx, np.random.default_rng(rng[10]))  # no basis kept yet
    assert np.array_equal(blocks.stacked.shortfall[10], fresh.shortfall)
    assert np.array_equal(blocks.stacked.price[10], fresh.price, equal_nan=True)


def _status(a, cost, bounds):
    """HiGHS's model status and dual ray (rows) for the LP min c·x within ``bounds``."""
    h = loaded_highs(a, cost, bounds)
    h.run()
    _, has_ray, ray = h.getDualRay()
    return h.getModelStatus(), (ray if has_ray else None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 0.5))
def test_a_kept_dual_ray_refutes_only_infeasible_programmes(seed, spread):
    """Rows ``A x ≥ L`` with ``x ≤ u``: infeasible when some row needs more than ``A u``.

    A ray kept from one infeasible programme may refute another (other
    bounds) without HiGHS; whenever it does, HiGHS must find that one
    infeasible too (soundness).
    """
    rng = np.random.default_rng(seed)
    m, n = rng.integers(2, 6), rng.integers(2, 7)
    a = rng.integers(0, 4, size=(m, n)).astype(float)
    up = rng.integers(1, 10, size=n).astype(float)
    need = a @ up * rng.uniform(0.6, 1.4, size=m)
    first = (np.zeros(n), up, need, np.full(m, INF))
    status, ray = _status(a, np.ones(n), first)
    if status != highspy.HighsModelStatus.kInfeasible or ray is None:
        return
    cache = VertexCache(a)
    assert cache.add_ray(ray, first)  # HiGHS's own certificate proves its own verdict
    assert cache.infeasible(*first)
    second = (np.zeros(n), up * rng.uniform(1 - spread, 1 + spread, n), need, np.full(m, INF))
    if cache.infeasible(*second):
        assert _status(a, np.ones(n), second)[0] == highspy.HighsModelStatus.kInfeasible


def _shortfall(x, cols, size):
    return float(np.sum((size - x[cols]) ** 2 / size))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.floats(0.01, 0.2))
def test_a_kept_qp_basis_answers_only_where_it_is_the_qp_optimum(seed, spread):
    """Buyers (``cols``) share supply through rows ``A x ≤ b``; sizes and supplies move.

    Wherever a kept basis answers, its point is feasible and as close to
    proportional as HiGHS's QP optimum on those bounds (to 1e-6 relative).
    """
    rng = np.random.default_rng(seed)
    a, cols, size, supply, first = shared_supply(rng)
    k, (m, n) = len(cols), a.shape
    cache, x = kept_qp(a, cols, size, first)
    if cache is None:
        return  # HiGHS's answer not reproduced (see kept_qp)
    again = cache.find_qp(first, size)
    assert again is not None
    np.testing.assert_allclose(again, x, rtol=1e-6, atol=1e-6)
    new_size = size * rng.uniform(1 - spread, 1 + spread, k)
    new_supply = supply * rng.uniform(1 - spread, 1 + spread, m)
    second = (np.zeros(n), np.concatenate([new_size, new_supply]), first[2], first[3])
    hit = cache.find_qp(second, new_size)
    if hit is None:
        return
    assert np.all(hit >= -1e-7)
    assert np.all(hit <= second[1] + 1e-7 * np.maximum(1, second[1]))
    assert np.all(a @ hit <= 1e-7 * np.maximum(1, np.abs(a) @ np.abs(hit)))
    best = solve_qp(a, cols, new_size, second)[1]
    assert _shortfall(hit, cols, new_size) == pytest.approx(
        _shortfall(best, cols, new_size), rel=1e-6, abs=1e-9
    )


@pytest.mark.parametrize("sizes", [(30.0, 10.0), (5.0, 45.0, 20.0)])
def test_a_kept_basis_inside_a_face_rations_in_proportion_for_new_sizes(sizes):
    """Buyers share one supply: the optimum splits it by size, inside the face Σx = S.

    HiGHS reports the buyers but one as superbasic; the kept basis must give
    the proportional split ``x_i = s_i · S / Σ s`` for other sizes and supply.
    """
    k = len(sizes)
    a = np.ones((1, k))
    cols = np.arange(k)
    size = np.array(sizes)
    first = (np.zeros(k), size.copy(), np.array([-INF]), np.array([0.5 * size.sum()]))
    status, x, basis, sol = solve_qp(a, cols, size, first)
    assert status == highspy.HighsModelStatus.kOptimal
    cache = QuadraticCache(a, cols)
    args = (basis.col_status, basis.row_status, first, x, size, sol.row_dual, sol.col_dual)
    assert cache.add_qp(*args) is not None
    assert cache.vertices[0].superbasic.size == k - 1  # kept although inside a face
    new_size = size * np.linspace(0.8, 1.3, k)
    supply = 0.6 * new_size.sum()
    second = (np.zeros(k), new_size, np.array([-INF]), np.array([supply]))
    hit = cache.find_qp(second, new_size)
    assert hit is not None
    np.testing.assert_allclose(hit, new_size * supply / new_size.sum(), rtol=1e-12)
