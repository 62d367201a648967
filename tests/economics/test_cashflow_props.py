"""Property tests on whole projects."""

from __future__ import annotations

import numpy as np
from econ_helpers import tiny
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from orechain.economics.cashflow import Factors, compute_cashflows
from orechain.economics.production import prepare
from orechain.economics.results import project_npv

PREP = prepare(tiny(**{"stages.0.ramp_up": [0.3], "fiscal.tax_holiday_years": 1}))
factor = st.floats(min_value=0.05, max_value=5.0)


@settings(max_examples=60, deadline=None)
@given(factor, factor, factor, factor)
def test_doubling_all_prices_never_lowers_npv(price, grade, capex, opex):
    f = {"grade": grade, "capex": capex, "opex": opex}
    once = project_npv(PREP, Factors(price=price, **f))[0]
    twice = project_npv(PREP, Factors(price=2 * price, **f))[0]
    assert twice >= once - 1e-6


@settings(max_examples=60, deadline=None)
@given(factor, st.floats(min_value=0.0, max_value=3.0), st.floats(min_value=0.0, max_value=3.0))
def test_npv_decreases_with_discount_rate_for_conventional_projects(price, r1, r2):
    fcf = compute_cashflows(PREP, Factors(price=price)).fcf_project[0]
    assume(fcf[0] < 0 and np.all(fcf[1:] >= 0))  # outlay first, then inflows only
    lo, hi = sorted((r1, r2))
    low = project_npv(PREP, Factors(price=price, discount_rate=lo))[0]
    high = project_npv(PREP, Factors(price=price, discount_rate=hi))[0]
    assert high <= low + 1e-6 * max(1.0, abs(low))


@settings(max_examples=40, deadline=None)
@given(st.lists(factor, min_size=1, max_size=8))
def test_vectorised_equals_one_by_one(prices):
    many = project_npv(PREP, Factors(price=np.array(prices)))
    ones = [project_npv(PREP, Factors(price=p))[0] for p in prices]
    assert np.allclose(many, ones)
