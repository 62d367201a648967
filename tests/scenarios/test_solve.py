from __future__ import annotations

import pytest
from scenario_helpers import tiny

from orechain.errors import InfeasibleScenarioError
from orechain.scenarios.constraints import build_lp
from orechain.scenarios.highs import solve_lp
from orechain.scenarios.inputs import demand_points, year_inputs
from orechain.scenarios.solve import build_network, run_scenario
from orechain.scenarios.spec import parse_scenario

RESTRICT = {
    "type": "export_restriction",
    "id": "ban",
    "country": "CHN",
    "stages": ["mining"],
    "to": ["USA"],
    "start": 2025,
}


def _year(raw):
    return run_scenario(parse_scenario(raw)).years[0]


def test_hand_solved_optimum_shortfall_flows_and_duals():
    y = _year(tiny())
    usa = y.regions["USA"]
    assert usa.sectors["defence"].shortfall_t == pytest.approx(0.0)
    assert usa.sectors["ev"].served_t == pytest.approx(90.0)
    assert usa.shortfall_t == pytest.approx(10.0)
    assert y.flows["A → R"] == pytest.approx(100.0)
    assert y.flows["B → R"] == pytest.approx(20.0)
    assert y.flows["R → USA end use of refining"] == pytest.approx(120.0)
    binding = {b.name: b.shadow_price for b in y.binding_constraints}
    assert binding == {"R capacity": pytest.approx(1.0)}
    assert y.stage_utilisation["refining"] == pytest.approx(1.0)
    assert y.cost == pytest.approx(100 * 1 + 20 * 2)


def test_origin_shares_trace_through_the_refinery():
    usa = _year(tiny()).regions["USA"]
    assert usa.supply_share_by_origin["mining"] == pytest.approx(
        {"AUS": 100 / 120, "CHN": 20 / 120}
    )
    assert usa.supply_share_by_origin["refining"] == {"USA": 1.0}
    assert usa.hhi_by_stage["refining"] == pytest.approx(10_000.0)


def test_mine_bottleneck_dual_goes_to_the_cheapest_mine_path():
    raw = tiny()
    raw["network"]["nodes"][2]["capacity_t"] = 500  # refinery no longer binds
    y = _year(raw)
    assert y.regions["USA"].shortfall_t == pytest.approx(0.0)
    raw["demand"][1]["tonnes"] = 200
    y = _year(raw)
    assert y.regions["USA"].sectors["ev"].shortfall_t == pytest.approx(80.0)
    prices = {b.name: b.shadow_price for b in y.binding_constraints}
    assert prices == {"A capacity": pytest.approx(1.0), "B capacity": pytest.approx(1.0)}


def test_share_zero_restriction_changes_nothing():
    base = _year(tiny())
    zero = _year(tiny(disruptions=[{**RESTRICT, "share": 0.0}]))
    assert zero.flows == pytest.approx(base.flows)
    assert zero.regions["USA"].shortfall_t == pytest.approx(base.regions["USA"].shortfall_t)


def test_full_restriction_of_sole_supplier_gives_shortfall_equal_to_demand():
    raw = tiny()
    raw["network"]["nodes"] = [n for n in raw["network"]["nodes"] if n["id"] != "A"]
    raw["network"]["links"] = [k for k in raw["network"]["links"] if k["from"] != "A"]
    y = _year({**raw, "disruptions": [{**RESTRICT, "share": 1.0}]})
    assert y.regions["USA"].shortfall_t == pytest.approx(130.0)
    assert y.binding_constraints[0].family == "export_restriction"


def test_partial_restriction_outage_new_capacity_stockpile_recycling():
    raw = tiny(
        horizon={"start": 2025, "end": 2027},
        disruptions=[
            {
                "type": "outage",
                "id": "fire",
                "country": "AUS",
                "stage": "mining",
                "share": 0.5,
                "start": 2025,
                "end": 2025,
            },
        ],
        mitigations=[
            {
                "type": "new_capacity",
                "id": "newref",
                "country": "PAK",
                "stage": "refining",
                "tonnes_per_year": 40,
                "start": 2026,
                "ramp": [0.5, 1.0],
            },
            {"type": "stockpile", "id": "ndcs", "region": "USA", "tonnes": 15, "max_per_year": 10},
            {"type": "recycling", "id": "rec", "region": "USA", "share": 0.05, "start": 2027},
        ],
    )
    res = run_scenario(parse_scenario(raw))
    y25, y26, y27 = res.years
    # 2025: mines 50 + 50 = 100 t, +10 t stockpile → 110 served, shortfall 20
    assert y25.regions["USA"].shortfall_t == pytest.approx(20.0)
    assert "AUS mining" not in {b.name for b in y25.binding_constraints}
    # 2026: refinery 120 + new 20; mines 150 → 140; stockpile 5 left → 130 served fully
    assert y26.regions["USA"].shortfall_t == pytest.approx(0.0)
    # 2027: new capacity 40, recycling 6.5 t available
    assert y27.regions["USA"].shortfall_t == pytest.approx(0.0)
    assert y27.regions["USA"].supply_share_by_origin["refining"].get("USA", 0) > 0


