import pandas as pd
import pytest

from orechain.errors import InputError
from orechain.risk.concentration import concentration_ratio, hhi, shares


def test_shares_use_other_countries_in_denominator_only():
    s = shares(pd.Series({"CHN": 60.0, "USA": 20.0, "MMR": 10.0}), other=10.0)
    assert list(s.index) == ["CHN", "USA", "MMR"]
    assert s["CHN"] == pytest.approx(0.6)
    assert s.sum() == pytest.approx(0.9)


def test_shares_drop_unknown_values():
    s = shares(pd.Series({"CHN": 3.0, "USA": None}))
    assert s.to_dict() == {"CHN": 1.0}


def test_shares_reject_negative_quantities():
    with pytest.raises(InputError, match="negative quantity for 'USA'"):
        shares(pd.Series({"CHN": 3.0, "USA": -1.0}))


def test_shares_of_nothing_is_empty():
    assert shares(pd.Series({"CHN": 0.0})).empty


def test_hhi_textbook_values():
    assert hhi(pd.Series([1.0])) == pytest.approx(10_000)
    assert hhi(pd.Series([0.25] * 4)) == pytest.approx(2_500)
    # 60/20/10/10 market: 3600 + 400 + 100 + 100
    assert hhi(pd.Series([0.6, 0.2, 0.1, 0.1])) == pytest.approx(4_200)


def test_concentration_ratios():
    s = pd.Series([0.1, 0.5, 0.3, 0.1])
    assert concentration_ratio(s, 1) == pytest.approx(0.5)
    assert concentration_ratio(s, 3) == pytest.approx(0.9)
    assert concentration_ratio(s, 10) == pytest.approx(1.0)
