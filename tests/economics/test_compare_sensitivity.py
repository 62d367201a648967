"""Export versus refine, tornado, spider, break-evens and Monte Carlo."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from econ_helpers import TINY, tiny

from orechain.economics.compare import compare_projects, incremental_npv_at
from orechain.economics.production import prepare
from orechain.economics.sensitivity import breakevens, montecarlo, spider, tornado

UNCERTAIN = {
    "price": {"dist": "lognormal", "mean": 1.0, "sd": 0.3},
    "capex": {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.4},
    "grade": {"dist": "normal", "mean": 1.0, "sd": 0.1},
    "price:cu": {"dist": "uniform", "low": 0.9, "high": 1.1},
}


def refine():
    mine = copy.deepcopy(TINY["stages"][0])
    mine["products"][0]["prices"] = {"cu": "cu"}
    mine["products"][0]["payable"] = 0.5
    smelter = {
        "id": "smelter", "kind": "smelter", "feed": "conc", "throughput_t_per_yr": 200,
        "production_start": 1, "capex_usd": {0: 20_000}, "opex_variable_usd_per_t": 50,
        "products": [{"id": "metal", "recovery": {"cu": 0.95}, "grade": 1.0}],
        "employment": {"jobs": 5, "local_share": 1.0, "wage_usd_per_yr": 100},
    }  # fmt: skip
    return tiny(stages=[mine, smelter], name="refine")


def export():
    return tiny(**{"stages.0.products.0.payable": 0.5, "name": "export"})


def test_incremental_figures_are_differences():
    res = compare_projects(export(), refine())
    assert res.incremental_npv == pytest.approx(res.alternative.npv - res.base.npv)
    assert res.incremental_jobs == 5
    assert res.incremental_export_revenue == pytest.approx(
        res.alternative.export_revenue - res.base.export_revenue
    )
    m = res.refining_breakeven_multiplier
    assert m is not None
    assert incremental_npv_at(prepare(export()), prepare(refine()), m) == pytest.approx(0, abs=1)
    # refining pays above the break-even and not below it
    assert incremental_npv_at(prepare(export()), prepare(refine()), 1.2 * m) > 0
    assert res.to_dict()["refining_stops_paying"]["prices"]["cu [USD/t]"] == pytest.approx(2000 * m)


def test_tornado_spider_breakevens():
    prep = prepare(tiny())
    base, bars = tornado(prep, 20)
    by = {b.factor: b for b in bars}
    assert by["price"].high_npv > base > by["price"].low_npv
    assert by["capex"].high_npv < base < by["capex"].low_npv
    assert [b.swing for b in bars] == sorted((b.swing for b in bars), reverse=True)
    table = spider(prep, (-10, 0, 10))
    assert table[1]["price"] == pytest.approx(base)
    be = breakevens(prep)
    assert be["price"] is not None
    assert be["price"] < 1 < be["capex"]


def test_montecarlo_is_reproducible_and_sane():
    project = tiny(uncertainty=UNCERTAIN)
    a = montecarlo(project, 400, seed=3)
    b = montecarlo(project, 400, seed=3, scheduler="synchronous", workers=2)
    assert np.array_equal(a.npv, b.npv)
    assert not np.array_equal(a.npv, montecarlo(project, 400, seed=4).npv)
    s = a.summary()
    assert s["p10"] < s["p50"] < s["p90"]
    assert 0 <= s["prob_npv_negative"] <= 1
    assert set(a.factors) == set(UNCERTAIN)
    assert a.factors["price:cu"].min() >= 0.9


def test_montecarlo_without_uncertainty_repeats_the_base():
    res = montecarlo(tiny(), 5, seed=1)
    assert np.allclose(res.npv, res.npv[0])
