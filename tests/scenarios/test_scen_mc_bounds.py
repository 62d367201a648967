"""Bounds-only Monte Carlo draws: the template's programme with a draw's bounds is the rebuilt one.

:mod:`orechain.scenarios.drawbounds` writes a draw's capacities, demand, stock
release and recycling into the year's template programme instead of building
it again; these tests compare it with the builder on random draws (every
bound, bit for bit) and whole draws with the rebuilding warm path.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import every_bound_family

from orechain.scenarios import montecarlo
from orechain.scenarios.drawbounds import _reproduces, bounds_of, draw_bounds
from orechain.scenarios.inputs import recycling_caps, year_inputs
from orechain.scenarios.montecarlo import _active, _stock, make_context, simulate_draw, warm_model
from orechain.scenarios.solve import build_network, build_year
from orechain.scenarios.spec import parse_scenario

CONTEXTS = {
    m: make_context(build_network(s := parse_scenario(every_bound_family(m))), s)
    for m in ("price", "quantity")
}


def _template(ctx, year, active):
    points = list(ctx.points)
    inp = year_inputs(ctx.net, ctx.scn, points, year, _stock(ctx), active)
    inp.restriction_base = ctx.restriction_base[year]
    return inp


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    market=st.sampled_from(["price", "quantity"]),
    year=st.sampled_from([2025, 2026, 2027]),
    fire=st.booleans(),
    caps=st.lists(st.floats(0.05, 3.0), min_size=4, max_size=4),
    dems=st.lists(st.floats(0.01, 3.0), min_size=2, max_size=2),
    stock=st.floats(0.0, 15.0),
)
def test_mapped_bounds_equal_the_rebuilt_programme(market, year, fire, caps, dems, stock):
    ctx = CONTEXTS[market]
    points = list(ctx.points)
    active = {"fire"} if fire else set()
    active |= {d.id for d in ctx.scn.disruptions if d.id == "ban" and d.active(year)}
    tpl = _template(ctx, year, active)
    found = draw_bounds(ctx.net, ctx.scn, points, tpl, ctx.ref)
    assert found is not None
    cap, dem, left = tpl.capacity * np.array(caps), tpl.demand * np.array(dems), np.array([stock])
    inp = year_inputs(ctx.net, ctx.scn, points, year, left, active)
    inp.capacity, inp.demand = cap, dem  # as the rebuilding path: recycling follows demand
    inp.recycling_cap = recycling_caps(ctx.scn, points, dem, year)
    inp.restriction_base = ctx.restriction_base[year]
    lp, lay, market_lay = build_year(ctx.net, ctx.scn, points, inp, ctx.ref)
    prog = found.programme(ctx.scn, cap, dem, left)
    assert prog is not None
    for mapped, built in zip(bounds_of(prog.lp), bounds_of(lp), strict=True):
        assert np.array_equal(mapped, built)  # bit for bit, not merely within 1e-9
    assert prog.lp.entries is found.lp.entries  # the matrix is the template's own
    assert [len(c) for c, _ in lp.entries] == [len(c) for c, _ in prog.lp.entries]
    if market_lay is not None:
        assert prog.market is not None
        assert np.array_equal(prog.market.step_size, market_lay.step_size)
    assert np.array_equal(prog.lay.served, lay.served)


@pytest.mark.parametrize("market", ["price", "quantity"])
def test_bounds_path_gives_the_rebuilding_path_bit_for_bit(market):
    """Same seed, same draws: the bounds-only path and the rebuilding warm path agree exactly."""
    scn = CONTEXTS[market].scn
    net = CONTEXTS[market].net
    fast = make_context(net, scn, vertices=False)
    slow = make_context(net, scn, bounds=False)
    seeds = np.random.SeedSequence(13).spawn(10)
    ours = [simulate_draw(fast, np.random.default_rng(s)) for s in seeds]
    # the bounds path was the one taken: every template has a map, loaded once
    _all_mapped(fast)
    for s, a in zip(seeds, ours, strict=True):
        b = simulate_draw(slow, np.random.default_rng(s))
        assert np.array_equal(a.shortfall, b.shortfall)
        assert np.array_equal(a.price, b.price, equal_nan=True)
    assert sum(float(a.shortfall.sum()) for a in ours) > 0  # draws reach short years


def _all_mapped(ctx) -> None:
    keys = [k for k in montecarlo._BOUNDS if k[0] == ctx.token]
    assert keys
    assert all(montecarlo._BOUNDS[k] is not None for k in keys)
    assert all(montecarlo._MODELS[k].passes == 1 for k in keys)
    assert all(montecarlo._MODELS[k].misses == 0 for k in keys)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    market=st.sampled_from(["price", "quantity"]),
    year=st.sampled_from([2025, 2026, 2027]),
    seed=st.integers(0, 2**32 - 1),
)
def test_stacked_bounds_equal_each_draws_programme(market, year, seed):
    """Many draws at once (:meth:`DrawBounds.stacked`): row for row each programme, bit for bit.

    One draw has zero demand somewhere (another shape in price mode): it is left out of
    the stack exactly when :meth:`DrawBounds.programme` refuses it.
    """
    ctx = CONTEXTS[market]
    tpl = _template(ctx, year, {d.id for d in ctx.scn.disruptions if d.active(year)})
    found = draw_bounds(ctx.net, ctx.scn, list(ctx.points), tpl, ctx.ref)
    assert found is not None
    rng = np.random.default_rng(seed)
    n = 6
    cap = tpl.capacity * rng.uniform(0.05, 3.0, (n, len(tpl.capacity)))
    dem = tpl.demand * rng.uniform(0.01, 3.0, (n, len(tpl.demand)))
    dem[2, 0] = 0.0
    left = rng.uniform(0.0, 15.0, (n, len(_stock(ctx))))
    drawn = found.stacked(ctx.scn, cap, dem, left)
    row = 0
    for k in range(n):
        prog = found.programme(ctx.scn, cap[k], dem[k], left[k])
        assert drawn.ok[k] == (prog is not None)
        if prog is None:
            continue
        for stacked, single in zip(drawn.bounds, bounds_of(prog.lp), strict=True):
            assert np.array_equal(stacked[row], single)
        sizes = prog.demand if prog.market is None else prog.market.step_size
        assert np.array_equal(drawn.size[row], sizes)
        assert np.array_equal(drawn.demand[row], prog.demand)
        row += 1
    assert row == int(drawn.ok.sum())


def test_a_draw_with_zero_demand_is_rebuilt():
    """Price mode adds demand steps only for positive demand: zero demand is a new shape."""
    ctx = CONTEXTS["price"]
    points = list(ctx.points)
    tpl = _template(ctx, 2025, {"fire"})
    found = draw_bounds(ctx.net, ctx.scn, points, tpl, ctx.ref)
    assert found is not None
    dem = tpl.demand.copy()
    dem[0] = 0.0
    assert found.programme(ctx.scn, tpl.capacity, dem, _stock(ctx)) is None
    # the draw still solves, through the rebuilding path
    out = montecarlo._solve_draw_year(
        ctx, 2025, np.array([True]), np.ones(len(ctx.net.nodes)), np.array([0.0, 1.0]), _stock(ctx)
    )
    assert out[0][0] == 0.0  # nothing demanded, nothing short


def test_a_map_that_misplaces_a_bound_is_refused():
    """The self-check compares with the builder: a wrong map is never used."""
    ctx = CONTEXTS["quantity"]
    points = list(ctx.points)
    tpl = _template(ctx, 2026, {"fire", "ban"})
    found = draw_bounds(ctx.net, ctx.scn, points, tpl, ctx.ref)
    assert found is not None
    assert _reproduces(found, ctx.net, ctx.scn, points, ctx.ref)
    wrong = replace(found, cap_nodes=np.roll(found.cap_nodes, 1))
    assert not _reproduces(wrong, ctx.net, ctx.scn, points, ctx.ref)
    wrong = replace(found, outage_keep=found.outage_keep * 0.5)
    assert not _reproduces(wrong, ctx.net, ctx.scn, points, ctx.ref)


def test_warm_model_takes_the_mapped_programme_without_comparing_matrices():
    ctx = CONTEXTS["price"]
    state = (True,)
    model = warm_model(ctx, 2026, state)
    assert model is not None
    found = montecarlo._BOUNDS[(ctx.token, 2026, frozenset(_active(ctx, 2026, state)))]
    assert found is not None
    assert model.template is found.lp
    prog = found.programme(
        ctx.scn, found.template.capacity * 0.5, found.template.demand, _stock(ctx)
    )
    assert prog is not None
    assert model._shares_matrix(prog.lp)
    assert not model._shares_matrix(
        build_year(ctx.net, ctx.scn, list(ctx.points), found.template, ctx.ref)[0]
    )


def test_bundled_corridor_bounds_path_equals_rebuilding(atlas):
    """The corridor (price mode, origin-traced restriction): the bench's scenario."""
    from orechain.scenarios.spec import load_scenario

    scn = load_scenario("pakistan-us-corridor")
    scn = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"end": 2027})})
    net = build_network(scn, atlas)
    fast = make_context(net, scn, vertices=False)
    slow = make_context(net, scn, bounds=False)
    seeds = np.random.SeedSequence(7).spawn(3)
    ours = [simulate_draw(fast, np.random.default_rng(s)) for s in seeds]
    _all_mapped(fast)
    for s, a in zip(seeds, ours, strict=True):
        b = simulate_draw(slow, np.random.default_rng(s))
        assert np.array_equal(a.shortfall, b.shortfall)
        assert np.array_equal(a.price, b.price, equal_nan=True)


