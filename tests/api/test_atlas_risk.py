"""/api/atlas and /api/risk: each endpoint answers with the domain function's numbers."""

from __future__ import annotations

from orechain.risk.commodity import commodity_risk


def test_commodities_paginated(client):
    first = client.get("/api/atlas/commodities?limit=5").json()
    assert len(first["items"]) == 5
    assert first["next_offset"] == 5
    assert first["total"] > 5
    last = client.get(f"/api/atlas/commodities?limit=5&offset={first['total'] - 1}").json()
    assert last["next_offset"] is None


def test_production_has_shares_and_map_codes(client):
    data = client.get("/api/atlas/production/rare-earths?year=2024").json()
    assert data["basis"] == "REO"
    china = next(r for r in data["rows"] if r["country"] == "CHN")
    assert china["m49"] == 156
    assert 0.6 < china["share"] < 0.75
    shares = [r["share"] for r in data["rows"] if r["share"] is not None]
    assert abs(sum(shares) - 1) < 0.05  # 'other countries' carries the rest


def test_reserves_and_trade_and_country(client):
    reserves = client.get("/api/atlas/reserves/antimony").json()
    assert reserves["rows"]
    trade = client.get("/api/atlas/trade?reporter=PAK&limit=3").json()
    assert len(trade["items"]) == 3
    assert {r["reporter"] for r in trade["items"]} == {"PAK"}
    profile = client.get("/api/atlas/countries/PAK").json()
    assert profile["name"] == "Pakistan"
    assert any(e["commodity"] == "antimony" for e in profile["entries"])


def test_risk_matches_the_python_api(client, atlas):
    data = client.get("/api/risk/commodities/rare-earths?measure=mine&year=2024").json()
    expected = commodity_risk(atlas, "rare-earths", "mine", 2024)
    assert data["hhi"] == expected.hhi
    assert data["top_country"] == "CHN"


def test_overview_exposure_imports_supply(client):
    overview = client.get("/api/risk/overview").json()
    assert any(r["commodity"] == "rare-earths" and r["measure"] == "refining" for r in overview)
    exposure = client.get("/api/risk/exposure").json()
    assert len({r["commodity"] for r in exposure}) == len(exposure)
    imports = client.get("/api/risk/imports/rare-earths?importer=USA").json()
    assert imports["partners"][0]["iso3"] == "CHN"
    supply = client.get("/api/risk/supply/antimony").json()
    assert supply["sr"] == max(s["sr"] for s in supply["stages"])


def test_second_answer_is_cached(client, app):
    client.get("/api/risk/commodities/copper")
    cache = app.state.services.atlas._cache
    assert any(k[:2] == ("risk", "copper") for k in cache)
