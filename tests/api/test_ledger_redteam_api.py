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
