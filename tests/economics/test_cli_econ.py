"""`orechain econ`: run, compare, sensitivity, montecarlo, and exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from econ_helpers import TINY
from typer.testing import CliRunner

from orechain.cli import app

runner = CliRunner()
A = "projects/pakistan-concentrate-export.yaml"
B = "projects/pakistan-polymetallic-refinery.yaml"
RUN_KEYS = {
    "project", "currency", "discount_rate", "npv", "irr", "payback_years", "peak_funding",
    "breakeven_price", "cash_flows", "host_take", "jobs", "value_added_by_stage", "assumptions",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _outside_checkout(atlas_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run from an empty folder: the bundled projects must be found in the package."""
    monkeypatch.chdir(tmp_path)


def invoke(*args: str):
    result = runner.invoke(app, ["econ", *args])
    return result


def test_run_json_has_the_contract():
    result = invoke("run", B, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= RUN_KEYS
    row = doc["cash_flows"][0]
    assert {"year", "revenue", "royalty", "opex", "capex", "tax", "fcf"} <= set(row)
    assert doc["currency"] == "USD"
    assert any(a.startswith("ASSUMPTION") for a in doc["assumptions"])
    assert all("USGS" in s for s in doc["price_sources"].values())
    assert doc["jobs"]["operations"] > 0
    assert {"separation", "sb_smelter"} <= set(doc["value_added_by_stage"])


def test_run_table_and_compare():
    result = invoke("run", A)
    assert result.exit_code == 0, result.output
    assert "NPV@10%" in result.stdout
    assert "ASSUMPTION" in result.stdout
    result = invoke("compare", A, B, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    inc = doc["incremental"]
    assert inc["npv"] == pytest.approx(doc["alternative"]["npv"] - doc["base"]["npv"], rel=1e-9)
    assert inc["jobs"] > 0
    assert doc["refining_stops_paying"]["price_multiplier"] is not None
    result = invoke("compare", A, B)
    assert result.exit_code == 0, result.output
    assert "stops paying" in result.stdout


def test_sensitivity_and_montecarlo():
    result = invoke("sensitivity", A, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {b["factor"] for b in doc["tornado"]} >= {"price", "grade", "recovery", "capex"}
    assert invoke("sensitivity", A).exit_code == 0
    args = ("montecarlo", A, "--draws", "300", "--seed", "5", "--json")
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    npv = json.loads(first.stdout)["npv"]
    assert {"p10", "p50", "p90", "prob_npv_negative"} <= set(npv)
    assert invoke("montecarlo", A, "--draws", "50").exit_code == 0


def test_bad_project_exits_2_with_field_and_reason(tmp_path: Path):
    raw = dict(TINY, stages=[dict(TINY["stages"][0], products=[
        {"id": "conc", "recovery": {"cu": 1.3}, "grade": 0.25}])])  # fmt: skip
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    result = invoke("run", str(path))
    assert result.exit_code == 2
    assert "stages[0].products[0]" in result.stderr
    assert "recovery must be between 0 and 1" in result.stderr
    raw = dict(TINY, prices={})
    path.write_text(yaml.safe_dump(raw))
    result = invoke("run", str(path), "--json")
    assert result.exit_code == 2
    assert "missing price 'cu'" in result.stderr
    assert invoke("montecarlo", A, "--draws", "0").exit_code == 2
