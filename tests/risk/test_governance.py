import pandas as pd
import pytest

from orechain.risk.governance import hhi_wgi, missing_governance, scale_wgi


def test_scale_wgi_endpoints_and_clipping():
    assert scale_wgi(2.5) == 0.0
    assert scale_wgi(-2.5) == 10.0
    assert scale_wgi(-3.0) == 10.0
    assert scale_wgi(0.0) == 5.0
    series = scale_wgi(pd.Series({"A": 1.0, "B": -1.0}))
    assert isinstance(series, pd.Series)
    assert series.to_dict() == pytest.approx({"A": 3.0, "B": 7.0})


def test_hhi_wgi_weights_squared_shares():
    share = pd.Series({"CHN": 0.7, "USA": 0.2, "XXX": 0.1})
    wgi = pd.Series({"CHN": 6.0, "USA": 2.0})
    assert hhi_wgi(share, wgi) == pytest.approx(0.49 * 6 + 0.04 * 2)
    assert missing_governance(share, wgi) == ["XXX"]
