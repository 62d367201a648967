"""Tokens, roles and organisations: the tenant × role × endpoint matrix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_helpers import auth, make_settings
from asgi_client import AppClient

from orechain.ledger import sample
from orechain.ledger.envelope import sign_event
from orechain.ledger.events import format_time
from orechain.server import create_app
from orechain.services.ledger import ensure_ledger
from orechain.services.tokens import TokenStore, parse_token

WHO = ["anonymous", "viewer", "auditor", "admin", "op-magnets", "op-pk", "op-cn"]

MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/api/atlas/commodities?limit=2", dict.fromkeys(WHO, 200)),
    ("GET", "/api/risk/commodities/antimony", dict.fromkeys(WHO, 200)),
    ("GET", "/api/transparency", dict.fromkeys(WHO, 200)),
    ("GET", "/api/ledger/lots?q=MAGNET", dict.fromkeys(WHO, 200)),
    ("GET", "/api/ledger/lots/US-MAGNET-001/origin", dict.fromkeys(WHO, 200)),
    (
        "GET",
        "/api/ledger/lots/US-MAGNET-001",
        {
            "anonymous": 401,
            "viewer": 403,
            "auditor": 200,
            "admin": 200,
            "op-magnets": 200,
            "op-pk": 403,  # an upstream supplier does not read its customer's lot
            "op-cn": 403,
        },
    ),
    (
        "GET",
        "/api/ledger/lots/US-MAGNET-001/provenance",
        {
            "anonymous": 401,
            "viewer": 403,
            "auditor": 200,
            "admin": 200,
            "op-magnets": 200,
            "op-pk": 403,  # an upstream supplier does not read its customer's lot
            "op-cn": 403,
        },
    ),
    (
        "GET",
        "/api/ledger/sites/us-magnet/massbalance?period=2026",
        {
            "anonymous": 401,
            "viewer": 403,
            "auditor": 200,
            "admin": 200,
            "op-magnets": 200,
            "op-pk": 403,
            "op-cn": 403,
        },
    ),
    (
        "GET",
        "/api/ledger/events/demo-000-register-org",
        {
            "anonymous": 401,
            "viewer": 403,
            "auditor": 200,
            "admin": 200,
            "op-magnets": 403,
            "op-pk": 403,
            "op-cn": 403,
        },
    ),
    (
        "GET",
        "/api/ledger/events/demo-039-merge",  # signed by us-magnets
        {
            "anonymous": 401,
            "viewer": 403,
            "auditor": 200,
            "admin": 200,
            "op-magnets": 200,
            "op-pk": 403,
            "op-cn": 403,
        },
    ),
    (
        "GET",
        "/api/ledger/lots/PK-CONC-001",  # upstream of us-magnets' magnets; pk-mining's own
        {
            "anonymous": 401,
            "viewer": 403,
            "auditor": 200,
            "admin": 200,
            "op-magnets": 200,
            "op-pk": 200,
            "op-cn": 403,
        },
    ),
    (
        "POST",
        "/api/ledger/checkpoints",
        {
            "anonymous": 401,
            "viewer": 403,
            "auditor": 403,
            "admin": 201,
            "op-magnets": 201,
            "op-pk": 201,
            "op-cn": 201,
        },
    ),
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("method", "path", "expected"), MATRIX, ids=[m[1] for m in MATRIX])
def test_matrix(client, tokens, who, method, path, expected):
    response = client.request(method, path, headers=auth(tokens[who]))
    assert response.status_code == expected[who], response.text


def _site_event(actor: str, n: int, signer: str | None = None) -> dict:
    event = {
        "type": "register-site",
        "event_id": f"api-site-{actor}-{n}",
        "actor": actor,
        "time": format_time(datetime.now(UTC)),
        "site_id": f"{actor}-store-{n}",
        "site_name": "Illustrative store",
        "kind": "warehouse",
        "country": "USA",
        "operator": actor,
    }
    return sign_event(event, sample.org_key(signer or actor), origin=sample.ORIGIN)


WRITE_REFUSED = {"anonymous": 401, "viewer": 403, "auditor": 403, "admin": 403}


@pytest.mark.parametrize(("who", "status"), WRITE_REFUSED.items())
def test_only_operators_write(client, tokens, who, status):
    body = {"envelopes": [_site_event("us-magnets", 1)]}
    response = client.post("/api/ledger/events", json=body, headers=auth(tokens[who]))
    assert response.status_code == status, response.text


def test_operator_writes_for_its_own_organisation(client, tokens):
    body = {"envelopes": [_site_event("us-magnets", 2)]}
    response = client.post("/api/ledger/events", json=body, headers=auth(tokens["op-magnets"]))
    assert response.status_code == 201, response.text
    receipt = response.json()[0]
    assert receipt["event_id"] == "api-site-us-magnets-2"
    again = client.post("/api/ledger/events", json=body, headers=auth(tokens["op-magnets"]))
    assert again.json()[0] == receipt  # idempotent resubmission


def test_cross_organisation_write_refused(client, tokens):
    body = {"envelopes": [_site_event("us-magnets", 3)]}
    response = client.post("/api/ledger/events", json=body, headers=auth(tokens["op-pk"]))
    assert response.status_code == 403
    assert "us-magnets" in response.json()["error"]["message"]


def test_operator_needs_a_valid_signature(client, tokens):
    forged = _site_event("us-magnets", 4, signer="pk-mining")
    tampered = _site_event("us-magnets", 5)
    tampered["event"]["site_name"] = "Changed after signing"
    for envelope, words in ((forged, "does not belong"), (tampered, "signature")):
        response = client.post(
            "/api/ledger/events", json={"envelopes": [envelope]}, headers=auth(tokens["op-magnets"])
        )
        assert response.status_code in (400, 422)
        assert words in response.json()["error"]["message"].lower()
    after = client.get("/api/ledger/events/api-site-us-magnets-5", headers=auth(tokens["auditor"]))
    assert after.status_code == 404


def test_compliance_path_hidden_from_viewers(client, tokens):
    path = "/api/ledger/lots/BLEND-NDPR-OX-001/compliance"
    seen = client.get(path, headers=auth(tokens["auditor"])).json()
    hidden = client.get(path, headers=auth(tokens["viewer"])).json()
    assert seen["passed"] is False
    assert seen["path"]
    assert hidden["passed"] is False
    assert hidden["path"] == []


def test_proof_envelope_only_for_readers_of_the_event(client, tokens):
    path = "/api/transparency/proofs/inclusion/demo-000-register-org"
    assert client.get(path).json()["envelope"] is None
    assert client.get(path, headers=auth(tokens["auditor"])).json()["envelope"].startswith("{")


def test_tokens_are_stored_hashed(api_settings):
    store = TokenStore(api_settings.database_url)
    token, record = store.create("x-org", "viewer")
    secret = parse_token(token)[1]
    rows = store._execute("SELECT * FROM api_tokens WHERE token_id = ?", (record.token_id,))
    assert secret not in repr(rows)
    assert store.verify(token) == record
    store.revoke(record.token_id)
    assert store.verify(token) is None
    store.close()


def test_private_mode_and_cors_and_headers(atlas_path: Path, tmp_path: Path):
    settings = make_settings(atlas_path, tmp_path, anonymous_read=False)
    ensure_ledger(settings)
    with AppClient(create_app(settings)) as c:
        assert c.get("/api/atlas/commodities").status_code == 401
        assert c.get("/api/transparency").status_code == 200
        page = c.get("/transparency", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in page.headers
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
