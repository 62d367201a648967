"""Issue #11 items 2 and 10 over REST: public proof bundles, validated rule parameters."""

from __future__ import annotations

import pytest
from api_helpers import auth

from orechain.ledger.verify import verify_inclusion_bundle


@pytest.mark.parametrize(
    "query",
    ["threshold=0.5", "rule=restricted-stage-origin", "rule=min-verified-share&threshold=-1",
     "rule=restricted-stage-origin&countries=CHN&stages=unobtainium", "rule=nope"],
)  # fmt: skip
def test_item10_bad_rule_parameters_are_4xx(client, query):
    response = client.get(f"/api/ledger/lots/US-MAGNET-001/compliance?{query}")
    assert 400 <= response.status_code < 500, response.text


def test_item10_custom_rule_over_rest(client):
    response = client.get(
        "/api/ledger/lots/BLEND-NDPR-OX-001/compliance"
        "?rule=restricted-stage-origin&countries=CHN&stages=separation"
    )
    assert response.status_code == 200, response.text
    assert response.json()["passed"] is False


def test_item2_public_bundle_verifies_offline(client):
    vkey = client.get("/api/transparency").json()["vkey"]
    bundle = client.get("/api/transparency/proofs/inclusion/demo-018-assay").json()
    assert bundle["envelope"] is None
    got = verify_inclusion_bundle(bundle, vkey)
    assert got.event_id is None
    assert got.leaf_index == bundle["leaf_index"]


def test_issue10_huge_leaf_index_is_404(client):
    response = client.get("/api/transparency/proofs/inclusion/99999999999999999999999")
    assert response.status_code == 404, response.text


def test_item12_crma_is_confidential_to_the_buyer(client, tokens):
    url = "/api/ledger/orgs/us-refiner/crma?period=2026"
    assert client.get(url).status_code in (401, 403)
    response = client.get(url, headers=auth(tokens["auditor"]))
    assert response.status_code == 200, response.text
    assert response.json()["passed"] is False


def test_item19_supplier_cannot_read_its_customers_lot(client, tokens):
    pk = auth(tokens["op-pk"])
    assert client.get("/api/ledger/lots/US-MAGNET-001", headers=pk).status_code == 403
    assert client.get("/api/ledger/lots/PK-CONC-001", headers=pk).status_code == 200
    graph = client.get("/api/ledger/lots/PK-CONC-001/provenance", headers=pk).json()
    shown = {x["lot_id"] for x in graph["lots"]}
    assert "PK-CONC-001" in shown
    assert "US-MAGNET-001" not in shown
    assert all(e["child"] in shown and e["parent"] in shown for e in graph["downstream"])
    path = client.get("/api/ledger/lots/BLEND-NDPR-OX-001/compliance", headers=pk).json()
    assert path["passed"] is False
    assert path["path"] == []


def test_item19_one_rule_for_envelopes_on_every_route(client, tokens):
    mine = auth(tokens["op-magnets"])
    event = client.get("/api/ledger/events/demo-039-merge", headers=mine)
    assert event.status_code == 200, event.text
    assert event.json()["received_at"]
    assert event.json()["event_time"]
    proof = client.get("/api/transparency/proofs/inclusion/demo-039-merge", headers=mine).json()
    assert proof["envelope"] == event.json()["envelope"]
    other = auth(tokens["op-pk"])
    assert client.get("/api/ledger/events/demo-039-merge", headers=other).status_code == 403
    hidden = client.get("/api/transparency/proofs/inclusion/demo-039-merge", headers=other)
    assert hidden.json()["envelope"] is None
