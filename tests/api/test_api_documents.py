"""REST documents and UNTP: upload with limits, fetch by hash by visibility, unsigned UNTP.

``POST /api/ledger/documents`` stores nothing on a refused upload;
``GET /api/ledger/documents/{sha256}`` follows the visibility of the events
citing the document; ``GET /api/ledger/lots/{lot}/untp`` hands an operator
unsigned credentials that its own key turns into verifying ones.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_helpers import auth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orechain.ledger import keys, sample
from orechain.ledger.documents import MEDIA_TYPES
from orechain.ledger.envelope import sign_event
from orechain.ledger.events import format_time
from orechain.ledger.service import Ledger
from orechain.ledger.untp import did_key, export_lot, sign_lot, verify_credential

DOCS = "/api/ledger/documents"


def _store_holds(settings, sha256: str) -> bool:
    root = Path(settings.database_url + ".docs")
    return (root / sha256[:2] / sha256).exists()


def _upload(client, token, data: bytes, media: str, kind: str = "bill-of-lading", name=None):
    params = {"kind": kind} | ({"name": name} if name else {})
    headers = auth(token) | {"Content-Type": media}
    return client.post(DOCS, params=params, content=data, headers=headers)


def test_upload_then_fetch_follows_the_citing_events(client, tokens, api_settings):
    data = b"Bill of lading EX-BL-API-1 (ASSUMPTION: illustrative), 60 t REE concentrate.\n"
    sha = hashlib.sha256(data).hexdigest()
    up = _upload(client, tokens["op-pk"], data, "text/plain", name="bl.txt")
    assert up.status_code == 201, up.text
    assert up.json() == {
        "sha256": sha, "media_type": "text/plain", "kind": "bill-of-lading",
        "size": len(data), "name": "bl.txt",
    }  # fmt: skip
    assert _store_holds(api_settings, sha)
    url = f"{DOCS}/{sha}"
    # Cited by no event yet: auditors and admins only.
    assert client.get(url, headers=auth(tokens["auditor"])).content == data
    assert client.get(url, headers=auth(tokens["op-pk"])).status_code == 404
    assert client.get(url).status_code == 404
    event = {
        "type": "extract", "event_id": "api-doc-extract-1", "actor": "pk-mining",
        "time": format_time(datetime.now(UTC)), "site_id": "pk-mine",
        "lot": {"lot_id": "PK-ORE-API-1", "product": "run-of-mine ore",
                "commodity": "rare earths", "quantity_t": 10, "basis": "gross"},
        "documents": [{"sha256": sha, "media_type": "text/plain", "kind": "bill-of-lading"}],
    }  # fmt: skip
    env = sign_event(event, sample.org_key("pk-mining"), origin=sample.ORIGIN)
    posted = client.post(
        "/api/ledger/events", json={"envelopes": [env]}, headers=auth(tokens["op-pk"])
    )
    assert posted.status_code == 201, posted.text
    got = client.get(url, headers=auth(tokens["op-pk"]))
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-disposition"].startswith("attachment")
    assert got.headers["cache-control"] == "private, no-store"
    assert client.get(url, headers=auth(tokens["op-cn"])).status_code == 404
    assert client.get(url, headers=auth(tokens["viewer"])).status_code == 404
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "media", "kind", "status", "words"),
    [
        (b"PK\x03\x04zip", "application/zip", "invoice", 415, "not accepted"),
        (b"plain words", "application/pdf", "invoice", 415, "not of the declared type"),
        (b"%PDF-1.7\n", "application/pdf", "passport", 400, "unknown document kind"),
        (b"", "text/plain", "invoice", 400, "empty"),
        (b"{not json", "application/json", "invoice", 415, "not of the declared type"),
    ],
)
def test_refused_uploads_store_nothing(
    client, tokens, api_settings, data, media, kind, status, words
):
    resp = _upload(client, tokens["op-pk"], data, media, kind)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert words in error["message"]
    assert "\n" not in error["message"]
    assert not _store_holds(api_settings, hashlib.sha256(data).hexdigest())


def test_too_large_upload_is_refused_before_storing(client, tokens, api_settings):
    data = b"a" * (api_settings.max_body_bytes + 1)
    resp = _upload(client, tokens["op-pk"], data, "text/plain")
    assert resp.status_code == 413
    assert not _store_holds(api_settings, hashlib.sha256(data).hexdigest())


def test_the_routes_own_size_limit_refuses_before_storing(
    client, tokens, api_settings, monkeypatch
):
    import orechain.api.routes.documents as route

    monkeypatch.setattr(route, "MAX_DOCUMENT_BYTES", 64)
    data = b"Weight certificate EX-WC-9 (ASSUMPTION: illustrative). " * 3
    resp = _upload(client, tokens["op-pk"], data, "text/plain", "weight-certificate")
    assert resp.status_code == 413
    assert "more than the limit of 64" in resp.json()["error"]["message"]
    assert not _store_holds(api_settings, hashlib.sha256(data).hexdigest())


MEDIA = st.sampled_from([*MEDIA_TYPES, "application/zip", "text/html"])
BODIES = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64).map(str.encode),
    st.binary(max_size=32).map(lambda b: b"%PDF-1.7\n" + b),
    st.binary(max_size=32).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
)


@given(data=BODIES, media=MEDIA)
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_an_upload_is_stored_under_its_hash_or_not_at_all(
    client, tokens, api_settings, data, media
):
    sha = hashlib.sha256(data).hexdigest()
    before = _store_holds(api_settings, sha)
    resp = _upload(client, tokens["op-pk"], data, media, "invoice", name="doc")
    if resp.status_code == 201:
        body = resp.json()
        assert body["sha256"] == sha
        assert body["media_type"] == media
        assert _store_holds(api_settings, sha)
    else:
        assert resp.status_code in (400, 413, 415), resp.text
        assert _store_holds(api_settings, sha) == before


def test_upload_needs_an_operator(client, tokens):
    for who in ("anonymous", "viewer", "auditor"):
        resp = _upload(client, tokens[who], b"%PDF-1.7\n", "application/pdf")
        assert resp.status_code in (401, 403), who


def test_fetch_of_an_unknown_hash_is_404_and_a_bad_hash_422(client, tokens):
    assert client.get(f"{DOCS}/{'0' * 64}", headers=auth(tokens["auditor"])).status_code == 404
    assert client.get(f"{DOCS}/XYZ", headers=auth(tokens["auditor"])).status_code == 422


def test_untp_is_unsigned_and_the_operators_key_signs_it(client, tokens, api_settings):
    resp = client.get("/api/ledger/lots/PK-ORE-001/untp", headers=auth(tokens["op-pk"]))
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    key = sample.org_key("pk-mining")
    assert doc["signed"] is False
    assert doc["issuer"] == did_key(keys.public_bytes(key))
    assert "proof" not in doc["dpp"]
    assert "proof" not in doc["dte"]
    dpp, dte = sign_lot(doc["dpp"], doc["dte"], key)
    assert verify_credential(dpp) == verify_credential(dte) == doc["issuer"]
    with Ledger.open(api_settings.database_url) as led:
        assert (dpp, dte) == export_lot(led.state, led.origin, "PK-ORE-001", key)
    with pytest.raises(Exception, match="another issuer"):
        sign_lot(doc["dpp"], doc["dte"], sample.org_key("cn-separator"))


def test_untp_is_for_operators_who_handled_the_lot(client, tokens):
    url = "/api/ledger/lots/PK-ORE-001/untp"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth(tokens["auditor"])).status_code == 403
    assert client.get(url, headers=auth(tokens["op-cn"])).status_code == 403
    missing = client.get("/api/ledger/lots/NO-SUCH/untp", headers=auth(tokens["op-pk"]))
    assert missing.status_code == 404


@pytest.mark.postgres
def test_documents_on_a_postgresql_ledger(pg_url, atlas_path, tmp_path):
    import psycopg
    from api_helpers import PRINCIPALS
    from asgi_client import AppClient

    from orechain.server import create_app
    from orechain.services.ledger import ensure_ledger
    from orechain.services.tokens import TokenStore
    from orechain.settings import Settings

    settings = Settings(
        cache_dir=tmp_path / "cache", atlas_path=atlas_path, database_url=pg_url,
        rate_limit_per_minute=0,
    )  # fmt: skip
    ensure_ledger(settings)
    store = TokenStore(pg_url)
    op = store.create(*PRINCIPALS["op-pk"], label="op")[0]
    auditor = store.create(*PRINCIPALS["auditor"], label="auditor")[0]
    store.close()
    data = b"%PDF-1.7\n% export permit EX-EP-PG-1 (ASSUMPTION: illustrative)\n"
    with AppClient(create_app(settings)) as client:
        up = _upload(client, op, data, "application/pdf", "export-permit")
        assert up.status_code == 201, up.text
        sha = up.json()["sha256"]
        got = client.get(f"{DOCS}/{sha}", headers=auth(auditor))
        assert got.status_code == 200
        assert got.content == data
        assert client.get(f"{DOCS}/{sha}", headers=auth(op)).status_code == 404  # cited by none
        refused = _upload(client, op, b"plain", "application/pdf", "export-permit")
        assert refused.status_code == 415
    with psycopg.connect(pg_url) as conn:
        held = conn.execute("SELECT sha256 FROM ledger_documents").fetchall()
    assert held == [(sha,)]  # the refused upload left nothing
