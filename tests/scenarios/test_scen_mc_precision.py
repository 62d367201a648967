"""Percentile intervals and running to a precision (issue 13: answers an analyst can trust).

A Monte Carlo percentile is itself an estimate: its 95 % interval says how far
more draws could move it. A P50 that falls between two clusters of draws (a
disruption on or off with odds near one half) has a wide one however many
draws run; the summary must say so instead of printing a number that flips.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_helpers import tiny

from orechain.errors import InputError
from orechain.montecarlo import quantile_ci
from orechain.scenarios.montecarlo import run_monte_carlo
from orechain.scenarios.solve import build_network
from orechain.scenarios.spec import parse_scenario


def test_interval_ranks_by_hand():
    """n = 100, p = 0.5: ranks 50 ∓ 1.96·5 → 40th and 60th order statistics (0-based 39, 59)."""
    ci = quantile_ci(np.arange(100.0), (0.5, 0.05))
    assert ci["p50"] == (39.0, 59.0)
    # p = 0.05: 5 ∓ 1.96·√4.75 = 5 ∓ 4.27 → ranks 0 (clipped) and 10
    assert ci["p5"] == (0.0, 9.0)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(30, 2000), seed=st.integers(0, 2**32 - 1))
def test_interval_contains_the_sample_quantile(n, seed):
    values = np.random.default_rng(seed).lognormal(0, 1, n)
    for p, (lo, hi) in zip((0.05, 0.5, 0.95), quantile_ci(values).values(), strict=True):
        assert lo <= np.quantile(values, p) <= hi


def test_interval_covers_the_true_median_about_95_percent_of_the_time():
    rng = np.random.default_rng(4)
    hits = sum(
        lo <= 0.0 <= hi for lo, hi in (quantile_ci(rng.normal(size=150))["p50"] for _ in range(800))
    )
    assert 0.92 <= hits / 800 <= 0.985


def _coin(probability: float) -> tuple:
    """A ban on mine A (100 t) with the given odds each year; demand 90 t.

    Ban off: A and B (150 t) serve it all. Ban on: B's 50 t leave about 40 t
    short. Two clusters of shortfall, 0 and about 40 t.
    """
    raw = tiny(
        horizon={"start": 2025, "end": 2026},
        options={"market": "quantity"},
        demand=[{"region": "USA", "sector": "ev", "tonnes": 90, "source": "ASSUMPTION: test"}],
        priorities={"ev": 1},
        disruptions=[
            {
                "type": "export_restriction",
                "id": "ban",
                "country": "AUS",
                "stages": ["mining"],
                "to": ["USA"],
                "share": 1.0,
                "start": 2025,
            },
        ],
        uncertainty=[
            {
                "target": "demand",
                "region": "USA",
                "distribution": {"kind": "normal", "mean": 1, "sd": 0.05},
            },
            {"target": "disruption", "disruption": "ban", "probability": probability},
        ],
    )
    scn = parse_scenario(raw)
    return scn, build_network(scn)


def test_a_median_between_two_clusters_is_reported_unsettled():
    scn, net = _coin(0.5)
    res = run_monte_carlo(net, scn, 400, seed=3, workers=1)
    totals = res.draws.groupby(["draw", "year"]).shortfall_t.sum().unstack()
    assert totals[2025].min() < 1  # ban off: served
    assert totals[2025].max() > 10  # ban on: short
    assert "2025 P50 shortfall" in res.summary["unsettled"]
    lo, hi = res.summary["ci95"]["shortfall_t"][2025]["p50"]
    assert hi - lo > 10  # the interval spans the gap between the clusters


def test_precision_stops_early_and_equals_the_run_of_that_many_draws():
    """Batches use draws 0…n−1 of the seed: stopping at n gives the run of exactly n draws."""
    scn, net = _coin(0.02)
    res = run_monte_carlo(net, scn, 5000, seed=11, workers=1, precision=0.05, batch=60, block=20)
    used = res.summary["draws"]
    assert isinstance(used, int)
    assert used < 5000
    assert used % 60 == 0
    assert res.summary["unsettled"] == []
    fixed = run_monte_carlo(net, scn, used, seed=11, workers=1, block=20)
    assert fixed.summary["shortfall_t"] == res.summary["shortfall_t"]
    assert fixed.summary["ci95"] == res.summary["ci95"]
    assert fixed.draws.equals(res.draws)
    if used > 60:  # one batch fewer was not yet settled
        shorter = run_monte_carlo(net, scn, used - 60, seed=11, workers=1, precision=0.05)
        assert shorter.summary["unsettled"]


def test_no_draws_is_refused():
    scn, net = _coin(0.5)
    with pytest.raises(InputError, match="draws must be at least 1"):
        run_monte_carlo(net, scn, 0, seed=1, precision=0.05)


def test_precision_never_exceeds_the_draws_asked():
    scn, net = _coin(0.5)
    res = run_monte_carlo(net, scn, 150, seed=2, workers=1, precision=0.01, batch=100)
    assert res.summary["draws"] == 150
    assert res.summary["unsettled"]  # the bimodal median cannot settle


@pytest.mark.parametrize("workers", [1, 2])
def test_batches_give_the_same_draws_on_any_number_of_workers(workers):
    scn, net = _coin(0.3)
    one = run_monte_carlo(net, scn, 90, seed=5, workers=1, block=20)
    batched = run_monte_carlo(
        net, scn, 90, seed=5, workers=workers, precision=0.001, batch=40, block=20
    )
    assert batched.summary["draws"] == 90
    assert batched.draws.equals(one.draws)
