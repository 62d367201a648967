"""Ranges of supply shares over equally cheap routings (``scenarios/routing.py``).

The least-cost stage has alternative optima; the run's shares are one vertex
of that face. Each test here can fail: a sampler that ignored its direction
would collapse the range of the two-supplier network, one that left the face
would change cost or served demand, and an unseeded one would differ between
runs.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_helpers import tiny

from orechain.scenarios import highs, routing
from orechain.scenarios.inputs import demand_points, year_inputs
from orechain.scenarios.montecarlo import run_monte_carlo
from orechain.scenarios.results import to_json
from orechain.scenarios.solve import (
    build_network,
    market_prices,
    region_shares,
    run_scenario,
    solve_year,
    traced_origins,
)
from orechain.scenarios.spec import load_scenario, parse_scenario

SLACK = 1e-8
"""Shares agree to this: the face allows total cost 1e-9 relative above the optimum, which
on tiny() buys 1.4e-7 t moved from mine A to B (cost 1 more per t), 1.2e-9 of 120 t."""


def two_equal_suppliers(**overrides: object) -> dict:
    """Mines A (AUS) and B (CHN), 100 t each, both at cost 1 into refinery R; USA needs 120 t.

    Every split with 20–100 t from each mine costs the same: AUS's share of US
    mining supply can be anything from 1/6 to 5/6.
    """
    raw = tiny(
        demand=[{"region": "USA", "sector": "all", "tonnes": 120, "source": "ASSUMPTION: test"}],
        priorities={},
        network={
            "stages": ["mining", "refining"],
            "nodes": [
                {"id": "A", "country": "AUS", "stage": "mining", "capacity_t": 100},
                {"id": "B", "country": "CHN", "stage": "mining", "capacity_t": 100},
                {"id": "R", "country": "USA", "stage": "refining", "capacity_t": 200},
            ],
            "links": [
                {"from": "A", "to": "R", "cost_per_t": 1},
                {"from": "B", "to": "R", "cost_per_t": 1},
                {"from": "R", "to": "USA", "cost_per_t": 0},
            ],
        },
    )
    raw.update(overrides)
    return raw


def test_two_equally_cheap_suppliers_span_both_vertices():
    usa = run_scenario(parse_scenario(two_equal_suppliers())).years[0].regions["USA"]
    point = usa.supply_share_by_origin["mining"]["AUS"]
    lo, hi = usa.supply_share_range_by_origin["mining"]["AUS"]
    # the face's two vertices: 20 t or 100 t from Australia
    assert lo == pytest.approx(20 / 120, abs=SLACK)
    assert hi == pytest.approx(100 / 120, abs=SLACK)
    assert lo <= point <= hi
    # refining happens in the USA on every routing
    assert usa.supply_share_range_by_origin["refining"] == {"USA": (1.0, 1.0)}


def test_price_mode_samples_the_same_face():
    raw = two_equal_suppliers(options={"market": "price"})
    usa = run_scenario(parse_scenario(raw)).years[0].regions["USA"]
    lo, hi = usa.supply_share_range_by_origin["mining"]["CHN"]
    assert hi - lo == pytest.approx(80 / 120, abs=SLACK)


def test_unique_least_cost_routing_collapses_the_range():
    # tiny(): the refinery (120 t) binds; 100 t from A at cost 1, 20 t from B at cost 2
    usa = run_scenario(parse_scenario(tiny())).years[0].regions["USA"]
    assert usa.supply_share_range_by_origin["mining"].keys() == {"AUS", "CHN"}
    for stage, shares in usa.supply_share_by_origin.items():
        for origin, share in shares.items():
            lo, hi = usa.supply_share_range_by_origin[stage][origin]
            assert lo == pytest.approx(share, abs=SLACK)
            assert hi == pytest.approx(share, abs=SLACK)


def test_zero_samples_switch_the_ranges_off():
    raw = two_equal_suppliers(options={"market": "quantity", "routing_samples": 0})
    result = run_scenario(parse_scenario(raw))
    assert result.years[0].routing_samples == 0
    assert result.years[0].regions["USA"].supply_share_range_by_origin == {}
    assert not any(a.startswith("supply_share_range_by_origin") for a in result.assumptions)


def test_json_document_carries_ranges_count_and_label():
    doc = to_json(run_scenario(parse_scenario(two_equal_suppliers())))
    year = doc["years"][0]
    assert year["routing_samples"] == 8
    lo, hi = year["supply_share_range_by_origin"]["mining"]["AUS"]
    assert hi - lo == pytest.approx(80 / 120, abs=SLACK)
    assert year["regions"]["USA"]["origin_mix_range"] == year["supply_share_range_by_origin"]
    label = [a for a in doc["assumptions"] if a.startswith("supply_share_range_by_origin")]
    assert label == [routing.label(8)]
    assert "does not determine a share inside it" in label[0]


COUNTRIES = ["AUS", "BRA", "CAN", "CHN", "IND", "JPN"]


@st.composite
def tied_networks(draw: st.DrawFn) -> dict:
    """Random two- or three-stage networks whose link costs tie often (costs 1 or 2)."""
    stages = ["mining", "refining", "metal"][: draw(st.integers(2, 3))]
    nodes, links, layers = [], [], []
    for k, stage in enumerate(stages):
        ids = [f"{stage}{i}" for i in range(draw(st.integers(1, 3)))]
        layers.append(ids)
        for i, nid in enumerate(ids):
            country = COUNTRIES[(2 * k + i) % len(COUNTRIES)]
            cap = draw(st.integers(10, 100))
            nodes.append({"id": nid, "country": country, "stage": stage, "capacity_t": cap})
    for up, down in zip(layers, layers[1:], strict=False):
        for a in up:
            for b in down:
                if draw(st.booleans()) or b == down[0]:
                    cap = draw(st.one_of(st.none(), st.integers(5, 80)))
                    cost = draw(st.sampled_from([1, 1, 2]))
                    links.append({"from": a, "to": b, "capacity_t": cap, "cost_per_t": cost})
    links += [{"from": a, "to": "USA", "cost_per_t": 0} for a in layers[-1]]
    market = draw(st.sampled_from(["quantity", "price"]))
    return {
        "name": "random-ties",
        "horizon": {"start": 2025, "end": 2025},
        "demand": [
            {"region": "USA", "sector": s, "tonnes": draw(st.integers(1, 150)), "source": "t"}
            for s in ("defence", "ev")
        ],
        "priorities": {"defence": draw(st.sampled_from([1, 3])), "ev": 1},
        "network": {"stages": stages, "nodes": nodes, "links": links},
        "options": {"market": market, "routing_samples": 4},
    }


@settings(max_examples=40, deadline=None, derandomize=True)
@given(tied_networks())
def test_samples_stay_on_the_least_cost_face(raw):
    scn = parse_scenario(raw)
    net = build_network(scn)
    points = demand_points(net, scn)
    inp = year_inputs(net, scn, points, 2025, np.zeros(0))
    solved = solve_year(net, scn, points, inp, ref=market_prices(net, scn, points))
    lp, x, lay = solved.lp, solved.sol.x, solved.lay
    pinned, free = routing.face_columns(solved)
    cost = np.asarray(lp.col_cost)
    weight = np.asarray(lp.col_weight)
    least = float(cost @ x)
    xs = routing.sample_routings(lp, x, pinned, free, 4, (routing.SEED, 2025))
    assert len(xs) == 4
    for v in xs:
        # total cost within 1e-9 relative (plus HiGHS's 1e-7 feasibility tolerance)
        assert abs(float(cost @ v) - least) <= 1e-9 * max(1.0, abs(least)) + 1e-7
        assert float(weight @ v) >= float(weight @ x) - 1e-9 * max(1.0, abs(weight @ x)) - 1e-7
        np.testing.assert_allclose(v[pinned], x[pinned], rtol=0, atol=1e-7)
    point = region_shares(net, points, traced_origins(net, scn, lay, x)[1])
    sampled = [region_shares(net, points, traced_origins(net, scn, lay, v)[1]) for v in xs]
    ranges = routing.share_ranges(point, sampled)
    for stage, shares in point["USA"].items():
        for origin, share in shares.items():
            lo, hi = ranges["USA"][stage][origin]
            assert lo <= share <= hi
    for answer in sampled:
        for stage, shares in answer["USA"].items():
            for origin, share in shares.items():
                lo, hi = ranges["USA"][stage][origin]
                assert lo <= share <= hi


def test_the_same_run_gives_the_same_ranges():
    # six equally cheap mines, two samples: which vertices are found depends on the directions
    raw = tiny(
        demand=[{"region": "USA", "sector": "all", "tonnes": 120, "source": "ASSUMPTION: test"}],
        priorities={},
        options={"market": "quantity", "routing_samples": 2},
        network={
            "stages": ["mining", "refining"],
            "nodes": [
                *({"id": f"M{i}", "country": c, "stage": "mining", "capacity_t": 50}
                  for i, c in enumerate(COUNTRIES)),
                {"id": "R", "country": "USA", "stage": "refining", "capacity_t": 200},
            ],
            "links": [
                *({"from": f"M{i}", "to": "R", "cost_per_t": 1} for i in range(len(COUNTRIES))),
                {"from": "R", "to": "USA", "cost_per_t": 0},
            ],
        },
    )  # fmt: skip
    scn = parse_scenario(raw)
    first = run_scenario(scn).years[0].regions["USA"].supply_share_range_by_origin
    # another programme in between must not leak solver state into the samples
    run_scenario(parse_scenario(tiny()))
    second = run_scenario(scn).years[0].regions["USA"].supply_share_range_by_origin
    assert first == second
    assert any(hi - lo > 0.1 for lo, hi in first["mining"].values())


def test_monte_carlo_draws_never_sample_routings():
    raw = two_equal_suppliers(
        uncertainty=[
            {"target": "demand", "region": "USA", "distribution": {"kind": "normal", "sd": 0.2}}
        ]
    )
    scn = parse_scenario(raw)
    with mock.patch.object(routing, "face_vertices", side_effect=AssertionError("sampled")) as fv:
        run_monte_carlo(build_network(scn), scn, 8, seed=1, scheduler="synchronous")
    fv.assert_not_called()


def test_antimony_ban_shows_open_refining_shares_for_turkey_and_bolivia(atlas):
    """Regression guard: the US refining mix 2025–28 is not determined by the model.

    Starting the cost stage from another basis moved Turkey 0.3 % → 3.2 % and
    Bolivia 3.4 % → 0.5 % with every shortfall and price unchanged.
    """
    scn = load_scenario("antimony-export-ban")
    result = run_scenario(scn, atlas)
    for y in result.years:
        usa = y.regions["USA"]
        for origin in ("TUR", "BOL"):
            lo, hi = usa.supply_share_range_by_origin["refining"][origin]
            assert hi - lo > 0.01, (y.year, origin, lo, hi)
            assert lo <= usa.supply_share_by_origin["refining"].get(origin, 0.0) <= hi
    again = run_scenario(scn, atlas)
    assert [y.regions["USA"].supply_share_range_by_origin for y in again.years] == [
        y.regions["USA"].supply_share_range_by_origin for y in result.years
    ]


def test_face_vertex_goes_where_the_direction_points():
    scn = parse_scenario(two_equal_suppliers())
    net = build_network(scn)
    points = demand_points(net, scn)
    solved = solve_year(net, scn, points, year_inputs(net, scn, points, 2025, np.zeros(0)))
    x, lay = solved.sol.x, solved.lay
    a_to_r = int(lay.flow[0])  # the first link: A → R
    for sign, tonnes in ((-1.0, 100.0), (1.0, 20.0)):
        direction = np.zeros(len(x))
        direction[a_to_r] = sign
        vertex = highs.face_vertex(solved.lp, x, lay.served, direction)
        assert vertex is not None
        assert vertex[a_to_r] == pytest.approx(tonnes, abs=1e-6)
        assert vertex[lay.served] == pytest.approx(x[lay.served], abs=1e-9)