@pytest.mark.parametrize("market", ["price", "quantity"])
def test_recycling_follows_the_drawn_demand(market):
    """Recyclers give ``share`` of their region's *drawn* demand, on both draw paths.

    With almost no primary supply, recycled supply runs at its cap: 5 % of the
    USA's demand in that draw (twice the template's), not of the template's.
    """
    net, scn = CONTEXTS[market].net, CONTEXTS[market].scn
    fast = make_context(net, scn, vertices=False)
    slow = make_context(net, scn, bounds=False)
    points = list(fast.points)
    node_mult = np.full(len(net.nodes), 0.05)
    point_mult = np.full(len(points), 2.0)
    tpl = _template(fast, 2026, {"ban"})
    usa = sum(
        float(d) for p, d in zip(points, tpl.demand * point_mult, strict=True) if p.region == "USA"
    )
    solved = montecarlo._solve_by_bounds(fast, 2026, (False,), node_mult, point_mult, _stock(fast))
    assert solved is not None
    recycled = float(solved[0].sol.x[solved[0].lay.recycled].sum())
    assert recycled == pytest.approx(0.05 * usa, rel=1e-9)
    assert recycled > 1.5 * float(tpl.recycling_cap.sum())  # more than the template allowed
    # the rebuilding path gives the same shortfall, so it used the same recycling cap
    state = np.array([False])
    a = montecarlo._solve_draw_year(fast, 2026, state, node_mult, point_mult, _stock(fast))
    b = montecarlo._solve_draw_year(slow, 2026, state, node_mult, point_mult, _stock(slow))
    assert np.array_equal(a[0], b[0])
    assert a[0].sum() > 0  # short: primary supply is almost gone
