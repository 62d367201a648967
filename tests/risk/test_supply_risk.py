"""EU supply risk: the formula by hand, and the inputs' data/assumption labels."""

from __future__ import annotations

import pytest

from orechain.errors import InputError
from orechain.risk.supply_risk import supply_risk, supply_risk_formula


def test_formula_by_hand():
    # [5·0.8/2 + 3·(1 − 0.8/2)] · (1 − 0.1) · 1 = (2 + 1.8) · 0.9
    assert supply_risk_formula(5.0, 3.0, 0.8, 0.1, 1.0) == pytest.approx(3.42)
    # No imports: only the sourcing concentration counts.
    assert supply_risk_formula(9.0, 2.0, 0.0, 0.0, 1.0) == pytest.approx(2.0)
    # Full recycling removes the risk.
    assert supply_risk_formula(9.0, 2.0, 0.5, 1.0, 1.0) == 0.0


def test_formula_rejects_import_reliance_outside_unit_interval():
    with pytest.raises(InputError, match="import reliance must lie in"):
        supply_risk_formula(1.0, 1.0, 1.2, 0.0, 1.0)


def test_rare_earths_for_the_us_takes_the_worst_stage(atlas):
    result = supply_risk(atlas, "rare earths")
    stages = {s.stage: s for s in result.stages}
    assert {"mine", "refining"} <= set(stages)
    assert result.sr == max(s.sr for s in result.stages)
    assert result.max_stage == "refining"
    refining = stages["refining"]
    assert refining.hs_codes == ["280530", "284610", "284690"]
    assert sum(refining.sourcing.values()) == pytest.approx(1.0)
    assert refining.sourcing["USA"] == pytest.approx(1 - refining.import_reliance)
    kinds = {i.name: (i.kind, i.source) for i in result.inputs}
    assert kinds["import_reliance"] == ("data", "usgs-mcs-2025")
    assert kinds["eol_rir"][0] == "data"
    assert kinds["substitution_index"][0] == "assumption"
    assert kinds["trade_restriction"][0] == "assumption"


def test_given_inputs_are_labelled_assumptions_and_change_the_result(atlas):
    base = supply_risk(atlas, "antimony")
    halved = supply_risk(atlas, "antimony", substitution_index=0.5)
    assert halved.sr == pytest.approx(base.sr / 2)
    assert {i.name: i.kind for i in halved.inputs}["substitution_index"] == "assumption"


def test_other_buyers_must_state_import_reliance(atlas):
    with pytest.raises(InputError, match="import reliance of PAK is not in the atlas"):
        supply_risk(atlas, "copper", buyer="PAK")
    result = supply_risk(atlas, "copper", buyer="PAK", import_reliance=1.0)
    assert all(s.sourcing.get("PAK", 0.0) == 0.0 for s in result.stages)
