"""Hand-computed cash-flow tables and fiscal edge cases."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from econ_helpers import TINY, tiny

from orechain.economics.cashflow import Factors, compute_cashflows
from orechain.economics.production import prepare
from orechain.economics.results import evaluate_project

DEP = 100_000 / 3


def table(project):
    return compute_cashflows(prepare(project))


def test_hand_computed_table():
    cf = table(tiny())
    # 1000 t ore x 10 % Cu x 50 % recovery = 50 t Cu at 2000 USD/t
    assert cf.revenue[0] == pytest.approx([0, 100_000, 100_000, 100_000])
    assert cf.royalty[0] == pytest.approx([0, 5000, 5000, 5000])
    assert cf.opex[0] == pytest.approx([0, 15_000, 15_000, 15_000])
    assert cf.depreciation[0] == pytest.approx([0, DEP, DEP, DEP])
    assert cf.taxable_income[0] == pytest.approx([0, 80_000 - DEP, 80_000 - DEP, 80_000 - DEP])
    assert cf.tax[0] == pytest.approx([0, 14_000, 14_000, 14_000])
    assert cf.fcf_project[0] == pytest.approx([-100_000, 66_000, 66_000, 66_000])
    assert cf.sold_t["conc"][0] == pytest.approx([0, 50, 50, 50])
    res = evaluate_project(tiny())
    assert res.npv == pytest.approx(-100_000 + 66_000 * (1 / 1.1 + 1 / 1.21 + 1 / 1.331))
    assert res.payback_years == pytest.approx(1 + 34_000 / 66_000)
    assert res.peak_funding == pytest.approx(100_000)
    assert res.jobs == {"operations": 10, "operations_local": 8, "construction_peak": 0}
    assert res.host_take["local_wages"] == pytest.approx(3 * 800)
    assert res.host_take["total"] == pytest.approx(3 * (5000 + 14_000 + 800))
    assert res.export_revenue == pytest.approx(300_000)
    # value added = output value - non-wage opex = 3 x (100000 - (15000 - 800))
    assert res.value_added_by_stage["mine"] == pytest.approx(3 * (100_000 - 14_200))


def test_losses_carried_forward_through_ramp_up():
    cf = table(tiny(**{"stages.0.ramp_up": [0.2]}))
    # year 1: revenue 20000, royalty 1000, opex 11000 -> loss 25333.33
    assert cf.taxable_income[0, 1] == pytest.approx(20_000 - 1000 - 11_000 - DEP)
    assert cf.tax[0] == pytest.approx([0, 0, 0.3 * (80_000 - DEP - (DEP - 8000)), 14_000])


def test_loss_carry_forward_limit():
    cf = table(tiny(**{"stages.0.ramp_up": [0.2], "fiscal.loss_carry_forward_years": 0}))
    assert cf.tax[0] == pytest.approx([0, 0, 14_000, 14_000])


def test_tax_holiday_exempts_profit_and_keeps_losses():
    cf = table(tiny(**{"fiscal.tax_holiday_years": 1}))
    assert cf.tax[0] == pytest.approx([0, 0, 14_000, 14_000])
    cf = table(tiny(**{"fiscal.tax_holiday_years": 1, "stages.0.ramp_up": [0.2]}))
    assert cf.tax[0, 2] == pytest.approx(0.3 * (80_000 - DEP - (DEP - 8000)))


def test_royalty_on_zero_revenue_and_no_irr():
    project = tiny(**{"prices.cu.flat": 0})
    cf = table(project)
    assert np.all(cf.royalty == 0)
    assert np.all(cf.tax == 0)
    res = evaluate_project(project)
    assert res.irr.irr is None
    assert "no sign change" in (res.irr.reason or "")
    assert res.payback_years is None


def test_breakeven_price_gives_zero_npv():
    res = evaluate_project(tiny())
    assert res.breakeven.key == "cu"
    assert res.breakeven.multiplier is not None
    again = evaluate_project(tiny(**{"prices.cu.flat": res.breakeven.price}))
    assert again.npv == pytest.approx(0.0, abs=1.0)


def test_depreciation_sums_to_capex_and_declining_balance():
    project = tiny(**{"fiscal.depreciation": {"method": "declining_balance", "life_years": 5}})
    cf = table(project)
    assert cf.depreciation[0].sum() == pytest.approx(100_000)
    assert cf.depreciation[0, 1] == pytest.approx(0.4 * 100_000)
    long_life = table(tiny(**{"fiscal.depreciation.life_years": 10}))
    assert long_life.depreciation[0, -1] == pytest.approx(100_000 - 2 * 10_000)


def test_debt_annuity_and_equity_flows():
    project = tiny(debt={"share": 0.5, "rate": 0.1, "tenor_years": 2})
    cf = table(project)
    payment = 50_000 * 0.1 / (1 - 1.1**-2)
    expected = [0, 5000, 0.1 * (50_000 - (payment - 5000)), 0]
    assert cf.interest[0] == pytest.approx(expected, abs=1e-6)
    assert cf.fcf_equity[0, 0] == pytest.approx(-50_000)
    assert cf.fcf_equity[0, 1] == pytest.approx(cf.fcf_project[0, 1] - payment)


def test_state_equity_and_withholding_tax():
    project = tiny(
        **{
            "fiscal.government_free_carry": 0.1,
            "fiscal.withholding_tax_rate": 0.1,
        }
    )
    cf = table(project)
    assert cf.government_equity[0] == pytest.approx([0, 6600, 6600, 6600])
    assert cf.withholding_tax[0] == pytest.approx([0, 5940, 5940, 5940])
    assert cf.fcf_investor[0] == pytest.approx([-100_000, 53_460, 53_460, 53_460])


def test_real_terms_do_not_depend_on_inflation_without_income_tax():
    base = tiny(**{"fiscal.income_tax_rate": 0.0})
    inflated = tiny(**{"fiscal.income_tax_rate": 0.0, "inflation": 0.05})
    a, b = table(base), table(inflated)
    assert b.fcf_project == pytest.approx(a.fcf_project)
    nominal = table(tiny(**{"fiscal.income_tax_rate": 0.0, "inflation": 0.05, "terms": "nominal"}))
    assert nominal.revenue[0, 3] == pytest.approx(100_000 * 1.05**3)
    taxed = table(tiny(inflation=0.05))
    # with tax, inflation erodes depreciation: real after-tax cash falls
    assert taxed.fcf_project[0, 1:].sum() < table(tiny()).fcf_project[0, 1:].sum()


def test_vectorised_draws_match_single_runs():
    prep = prepare(tiny())
    many = compute_cashflows(prep, Factors(price=np.array([0.5, 1.0, 1.5])))
    for i, m in enumerate([0.5, 1.0, 1.5]):
        one = compute_cashflows(prep, Factors(price=m))
        assert many.fcf_project[i] == pytest.approx(one.fcf_project[0])


def test_downstream_stage_takes_what_it_can_and_the_rest_is_sold():
    mine = copy.deepcopy(TINY["stages"][0])
    mine["products"][0]["payable"] = 0.5
    mine["products"][0]["prices"] = {"cu": "cu"}  # fed-on products need explicit prices
    two = tiny(
        **{
            "stages": [
                mine,
                {
                    "id": "smelter",
                    "kind": "smelter",
                    "feed": "conc",
                    "throughput_t_per_yr": 100,  # of 200 t concentrate
                    "production_start": 1,
                    "products": [{"id": "metal", "recovery": {"cu": 0.9}, "grade": 1.0}],
                },
            ],
        }
    )
    cf = table(two)
    assert cf.sold_t["conc"][0, 1] == pytest.approx(25)
    assert cf.sold_t["metal"][0, 1] == pytest.approx(25 * 0.9)
    assert cf.revenue[0, 1] == pytest.approx(25 * 0.5 * 2000 + 22.5 * 2000)
    va = evaluate_project(two).value_added_by_stage
    assert va["smelter"] == pytest.approx(3 * (22.5 * 2000 - 25 * 0.5 * 2000))