def test_infeasible_input_names_the_constraint():
    scn = parse_scenario(tiny())
    net = build_network(scn)
    points = demand_points(net, scn)
    import numpy as np

    inp = year_inputs(net, scn, points, 2025, np.zeros(0))
    inp.capacity[2] = -5.0
    lp, _ = build_lp(net, scn, points, inp)
    with pytest.raises(InfeasibleScenarioError, match="R capacity"):
        solve_lp(lp)


def _two_buyers(market: str, ev_priority: float = 1.0, elasticity: float = -0.3) -> dict:
    """USA ev (100 t) and EU (50 t) buy from one refinery of 120 t: a 30 t shortage."""
    raw = tiny(
        options={"market": market, "elasticity": elasticity},
        priorities={"ev": ev_priority, "all": 1},
    )
    raw["demand"] = [
        {"region": "USA", "sector": "ev", "tonnes": 100, "source": "ASSUMPTION: test"},
        {"region": "EU", "sector": "all", "tonnes": 50, "source": "ASSUMPTION: test"},
    ]
    raw["regions"] = {"USA": ["USA"], "EU": ["DEU", "FRA"]}
    raw["network"]["links"].append({"from": "R", "to": "EU", "cost_per_t": 0})
    return raw


def test_equal_priorities_share_a_shortage_in_proportion_to_demand():
    """Finding 3: no tie artefact — each buyer of equal priority loses the same share."""
    y = _year(_two_buyers("quantity"))
    usa, eu = y.regions["USA"], y.regions["EU"]
    assert usa.shortfall_t + eu.shortfall_t == pytest.approx(30.0, abs=1e-3)
    assert usa.shortfall_t / 100 == pytest.approx(eu.shortfall_t / 50, abs=1e-4)


@pytest.mark.parametrize("field", ["ev_priority", "elasticity"])
@pytest.mark.parametrize("factor", [0.99, 1.01])
def test_one_percent_on_a_priority_or_elasticity_moves_no_headline_by_5_percent(field, factor):
    """A ±1 % change of an assumption cannot flip the price-mode headline figures."""
    base_args = {"ev_priority": 1.0, "elasticity": -0.3}
    base = _year(_two_buyers("price", **base_args))
    moved = _year(_two_buyers("price", **{**base_args, field: base_args[field] * factor}))
    for region in ("USA", "EU"):
        a, b = base.regions[region], moved.regions[region]
        assert a.shortfall_t > 1.0  # a real shortage to share
        assert b.shortfall_t == pytest.approx(a.shortfall_t, rel=0.05)
        for stage, index in a.price_index.items():
            assert b.price_index[stage] == pytest.approx(index, rel=0.05)
    shares = base.regions["USA"].supply_share_by_origin["mining"]
    moved_shares = moved.regions["USA"].supply_share_by_origin["mining"]
    assert moved_shares.get("CHN", 0.0) == pytest.approx(shares.get("CHN", 0.0), rel=0.05)


def test_price_mode_shortage_raises_the_price_and_destroys_demand():
    y = _year(_two_buyers("price"))
    usa = y.regions["USA"]
    assert usa.price_index["refining"] > 1.05
    assert usa.demand_destroyed_t == pytest.approx(usa.shortfall_t)
    assert usa.consumer_cost_usd is None  # no base USD price in the file


def test_a_mitigation_that_never_runs_is_named_in_a_warning():
    """Finding 1: new capacity whose offtake buyer has no plant downstream idles — say so."""
    raw = tiny(
        mitigations=[
            {
                "type": "new_capacity",
                "id": "stranded",
                "country": "PAK",
                "stage": "mining",
                "tonnes_per_year": 50,
                "start": 2025,
                "offtake": ["JPN"],
            }
        ]
    )
    res = run_scenario(parse_scenario(raw))
    warnings = res.extra.get("warnings", [])
    assert len(warnings) == 1
    assert "'stranded' never runs" in warnings[0]
    assert "no buyer" in warnings[0]
    # sold to the US refinery instead, it runs and nothing is said
    raw["mitigations"][0]["offtake"] = ["USA"]
    assert "warnings" not in run_scenario(parse_scenario(raw)).extra
