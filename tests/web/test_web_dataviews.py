"""The trade-flow and time-series views' data, checked against the atlas tables directly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orechain.errors import NotFoundError
from orechain.services.timeseries import production_series
from orechain.services.tradeflows import trade_codes, trade_view


def test_trade_view_shares_match_the_baci_rows(atlas):
    view = trade_view(atlas, "261710", 2024, country="PAK")
    raw = atlas.query(
        "SELECT reporter, partner, value_usd FROM trade WHERE hs6 = '261710' AND year = 2024 "
        "AND source_id = 'cepii-baci-hs92-minerals' AND value_usd IS NOT NULL"
    )
    world = raw["value_usd"].sum()
    top = view["exporters"]["rows"][0]
    assert top["iso3"] == "MMR"
    assert top["share"] == pytest.approx(raw[raw.reporter == "MMR"]["value_usd"].sum() / world)
    assert view["total_usd"] == pytest.approx(world)
    # China takes most of the world's antimony ore imports, and almost all of Pakistan's.
    assert view["importers"]["rows"][0]["iso3"] == "CHN"
    pak = view["partners"]
    assert pak["exports"][0]["iso3"] == "CHN"
    assert pak["exports_usd"] == pytest.approx(raw[raw.reporter == "PAK"]["value_usd"].sum())
    assert sum(link["value_usd"] for link in view["links"]) == pytest.approx(world)


def test_trade_view_says_which_years_have_data(atlas):
    with pytest.raises(NotFoundError, match="years with data"):
        trade_view(atlas, "850511", 2023)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["261710", "284690", "280530", "260300", "811010", "850511"]))
def test_trade_side_shares_and_hhi_are_consistent(atlas, hs6):
    view = trade_view(atlas, hs6)
    for side in ("exporters", "importers"):
        s = view[side]
        shares = [r["share"] for r in s["rows"]]
        assert shares == sorted(shares, reverse=True)
        assert 0 < sum(shares) <= 1 + 1e-9
        assert 10_000 / s["n_countries"] - 1e-6 <= s["hhi"] <= 10_000 + 1e-6
        assert s["hhi"] >= sum((100 * x) ** 2 for x in shares) - 1e-6


def test_trade_codes_cover_the_corridor(atlas):
    codes = {c["hs6"]: c for c in trade_codes(atlas)}
    assert {"261710", "284690", "260300"} <= set(codes)
    assert codes["261710"]["last_year"] == 2024


def test_production_series_names_each_points_vintage(atlas):
    s = production_series(atlas, "rare-earths")
    china = next(c for c in s["series"] if c["iso3"] == "CHN")
    points = {p["year"]: p for p in china["points"]}
    # USGS MCS 2025 revises 2023 to 255,000 t and estimates 2024 at 270,000 t (REO).
    assert points[2024] == {"year": 2024, "value": 270_000.0, "source_id": "usgs-mcs-2025"}
    assert points[2023]["source_id"] == "usgs-mcs-2025"
    assert points[2020]["source_id"] == "usgs-mcs-2022"
    assert s["series"][0]["iso3"] == "CHN"
    assert s["years"] == sorted(s["years"])


def test_production_series_of_one_country(atlas):
    s = production_series(atlas, "rare-earths", country="USA")
    assert [c["iso3"] for c in s["series"]] == ["USA"]
    points = {p["year"]: p["value"] for p in s["series"][0]["points"]}
    assert points[2024] == 45_000.0  # USGS MCS 2025
    with pytest.raises(NotFoundError, match="PAK"):
        production_series(atlas, "rare-earths", country="PAK")
