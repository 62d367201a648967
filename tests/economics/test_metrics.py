"""Textbook NPV/IRR cases and numpy-financial as an independent peer."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

from orechain.economics import (
    MultipleIrrWarning,
    irr,
    irr_result,
    npv,
    payback_years,
    peak_funding,
    solve_breakeven,
)


def test_textbook_npv():
    # Brealey, Myers & Allen: -100 then 60, 60 at 10 %.
    assert npv(0.10, [-100.0, 60.0, 60.0]) == pytest.approx(4.13223, abs=1e-5)
    assert npv(0.0, [-1.0, 0.5, 0.5]) == 0.0


def test_npv_at_several_rates_and_several_series():
    cf = np.array([-100.0, 60.0, 60.0])
    out = npv(np.array([0.0, 0.1]), cf)
    assert out == pytest.approx([20.0, 4.13223], abs=1e-5)
    many = npv(0.1, np.vstack([cf, 2 * cf]))
    assert many == pytest.approx([4.13223, 8.26446], abs=1e-5)


def test_textbook_irr():
    # Brealey, Myers & Allen ch. 5: -4000, +2000, +4000 -> 28.08 %.
    assert irr([-4000.0, 2000.0, 4000.0]) == pytest.approx(0.2808, abs=1e-4)
    assert irr([-100.0, 110.0]) == pytest.approx(0.10)


def test_irr_absent_with_reason_when_no_sign_change():
    assert irr([100.0, 50.0, 20.0]) is None
    res = irr_result([-100.0, -50.0])
    assert res.irr is None
    assert "no sign change" in (res.reason or "")
    assert irr_result([0.0, 0.0]).irr is None


def test_irr_absent_when_no_real_root():
    # -, +, - with a positive maximum NPV below zero: two sign changes, no root.
    res = irr_result([-100.0, 150.0, -100.0])
    assert res.irr is None
    assert "no real rate" in (res.reason or "")


def test_multiple_irr_picks_root_nearest_discount_rate_with_warning():
    # Brealey, Myers & Allen ch. 5: -1600, +10000, -10000 has IRRs 25 % and 400 %.
    cf = [-1600.0, 10000.0, -10000.0]
    with pytest.warns(MultipleIrrWarning, match="2 rates"):
        assert irr(cf, near=0.10) == pytest.approx(0.25)
    with pytest.warns(MultipleIrrWarning):
        assert irr(cf, near=3.0) == pytest.approx(4.0)
    assert irr_result(cf).roots == pytest.approx((0.25, 4.0))


@pytest.mark.parametrize("seed", range(40))
def test_npv_and_irr_agree_with_numpy_financial(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 30))
    cf = np.concatenate([-rng.uniform(10, 1000, size=rng.integers(1, 4))])
    cf = np.concatenate([cf, rng.uniform(-50, 300, size=n)])
    rate = float(rng.uniform(0.0, 0.3))
    assert npv(rate, cf) == pytest.approx(npf.npv(rate, cf), rel=1e-10, abs=1e-8)
    res = irr_result(cf)
    peer = npf.irr(cf)
    if len(res.roots) == 1:
        assert res.irr == pytest.approx(peer, abs=1e-8)
    elif res.irr is None:
        assert np.isnan(peer) or abs(npv(peer, cf)) < 1e-6
    else:
        assert any(abs(r - peer) < 1e-8 for r in res.roots) or np.isnan(peer)


def test_payback_and_peak_funding():
    cf = [-100.0, -50.0, 60.0, 60.0, 60.0]
    # cumulative -100, -150, -90, -30, +30 -> payback 3 + 30/60 = 3.5
    assert payback_years(cf) == pytest.approx(3.5)
    assert peak_funding(cf) == pytest.approx(150.0)
    assert payback_years([-100.0, 10.0]) is None
    assert payback_years([10.0, 10.0]) == 0.0
    assert peak_funding([10.0, 10.0]) == 0.0
    assert payback_years(cf, rate=0.10) is None  # discounted cumulative ends at -9.8
    discounted = payback_years([*cf, 60.0], rate=0.10)
    assert discounted is not None
    assert discounted > 3.5


def test_solve_breakeven():
    root = solve_breakeven(lambda m: 100 * m - 37.0)
    assert root == pytest.approx(0.37, abs=1e-6)
    assert solve_breakeven(lambda m: 1000 * m - 5000.0) == pytest.approx(5.0, abs=1e-6)
    assert solve_breakeven(lambda m: 1.0 + m) is None
