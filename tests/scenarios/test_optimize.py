from __future__ import annotations

import pytest
from scenario_helpers import tiny

from orechain.errors import InputError
from orechain.scenarios.optimize import OptimizeSpec, frontier, optimize_scenario, solve_sourcing
from orechain.scenarios.spec import parse_scenario

SPEC = {
    "buyer": "USA",
    "demand_t": 100,
    "exclude": "dfars-2027",
    "risk_penalty": 1.0,
    "stages": [
        {
            "stage": "refining",
            "candidates": [
                {"country": "CHN", "capacity_t": 1000, "cost_per_t": 0.5},
                {"country": "AUS", "capacity_t": 70, "cost_per_t": 1.0, "risk": 0.2},
                {"country": "CAN", "capacity_t": 100, "cost_per_t": 1.5},
            ],
        }
    ],
}


def test_hand_solved_sourcing_excludes_china_and_caps_shares():
    spec = OptimizeSpec.model_validate({**SPEC, "max_share": 0.6})
    best = solve_sourcing(spec, 0.6)
    # AUS effective cost 1.2 < CAN 1.5: AUS takes its cap (60 = 0.6 · 100), CAN the rest
    assert best["allocation"] == {
        "refining": {"AUS": pytest.approx(60.0), "CAN": pytest.approx(40.0)}
    }
    assert best["cost"] == pytest.approx(60 * 1.2 + 40 * 1.5)
    assert best["worst_case_shortfall_t"] == pytest.approx(60.0)


def test_frontier_is_monotone_and_flags_infeasible_caps():
    rows = frontier(OptimizeSpec.model_validate({**SPEC, "shares": [1.0, 0.6, 0.4]}))
    assert [r["feasible"] for r in rows] == [True, True, False]  # 0.4: 40 + 40 < 100
    assert rows[0]["cost"] <= rows[1]["cost"]
    assert rows[0]["worst_case_shortfall_t"] >= rows[1]["worst_case_shortfall_t"]


def test_optimize_block_is_validated_with_the_scenario():
    scn = parse_scenario(tiny(optimize=SPEC))
    assert optimize_scenario(scn)["excluded"] == ["CHN", "IRN", "PRK", "RUS"]
    with pytest.raises(InputError) as err:
        parse_scenario(tiny(optimize={**SPEC, "exclude": "nato"}), "o.yaml")
    assert err.value.field == "optimize.exclude"
    with pytest.raises(InputError, match="unknown stage"):
        parse_scenario(
            tiny(optimize={**SPEC, "stages": [{**SPEC["stages"][0], "stage": "magnet"}]})
        )
