"""``/api/dashboard``: the trade-flow and time-series data the pages draw.

Each route answers in its documented schema (schemathesis, a few cases each), a
bad code is a 404 in the one error shape, and the figures are the atlas's.
"""

from __future__ import annotations

import pytest
import schemathesis
from api_helpers import check_conformance


def test_trade_route_gives_shares_and_partners(client):
    body = client.get("/api/dashboard/trade/261710?year=2024&country=PAK").json()
    assert body["exporters"]["rows"][0]["iso3"] == "MMR"
    assert body["partners"]["exports"][0]["iso3"] == "CHN"
    assert body["source_id"] == "cepii-baci-hs92-minerals"


def test_trade_route_without_data_is_a_404_naming_the_years(client):
    response = client.get("/api/dashboard/trade/850511?year=2023")
    assert response.status_code == 404
    assert "years with data" in response.json()["error"]["message"]


def test_series_routes(client):
    series = client.get("/api/dashboard/series/rare-earths").json()
    assert series["series"][0]["iso3"] == "CHN"
    nir = client.get("/api/dashboard/salient/antimony?variable=net_import_reliance").json()
    points = {p["year"]: p["value"] for p in nir["series"][0]["points"]}
    assert points[2024] == 85.0  # USGS MCS 2025, antimony: 85 % net import reliance
    assert client.get("/api/dashboard/salient/antimony?variable=oops").status_code == 422


@pytest.fixture(scope="module")
def dashboard_ops(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [r.ok() for r in schema.get_all_operations()]
    return [op for op in ops if op.path.startswith("/api/dashboard")]


def test_dashboard_routes_conform_to_their_schema(dashboard_ops):
    assert len(dashboard_ops) == 5
    for op in dashboard_ops:
        check_conformance(op, max_examples=6)
