"""GET /api/ledger/lots/{lot}/pack: the evidence pack, confidential, verifiable offline."""

from __future__ import annotations

from api_helpers import auth

from orechain.ledger.pack import verify_pack


def test_pack_for_an_auditor_verifies_offline(client, tokens):
    head = client.get("/api/transparency").json()
    resp = client.get("/api/ledger/lots/US-MAGNET-001/pack", headers=auth(tokens["auditor"]))
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/zip"
    report = verify_pack(resp.content, head["vkey"])
    assert report.lot_id == "US-MAGNET-001"


def test_pack_needs_a_reader_who_may_see_the_lot(client, tokens):
    assert client.get("/api/ledger/lots/US-MAGNET-001/pack").status_code == 401
    other = client.get("/api/ledger/lots/US-MAGNET-001/pack", headers=auth(tokens["op-cn"]))
    assert other.status_code in (403, 404)
    missing = client.get("/api/ledger/lots/NO-SUCH-LOT/pack", headers=auth(tokens["auditor"]))
    assert missing.status_code == 404
