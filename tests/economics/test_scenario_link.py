"""A project takes its price shock and volumes from a scenario run's output file."""

from __future__ import annotations

from pathlib import Path

import pytest
from econ_helpers import tiny

from orechain.economics.cashflow import compute_cashflows
from orechain.economics.production import prepare

DATA = Path(__file__).parent / "data"
FIXTURE = str(DATA / "scenario-run.json")


def test_price_shock_from_shortfall():
    shock = {"flat": 2000, "assumption": True,
             "scenario": {"file": FIXTURE, "shock_elasticity": 1.0}}  # fmt: skip
    cf = compute_cashflows(prepare(tiny(**{"prices.cu": shock})))
    # 2031 shortfall 50 % -> price x1.5; 2032 20 % -> x1.2
    assert cf.revenue[0] == pytest.approx([0, 150_000, 120_000, 100_000])


def test_volumes_capped_by_scenario_served_tonnes():
    link = {"file": FIXTURE, "field": "served_t", "scale": 1.0}
    cf = compute_cashflows(prepare(tiny(**{"stages.0.volume_from_scenario": link})))
    # ore feed capped at served_t: 2031 500 t, 2032 800 t, 2033 1000 t (nameplate)
    assert cf.sold_t["conc"][0] == pytest.approx([0, 25, 40, 50])


def test_real_scenario_run_drives_the_price_shock(tmp_path, atlas_env):
    """Economics reads the scenario engine's own output, not only the fixture."""
    import json

    from typer.testing import CliRunner

    from orechain.cli import app
    from orechain.economics.scenario_link import read_scenario_series

    result = CliRunner().invoke(
        app, ["scenario", "run", "scenarios/pakistan-us-corridor.yaml", "--json"]
    )
    assert result.exit_code == 0, result.output
    run_file = tmp_path / "corridor.json"
    run_file.write_text(result.stdout, encoding="utf-8")
    years = {y["year"]: y for y in json.loads(result.stdout)["years"]}
    share = read_scenario_series(run_file, "shortfall_share")
    assert set(share) == set(years)
    first = min(years)
    expected = years[first]["shortfall_t"] / years[first]["demand_t"]
    assert share[first] == pytest.approx(expected)
    shock = {"flat": 2000, "assumption": True,
             "scenario": {"file": str(run_file), "shock_elasticity": 1.0}}  # fmt: skip
    # Start the project in the scenario's first years, when the US is short.
    shocked = compute_cashflows(prepare(tiny(start_year=first, **{"prices.cu": shock})))
    flat_price = {"flat": 2000, "assumption": True}
    flat = compute_cashflows(prepare(tiny(start_year=first, **{"prices.cu": flat_price})))
    for i, year in enumerate(shocked.years):
        assert shocked.revenue[0][i] == pytest.approx(flat.revenue[0][i] * (1 + share[int(year)]))
    assert share[first] > 0
