import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orechain.risk.concentration import concentration_ratio, hhi, shares

quantities = st.lists(
    st.floats(min_value=0.001, max_value=1e9, allow_nan=False), min_size=1, max_size=40
)


def _series(values: list[float]) -> pd.Series:
    return pd.Series(values, index=[f"C{i:02d}" for i in range(len(values))])


@given(quantities)
def test_shares_sum_to_one(values):
    assert shares(_series(values)).sum() == pytest.approx(1.0)


@given(quantities)
def test_hhi_between_uniform_and_monopoly(values):
    h = hhi(shares(_series(values)))
    n = len(values)
    assert 10_000 / n - 1e-6 <= h <= 10_000 + 1e-6


@given(quantities, st.randoms(use_true_random=False))
def test_order_independence(values, rnd):
    s = _series(values)
    shuffled = s.sample(frac=1.0, random_state=rnd.randint(0, 2**31))
    assert hhi(shares(shuffled)) == pytest.approx(hhi(shares(s)))
    assert concentration_ratio(shares(shuffled), 3) == pytest.approx(
        concentration_ratio(shares(s), 3)
    )


@given(quantities, st.floats(min_value=0.0, max_value=1e9))
def test_other_countries_only_lower_shares(values, other):
    with_other = shares(_series(values), other=other)
    assert with_other.sum() <= 1.0 + 1e-9
    assert hhi(with_other) <= hhi(shares(_series(values))) + 1e-6


@given(quantities)
def test_cr1_le_cr3_le_one(values):
    s = shares(_series(values))
    assert concentration_ratio(s, 1) <= concentration_ratio(s, 3) + 1e-12 <= 1.0 + 1e-9
