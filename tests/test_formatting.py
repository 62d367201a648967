"""The one number formatter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orechain.formatting import (
    MISSING,
    money,
    number,
    percent,
    points,
    ratio,
    share_range,
    unit_label,
)


def test_examples():
    assert number(1234.5) == "1,234"
    assert number(12.345) == "12.35"
    assert number(np.int64(5)) == "5"
    assert number(None) == MISSING
    assert number(float("nan")) == MISSING
    assert number(True) == "yes"
    assert percent(0.4412) == "44.1 %"
    assert points(-0.043) == "-4.3 pp"
    assert money(-31842631.29, "USD") == "-31.8 M USD"
    assert ratio(1.4831980168819427) == "1.48"
    assert unit_label("metr. t") == "t"
    assert unit_label("thousand metric tons") == "kt"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_number_round_trips_within_display_precision(x):
    text = number(x)
    back = float(text.replace(",", ""))
    tolerance = 0.5 if abs(x) >= 1000 or x == int(x) else 0.005
    assert math.isclose(back, x, abs_tol=tolerance + 1e-9)


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        ([0.32, 0.71], " (32–71)"),
        ([0.0, 0.5551], " (0–56)"),
        ([0.40, 0.41], ""),  # one point wide: noise, not shown
        ([0.40, 0.4105], " (40–41)"),
        (None, ""),
    ],
)
def test_share_range(span, shown):
    assert share_range(span) == shown
