"""The pandas-free risk path (``orechain risk``) gives the DataFrame API's numbers exactly.

``commodity_risk`` reads plain records and adds with :func:`orechain.pairwise.pairwise_sum`;
these tests recompute the same figures with pandas (the path it replaced) and compare
with ``==``, not ``approx``: the CLI output is meant to be byte-identical.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orechain.atlas.query import select_production
from orechain.atlas.selection import plain_records
from orechain.pairwise import pairwise_sum, total_of
from orechain.risk.commodity import commodity_risk, primary_measure
from orechain.risk.concentration import concentration_ratio, hhi, shares
from orechain.risk.governance import governance_scores, hhi_wgi, missing_governance

COMMODITIES = ["antimony", "cobalt", "rare earths", "gallium", "copper", "lithium", "titanium"]

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(st.lists(finite, max_size=600))
def test_pairwise_sum_is_numpys_sum(values):
    assert pairwise_sum(values) == float(np.sum(np.asarray(values, dtype=float)))


@given(st.lists(st.one_of(st.none(), st.just(math.nan), finite), max_size=60))
def test_total_of_is_series_sum(values):
    assert total_of(values) == float(pd.Series(values, dtype=float).sum())


def _pandas_risk(atlas, commodity, measure, year=None):
    """HHI, CR1, CR3, HHI_WGI, total and shares the way the DataFrame path computes them."""
    sel = select_production(atlas, commodity, measure, year)
    known = sel.countries.dropna(subset=["value"]).groupby("country")["value"].sum()
    share = shares(known, other=sel.other_value)
    wgi = governance_scores(atlas, sel.year)
    return {
        "total": float(sel.countries["value"].sum(skipna=True)) + sel.other_value,
        "hhi": hhi(share),
        "cr1": concentration_ratio(share, 1),
        "cr3": concentration_ratio(share, 3),
        "top_country": str(share.index[0]) if len(share) else None,
        "hhi_wgi": hhi_wgi(share, wgi) if len(wgi) else None,
        "wgi_missing": missing_governance(share, wgi) if len(wgi) else [],
        "shares": {str(k): float(v) for k, v in share.items()},
    }


CASES = [(c, None) for c in COMMODITIES] + [("helium", 2022)]
"""Helium 2022: USGS lists the U.S. twice, so a country's rows are summed."""


@pytest.mark.parametrize(("commodity", "year"), CASES)
def test_lean_commodity_risk_equals_the_dataframe_api(atlas, commodity, year):
    risk = commodity_risk(atlas, commodity, year=year)
    expected = _pandas_risk(atlas, commodity, risk.measure, year)
    got = {
        "total": risk.total,
        "hhi": risk.hhi,
        "cr1": risk.cr1,
        "cr3": risk.cr3,
        "top_country": risk.top_country,
        "hhi_wgi": risk.hhi_wgi,
        "wgi_missing": risk.wgi_missing,
        "shares": {c.iso3: c.share for c in risk.countries if c.share is not None},
    }
    assert got == expected


@pytest.mark.parametrize("commodity", COMMODITIES)
def test_records_are_the_frame_rows(atlas, commodity):
    measure = primary_measure(atlas, commodity)
    with_frame = select_production(atlas, commodity, measure)
    lean = select_production(atlas, commodity, measure, with_frame=False)
    assert lean.frame is None
    assert lean.records == with_frame.records == plain_records(with_frame.rows)
    assert (lean.other_value, lean.world_total_published) == (
        with_frame.other_value,
        with_frame.world_total_published,
    )
