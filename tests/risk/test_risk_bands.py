"""Uncertainty bands on HHI and CR1 (orechain.risk.bands), checked against hand computations."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from orechain.atlas.query import select_production
from orechain.cli import app
from orechain.risk.bands import (
    Band,
    CountryRange,
    commodity_bands,
    concentration_bands,
    country_ranges,
    rank_stability,
    revision_pool,
    revision_range,
    rounding_half_width,
)
from orechain.risk.commodity import commodity_risk

COLUMNS = ["country", "source_id", "year", "value", "estimated", "qualifier"]


def _two_vintages() -> pd.DataFrame:
    """Vintage v1 publishes 2022 estimates; v2 revises A's 2022 to 120 and estimates 2023."""
    rows = [
        ("A", "usgs-mcs-v1", 2022, 100.0, True, None),
        ("B", "usgs-mcs-v1", 2022, 100.0, True, None),
        ("A", "usgs-mcs-v2", 2022, 120.0, False, None),
        ("B", "usgs-mcs-v2", 2022, 100.0, False, None),
        ("A", "usgs-mcs-v2", 2023, 100.0, True, None),
        ("B", "usgs-mcs-v2", 2023, 100.0, True, None),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_revision_pool_is_estimate_to_next_vintage():
    assert revision_pool(_two_vintages()) == pytest.approx([0.0, 0.2])


def test_two_vintage_band_matches_the_hand_computation():
    """2022 from v2: A ∈ [99.5, 120.5] (v1 100, v2 120, ± rounding 0.5), B ∈ [99.5, 100.5].

    With B ≈ 100 and A uniform, CR1 = A / (A + B) at A's own percentiles:
    p5 A = 99.5 + 0.05·21 = 100.55 → CR1 0.5014, HHI 5000.0;
    p50 A = 110 → CR1 0.5238, HHI 5011.3; p95 A = 119.45 → CR1 0.5443, HHI 5039.3.
    """
    ranges = country_ranges(_two_vintages(), "usgs-mcs-v2", 2022)
    got = {r.iso3: (r.low, r.high) for r in ranges}
    assert got == {"A": (99.5, 120.5), "B": (99.5, 100.5)}
    hhi, cr1 = concentration_bands(ranges, draws=20_000, seed=1)
    assert cr1.p5 == pytest.approx(100.55 / 200.55, abs=0.003)
    assert cr1.p50 == pytest.approx(110 / 210, abs=0.003)
    assert cr1.p95 == pytest.approx(119.45 / 219.45, abs=0.003)
    assert hhi.p50 == pytest.approx(1e4 * (110**2 + 100**2) / 210**2, abs=1.5)
    assert hhi.p95 == pytest.approx(1e4 * (119.45**2 + 100**2) / 219.45**2, abs=1.5)


def test_latest_estimate_widens_by_the_revision_range():
    """2023 in v2 is still an estimate: 100 × (1 + [0, p90 of {0, 0.2}] = 0.18), ± 0.5."""
    ranges = {r.iso3: r for r in country_ranges(_two_vintages(), "usgs-mcs-v2", 2023)}
    assert revision_range([0.0, 0.2]) == (0.0, pytest.approx(0.18))
    assert ranges["A"].low == pytest.approx(99.5)
    assert ranges["A"].high == pytest.approx(118.0)
    assert "estimate: revision range of earlier vintages" in ranges["A"].reasons


def test_withheld_is_bounded_by_the_world_total():
    """W ≤ the table's residual at its rounding edges: (130 + 0.5) − (100 − 0.5) = 31.

    A's World Mining Data figure (60) widens A's own range, not W's: the world
    total and A come from the same table, so a lower A elsewhere leaves no
    more room for W in it (subtracting A's low value would allow 70.5).
    """
    rows = [
        ("A", "usgs-mcs-v1", 2022, 100.0, False, None),
        ("W", "usgs-mcs-v1", 2022, None, False, "W"),
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for second in (None, pd.Series({"A": 60.0})):
        ranges = {
            r.iso3: r
            for r in country_ranges(frame, "usgs-mcs-v1", 2022, world_total=130.0, second=second)
        }
        assert (ranges["W"].low, ranges["W"].high) == (0.0, pytest.approx(31.0))
        assert ranges["W"].point is None
    assert ranges["A"].low == 60.0


def test_second_source_joins_the_interval():
    frame = pd.DataFrame([("A", "usgs-mcs-v1", 2022, 100.0, False, None)], columns=COLUMNS)
    (only,) = country_ranges(frame, "usgs-mcs-v1", 2022, second=pd.Series({"A": 90.0}))
    assert (only.low, only.high) == (90.0, 100.5)
    assert "World Mining Data" in only.reasons


@pytest.mark.parametrize(
    ("value", "half"), [(270_000.0, 500.0), (45_000.0, 50.0), (1.23, 0.005), (0.0, 0.0)]
)
def test_rounding_half_width(value, half):
    assert rounding_half_width(value) == pytest.approx(half)


def _ranges(pairs: list[tuple[float, float]]) -> list[CountryRange]:
    return [CountryRange(f"C{i}", None, min(a, b), max(a, b), ()) for i, (a, b) in enumerate(pairs)]


PAIRS = st.tuples(st.floats(0, 1e6), st.floats(0, 1e6))


@given(st.lists(PAIRS, min_size=1, max_size=6).map(_ranges))
def test_bands_are_ordered_and_within_hhi_bounds(ranges):
    hhi, cr1 = concentration_bands(ranges, draws=200, seed=0)
    assert hhi.p5 <= hhi.p50 <= hhi.p95 <= 10_000 + 1e-6
    assert 0.0 <= cr1.p5 <= cr1.p50 <= cr1.p95 <= 1.0 + 1e-12
    if hhi.p5 > 0:
        assert hhi.p5 >= 10_000 / len(ranges) - 1e-6


def test_rare_earth_2024_hhi_band_contains_the_point_estimate(atlas):
    point = commodity_risk(atlas, "rare earths", "mine", 2024)
    sel = select_production(atlas, "rare earths", "mine", 2024)
    bands = commodity_bands(atlas, sel)
    assert bands.hhi.contains(point.hhi)
    assert bands.cr1.contains(point.cr1)
    assert bands.hhi.p5 < bands.hhi.p95
    china = next(c for c in bands.countries if c.iso3 == "CHN")
    assert china.low < 270_000 < china.high


def test_wollastonite_withheld_us_output_stays_within_the_residual(atlas):
    """MCS 2025: world 1,100,000 t, listed countries 1,055,000 t, USA withheld.

    W ≤ (1,100,000 + 5,000) − Σ(listed − rounding) = 51,200 t here; the old
    bound (world less the listed countries' revision lows) was 297,592 t and
    put the whole HHI band below the point estimate.
    """
    point = commodity_risk(atlas, "wollastonite", "mine", 2024)
    sel = select_production(atlas, "wollastonite", "mine", 2024)
    bands = commodity_bands(atlas, sel)
    usa = next(c for c in bands.countries if c.iso3 == "USA")
    listed = sum(c.point - rounding_half_width(c.point) for c in bands.countries if c.point)
    assert usa.point is None
    assert usa.high == pytest.approx(1_105_000 - listed)
    assert usa.high < 60_000
    assert bands.hhi.contains(point.hhi)
    assert bands.cr1.contains(point.cr1)


def test_rank_is_uncertain_only_where_bands_overlap():
    b = [Band(9000, 9500, 9900), None, Band(5000, 6000, 7000), Band(6900, 7000, 7100),
         Band(1000, 1100, 1200)]  # fmt: skip
    assert rank_stability(b) == ["stable", None, "uncertain", "uncertain", "stable"]
    assert rank_stability([]) == []


def test_overview_bands_flag_ranks(atlas_env):
    result = CliRunner().invoke(app, ["risk", "overview", "--bands", "--top", "8", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 8
    ranked = [r for r in rows if r["hhi_band"] is not None]
    assert ranked
    assert {r["rank"] for r in ranked} <= {"stable", "uncertain"}
    assert all(r["rank"] is None for r in rows if r["hhi_band"] is None)


def test_rare_earth_supply_risk_band_brackets_the_substitution_range(atlas):
    """SR scales with SI ∈ [0.8, 1]: the band lies within the point SR × [0.8, 1] widened by
    the share uncertainty, and the point (SI = 1) is not below the median."""
    from orechain.risk.supply_risk import supply_risk

    sel = select_production(atlas, "rare earths", "mine", 2024)
    band = commodity_bands(atlas, sel).supply_risk
    assert band is not None
    point = next(s.sr for s in supply_risk(atlas, "rare earths", "USA").stages if s.stage == "mine")
    assert band.p5 < band.p50 < band.p95
    assert band.p50 <= point
    assert band.p5 >= 0.5 * point
