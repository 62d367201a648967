"""Every error has one JSON shape: {"error": {"status", "code", "message", "details"}}."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import auth, make_settings
from asgi_client import AppClient

from orechain.server import create_app
from orechain.services.ledger import ensure_ledger

KEYS = {"status", "code", "message", "details"}


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == KEYS
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/no-such-route", 404, "not_found"),
        ("GET", "/api/risk/commodities/unobtainium", 404, "not_found"),
        ("GET", "/api/ledger/lots/NO-SUCH-LOT/origin", 404, "not_found"),
        ("GET", "/api/atlas/production/rare-earths?year=1800", 422, "validation_error"),
        ("GET", "/api/atlas/trade?limit=100000", 422, "validation_error"),
        ("GET", "/api/risk/imports/rare-earths?by=weight", 422, "validation_error"),
        ("GET", "/api/ledger/lots/US-MAGNET-001/compliance?rule=nonsense", 400, "input_error"),
        ("GET", "/api/ledger/lots/US-MAGNET-001", 401, "unauthorized"),
        ("DELETE", "/api/health", 405, "method_not_allowed"),
    ],
)
def test_error_shape(client, method, path, status, code):
    assert_error_shape(client.request(method, path), status, code)


def test_validation_details_name_the_field(client):
    error = assert_error_shape(client.get("/api/atlas/trade?limit=0"), 422, "validation_error")
    assert error["details"][0]["loc"] == ["query", "limit"]


def test_input_error_details(client):
    error = assert_error_shape(
        client.get("/api/ledger/lots/US-MAGNET-001/compliance?rule=nonsense"), 400, "input_error"
    )
    assert error["details"]["field"] == "rule"


def test_forbidden_shape(client, tokens):
    response = client.get("/api/ledger/lots/US-MAGNET-001", headers=auth(tokens["viewer"]))
    assert_error_shape(response, 403, "forbidden")


def test_bad_token_shape(client):
    response = client.get("/api/ledger/lots/US-MAGNET-001", headers=auth("oc_000000000000_x"))
    error = assert_error_shape(response, 401, "unauthorized")
    assert "revoked" in error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_rate_limit_and_size_limit_shapes(atlas_path: Path, tmp_path: Path):
    settings = make_settings(
        atlas_path, tmp_path, anonymous_rate_limit_per_minute=6, max_body_bytes=1000
    )
    ensure_ledger(settings)
    with AppClient(create_app(settings)) as c:
        assert c.get("/api/transparency").status_code == 200
        limited = c.get("/api/transparency")
        assert_error_shape(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
        big = c.post(
            "/api/scenarios/validate",
            content=b"{" + b" " * 2000 + b"}",
            headers={"content-type": "application/json"},
        )
        assert_error_shape(big, 413, "payload_too_large")
