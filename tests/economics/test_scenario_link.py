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
