"""Build once, solve many: a warm-started draw-year equals the full cold solve.

The warm path keeps each year's stage-1 model loaded and changes only the
bounds a draw moves; these tests replay random draws through both paths.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import tiny

from orechain.scenarios.constraints import INF
from orechain.scenarios.highs import WarmModel
from orechain.scenarios.inputs import year_inputs
from orechain.scenarios.market import price_index, stage_prices
from orechain.scenarios.montecarlo import (
    _active,
    _stock,
    make_context,
    run_monte_carlo,
    simulate_draw,
    warm_model,
)
from orechain.scenarios.solve import build_network, build_year, solve_year
from orechain.scenarios.spec import parse_scenario

BAN = {
    "type": "export_restriction",
    "id": "ban",
    "country": "CHN",
    "stages": ["mining"],
    "to": ["USA"],
    "share": 1.0,
    "start": 2025,
}


def _scenario(market: str) -> dict:
    """Three buyers, two of them tied (same priority), a ban that may or may not happen."""
    raw = tiny(
        horizon={"start": 2025, "end": 2026},
        options={"market": market},
        priorities={"defence": 10, "ev": 1, "all": 1},
        regions={"USA": ["USA"], "EU": ["DEU"]},
        disruptions=[BAN],
        uncertainty=[
            {
                "target": "capacity",
                "country": "AUS",
                "distribution": {"kind": "uniform", "low": 0.3, "high": 1.2},
            },
            {
                "target": "demand",
                "region": "USA",
                "distribution": {"kind": "normal", "mean": 1, "sd": 0.2},
            },
            {"target": "disruption", "disruption": "ban", "probability": 0.5},
        ],
    )
    raw["demand"].append({"region": "EU", "sector": "all", "tonnes": 40, "source": "ASSUMPTION"})
    raw["network"]["links"].append({"from": "R", "to": "EU", "cost_per_t": 0})
    return raw


CONTEXTS = {
    m: make_context(build_network(s := parse_scenario(_scenario(m))), s)
    for m in ("price", "quantity")
}


def _outcome(ctx, year, state, cap_mult, dem_mult, warm):
    points = list(ctx.points)
    inp = year_inputs(ctx.net, ctx.scn, points, year, _stock(ctx), _active(ctx, year, state))
    inp.capacity = inp.capacity * cap_mult
    inp.demand = inp.demand * dem_mult
    inp.restriction_base = ctx.restriction_base[year]
    model = warm_model(ctx, year, state) if warm else None
    solved = solve_year(ctx.net, ctx.scn, points, inp, ref=ctx.ref, warm=model)
    served = solved.sol.x[solved.lay.served]
    if ctx.ref is None:
        return served, np.zeros(0)
    sink, node = solved.prices(ctx.net)
    stages = stage_prices(ctx.net, node, solved.sol.x[solved.lay.output])
    index = price_index(ctx.net, 0, sink, stages, ctx.ref)
    return served, np.array(list(index.values()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    market=st.sampled_from(["price", "quantity"]),
    year=st.sampled_from([2025, 2026]),
    on=st.booleans(),
    caps=st.lists(st.floats(0.2, 1.5), min_size=3, max_size=3),
    dems=st.lists(st.floats(0.3, 1.8), min_size=3, max_size=3),
)
def test_warm_draw_year_equals_the_full_solve(market, year, on, caps, dems):
    ctx = CONTEXTS[market]
    state = (on,)
    cold = _outcome(ctx, year, state, np.array(caps), np.array(dems), warm=False)
    warm = _outcome(ctx, year, state, np.array(caps), np.array(dems), warm=True)
    for a, b in zip(warm, cold, strict=True):
        assert a == pytest.approx(b, rel=1e-6, abs=1e-6)
    model = warm_model(ctx, year, state)
    assert model is not None
    assert model.passes == 1  # the template was loaded once; draws changed bounds only
    assert model.misses == 0


@pytest.mark.parametrize("market", ["price", "quantity"])
def test_a_draw_does_not_depend_on_the_draws_before_it(market):
    """Every HiGHS solve starts from the template basis: draw order cannot move the answer.

    With kept bases (:mod:`orechain.scenarios.vertex`, the default) a draw may
    be answered from a basis an earlier draw found: the same optimum, so the
    same answer to rounding (runs keep bases per block: see test_scen_vertex).
    """
    base = CONTEXTS[market]
    seeds = np.random.SeedSequence(21).spawn(12)
    for ctx in (make_context(base.net, base.scn, vertices=False), base):
        forward = [simulate_draw(ctx, np.random.default_rng(s)) for s in seeds]
        backward = [simulate_draw(ctx, np.random.default_rng(s)) for s in reversed(seeds)][::-1]
        for a, b in zip(forward, backward, strict=True):
            if ctx.vertices:
                np.testing.assert_allclose(a.shortfall, b.shortfall, rtol=1e-9, atol=1e-9)
                np.testing.assert_allclose(a.price, b.price, rtol=1e-9)
            else:
                assert np.array_equal(a.shortfall, b.shortfall)
                assert np.array_equal(a.price, b.price, equal_nan=True)


@pytest.mark.parametrize("market", ["price", "quantity"])
def test_warm_and_cold_runs_give_the_same_quantiles(market):
    scn = parse_scenario(_scenario(market))
    net = build_network(scn)
    warm = run_monte_carlo(net, scn, 30, seed=4, scheduler="synchronous")
    cold = run_monte_carlo(net, scn, 30, seed=4, scheduler="synchronous", warm=False)
    assert warm.draws.shortfall_t.to_numpy() == pytest.approx(
        cold.draws.shortfall_t.to_numpy(), rel=1e-6, abs=1e-6
    )
    assert warm.draws.shortfall_t.std() > 0  # the draws move the answer
    for year, q in cold.summary["shortfall_t"].items():
        for key in ("p5", "p50", "p95"):
            assert warm.summary["shortfall_t"][year][key] == pytest.approx(
                q[key], rel=1e-6, abs=1e-6
            )


def test_a_programme_with_another_matrix_is_solved_cold():
    ctx = CONTEXTS["price"]
    points = list(ctx.points)
    on = year_inputs(ctx.net, ctx.scn, points, 2025, _stock(ctx), {"ban"})
    on.restriction_base = ctx.restriction_base[2025]
    off = year_inputs(ctx.net, ctx.scn, points, 2025, _stock(ctx), set())
    model = WarmModel()
    assert model.load(build_year(ctx.net, ctx.scn, points, on, ctx.ref)[0]) is None  # not primed
    model.prime(build_year(ctx.net, ctx.scn, points, on, ctx.ref)[0])
    # without the restriction the programme has one row fewer: not a bounds change
    assert model.load(build_year(ctx.net, ctx.scn, points, off, ctx.ref)[0]) is None
    assert model.misses == 1
    lp = build_year(ctx.net, ctx.scn, points, on, ctx.ref)[0]
    lp.col_upper[0] = INF if lp.col_upper[0] != INF else 5.0
    assert model.load(lp) is not None
    assert model.changes == 1


def test_corridor_draws_do_not_depend_on_order_and_match_the_cold_solve(atlas):
    """The bundled corridor (price mode, degenerate optima): where warm start could drift."""
    from orechain.scenarios.spec import load_scenario

    scn = load_scenario("pakistan-us-corridor")
    scn = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"end": 2027})})
    net = build_network(scn, atlas)
    ctx = make_context(net, scn, vertices=False)  # kept bases: test_scen_vertex
    cold = make_context(net, scn, warm=False)
    seeds = np.random.SeedSequence(7).spawn(4)
    forward = [simulate_draw(ctx, np.random.default_rng(s)) for s in seeds]
    backward = [simulate_draw(ctx, np.random.default_rng(s)) for s in reversed(seeds)][::-1]
    for s, a, b in zip(seeds, forward, backward, strict=True):
        assert np.array_equal(a.shortfall, b.shortfall)
        assert np.array_equal(a.price, b.price, equal_nan=True)
        full = simulate_draw(cold, np.random.default_rng(s))
        assert a.shortfall == pytest.approx(full.shortfall, rel=1e-6, abs=1e-6)
        assert a.price == pytest.approx(full.price, rel=1e-6, nan_ok=True)
