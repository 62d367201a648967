"""Property tests of the finance functions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orechain.economics import irr_result, npv

amounts = st.floats(min_value=1.0, max_value=1e6, allow_nan=False)


@st.composite
def conventional(draw: st.DrawFn) -> np.ndarray:
    """Outflows first, then inflows: one sign change."""
    outs = draw(st.lists(amounts, min_size=1, max_size=4))
    ins = draw(st.lists(amounts, min_size=1, max_size=25))
    return np.array([-x for x in outs] + ins)


rates = st.floats(min_value=0.0, max_value=1.0)


@settings(max_examples=200, deadline=None)
@given(amounts, st.lists(amounts, min_size=1, max_size=25), rates, rates)
def test_npv_decreases_with_rate_for_conventional_flows(outlay, inflows, r1, r2):
    cf = np.array([-outlay, *inflows])
    lo, hi = sorted((r1, r2))
    assert npv(hi, cf) <= npv(lo, cf) + 1e-9 * np.abs(cf).sum()


@settings(max_examples=200, deadline=None)
@given(conventional(), rates, rates)
def test_npv_compounded_to_last_outflow_decreases_with_rate(cf, r1, r2):
    # With outflows over years 0..k, NPV(r)(1+r)^k is decreasing (Norstrom 1972).
    k = int(np.flatnonzero(cf < 0)[-1])
    lo, hi = sorted((r1, r2))
    assert (
        npv(hi, cf) * (1 + hi) ** k
        <= npv(lo, cf) * (1 + lo) ** k + 1e-9 * np.abs(cf).sum() * (1 + hi) ** k
    )


@settings(max_examples=200, deadline=None)
@given(conventional())
def test_npv_at_irr_is_zero(cf):
    res = irr_result(cf)
    if res.irr is None:
        # one sign change: a root exists unless the total is exactly tiny
        assert cf.sum() <= 0 or res.roots == ()
        return
    assert len(res.roots) == 1
    assert abs(npv(res.irr, cf)) <= 1e-6 * np.abs(cf).max()


@settings(max_examples=200, deadline=None)
@given(conventional(), rates)
def test_irr_above_rate_iff_npv_positive(cf, rate):
    res = irr_result(cf)
    if res.irr is None:
        return
    value = npv(rate, cf)
    if abs(value) > 1e-6 * np.abs(cf).sum():
        assert (res.irr > rate) == (value > 0)


@settings(max_examples=100, deadline=None)
@given(conventional(), rates, st.floats(min_value=0.01, max_value=100.0))
def test_npv_is_linear_in_scale(cf, rate, k):
    assert np.isclose(npv(rate, k * cf), k * npv(rate, cf), rtol=1e-9, atol=1e-6)
