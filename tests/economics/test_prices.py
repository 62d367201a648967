"""Price deck: units, paths, escalation, the atlas's USGS series, scenario shocks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from orechain.economics.prices import LB_PER_T, PriceSpec, resolve_price
from orechain.economics.scenario_link import read_scenario_series
from orechain.errors import InputError

YEARS = np.arange(2030, 2035)


def spec(**kw):
    return PriceSpec.model_validate({"assumption": True, **kw})


def test_units_and_escalation():
    p, text = resolve_price(spec(flat=2.0, unit="USD/lb", escalation_pct_per_yr=10), YEARS, key="x")
    assert p[0] == pytest.approx(2 * LB_PER_T)
    assert p[2] == pytest.approx(2 * LB_PER_T * 1.21)
    assert text.startswith("ASSUMPTION")
    p, _ = resolve_price(spec(flat=300, unit="USc/lb"), YEARS, key="x")
    assert p[0] == pytest.approx(3 * LB_PER_T)


def test_path_is_step_filled():
    p, _ = resolve_price(spec(path={2031: 10, 2033: 20}), YEARS, key="x")
    assert p.tolist() == [10, 10, 10, 20, 20]


def test_atlas_price_uses_latest_edition(atlas):
    s = PriceSpec.model_validate(
        {
            "unit": "USD/kg",
            "atlas": {"commodity": "rare-earths", "item": "Price_Nd2O3_dkg", "statistic": "last",
                      "first_year": 2020, "last_year": 2024},
        }
    )  # fmt: skip
    p, text = resolve_price(s, YEARS, key="ndpr", atlas=atlas)
    assert p[0] == pytest.approx(56.0 * 1000)  # USGS MCS 2025: 2024 Nd2O3 price 56 USD/kg
    assert "usgs-mcs-2025" in text
    mean = s.model_copy(update={"atlas": s.atlas.model_copy(update={"statistic": "mean"})})
    p, _ = resolve_price(mean, YEARS, key="ndpr", atlas=atlas)
    assert p[0] == pytest.approx((49 + 98 + 134 + 78 + 56) / 5 * 1000)  # latest edition per year
    wrong_unit = s.model_copy(update={"unit": "USD/t"})
    with pytest.raises(InputError, match="USD/kg"):
        resolve_price(wrong_unit, YEARS, key="ndpr", atlas=atlas)
    with pytest.raises(InputError, match="no atlas"):
        resolve_price(s, YEARS, key="ndpr")


def write_scenario(path: Path) -> Path:
    doc = {
        "scenario": "china-export-restriction (test fixture)",
        "years": [
            {"year": 2031, "demand_t": 100.0, "served_t": 60.0, "shortfall_t": 40.0},
            {"year": 2032, "demand_t": 100.0, "served_t": 100.0, "shortfall_t": 0.0},
        ],
        "summary": {},
    }  # fmt: skip
    doc["years"][0]["price_usd_per_t"] = 9
    doc["years"][1]["price_usd_per_t"] = 7
    path.write_text(json.dumps(doc))
    return path


def test_scenario_series_and_shock(tmp_path: Path):
    file = write_scenario(tmp_path / "run.json")
    assert read_scenario_series(file, "served_t") == {2031: 60.0, 2032: 100.0}
    assert read_scenario_series(file, "shortfall_share") == {2031: 0.4, 2032: 0.0}
    shocked = spec(flat=100, scenario={"file": "run.json", "shock_elasticity": 2.0})
    p, text = resolve_price(shocked, YEARS, key="x", base_dir=tmp_path)
    assert p.tolist() == [100, 180, 100, 100, 100]
    assert "run.json" in text
    direct = spec(scenario={"file": "run.json", "field": "price_usd_per_t"})
    p, _ = resolve_price(direct, YEARS, key="x", base_dir=tmp_path)
    assert p.tolist() == [9, 9, 7, 7, 7]


def test_scenario_file_errors(tmp_path: Path):
    with pytest.raises(InputError, match="not found"):
        read_scenario_series(tmp_path / "none.json", "served_t")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"years": [{"year": 2030}]}))
    with pytest.raises(InputError) as info:
        read_scenario_series(bad, "served_t")
    assert info.value.field == "years[0].served_t"
    bad.write_text("{")
    with pytest.raises(InputError, match="not valid JSON"):
        read_scenario_series(bad, "served_t")
    bad.write_text(json.dumps({"scenario": "x"}))
    with pytest.raises(InputError, match="'years'"):
        read_scenario_series(bad, "served_t")
