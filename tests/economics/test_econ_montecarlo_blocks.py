"""Economics Monte Carlo on vectorised blocks: per-draw reproducible, right distributions."""

from __future__ import annotations

import numpy as np
from econ_helpers import tiny

from orechain.economics.sensitivity import montecarlo
from orechain.montecarlo import BLOCK

FACTORS = {
    "price": {"dist": "lognormal", "mean": 1.0, "sd": 0.3},
    "capex": {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.4},
    "grade": {"dist": "normal", "mean": 1.0, "sd": 0.1},
    "opex": {"dist": "uniform", "low": 0.8, "high": 1.2},
}


def test_draw_i_is_the_same_for_any_number_of_draws():
    project = tiny(uncertainty=FACTORS)
    short = montecarlo(project, 300, seed=9)
    long = montecarlo(project, BLOCK + 300, seed=9)
    assert np.array_equal(short.npv, long.npv[:300])
    for name in FACTORS:
        assert np.array_equal(short.factors[name], long.factors[name][:300])


def test_factors_follow_their_distributions():
    res = montecarlo(tiny(uncertainty=FACTORS), 2 * BLOCK, seed=2)
    f = res.factors
    assert f["capex"].min() >= 0.9
    assert f["capex"].max() <= 1.4
    assert abs(np.mean(f["capex"]) - (0.9 + 1.0 + 1.4) / 3) < 0.01
    assert f["opex"].min() >= 0.8
    assert f["opex"].max() <= 1.2
    assert abs(np.mean(f["price"]) - 1.0) < 0.02
    assert abs(np.std(f["price"]) - 0.3) < 0.02
    assert abs(np.std(f["grade"]) - 0.1) < 0.01
    # factors of one draw are drawn independently of each other
    assert abs(np.corrcoef(f["price"], f["capex"])[0, 1]) < 0.05
