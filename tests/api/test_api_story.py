"""``/api/dashboard/verified`` and ``/api/scenarios/backtests``: the corridor story's routes.

On the sample corridor the United States received, in 2026, PK-CONC-001 (100 t of
Pakistani concentrate assayed at 40 % REO, certified origin) and CN-NDPR-OX-001
(5 t of Chinese oxide assayed at 99 % REO, no certificate). By hand, in t REO:
Pakistan 40, China 4.95, so mining shares 40/44.95 and 4.95/44.95, and the verified
mass share is 40/44.95.
"""

from __future__ import annotations

import pytest
import schemathesis
from api_helpers import auth, check_conformance

PAK, CHN = 100 * 0.40, 5 * 0.99


def test_anonymous_sees_public_shares_not_lots(client):
    body = client.get("/api/dashboard/verified/rare-earths?buyer=USA&period=2026").json()
    assert body["n_lots"] == 2
    assert body["lots"] is None
    assert body["total_weight_t"] == pytest.approx(PAK + CHN)
    assert body["origin_shares"]["mining"]["PAK"] == pytest.approx(PAK / (PAK + CHN))
    assert body["origin_shares"]["mining"]["CHN"] == pytest.approx(CHN / (PAK + CHN))
    assert body["origin_shares"]["separation"] == {"CHN": pytest.approx(1.0)}
    assert body["verified_mass_share"] == pytest.approx(PAK / (PAK + CHN))


def test_auditor_also_sees_the_received_lots(client, tokens):
    url = "/api/dashboard/verified/rare-earths?buyer=USA&period=2026"
    body = client.get(url, headers=auth(tokens["auditor"])).json()
    assert sorted(lot["lot_id"] for lot in body["lots"]) == ["CN-NDPR-OX-001", "PK-CONC-001"]
    viewer = client.get(url, headers=auth(tokens["viewer"])).json()
    assert viewer["lots"] is None


def test_a_year_without_receipts_is_empty_and_a_bad_period_is_422(client):
    body = client.get("/api/dashboard/verified/rare-earths?buyer=USA&period=2019").json()
    assert (body["n_lots"], body["origin_shares"], body["verified_mass_share"]) == (0, {}, 0.0)
    assert client.get("/api/dashboard/verified/rare-earths?period=26").status_code == 422


def test_backtest_route_is_the_cli_document(client, atlas):
    from orechain.jsonsafe import to_jsonable
    from orechain.services.scenarios import backtest_document

    body = client.get("/api/scenarios/backtests").json()
    assert body == to_jsonable(backtest_document(atlas))
    one = client.get("/api/scenarios/backtests/antimony-2024").json()
    assert [e["id"] for e in one["events"]] == ["antimony-2024"]
    assert one["rows"][0]["direction"] is True  # the antimony price rises, as observed
    missing = client.get("/api/scenarios/backtests/no-such-event")
    assert missing.status_code == 404
    assert "antimony-2024" in missing.json()["error"]["message"]


def test_backtest_and_verified_routes_conform_to_their_schema(app):
    ops = [
        r.ok() for r in schemathesis.openapi.from_asgi("/openapi.json", app).get_all_operations()
    ]
    story = [op for op in ops if "/backtests" in op.path or "/verified/" in op.path]
    assert len(story) == 3
    for op in story:
        check_conformance(op, max_examples=5)


def test_a_scenario_sent_to_the_server_observes_only_the_sample(client):
    text = client.get("/api/scenarios/bundled/pakistan-us-corridor").json()["yaml"]
    own = text + "observed: {ledger: /tmp/any.db, buyer: USA, year: 2026}\n"
    body = client.post("/api/scenarios/validate", json={"yaml": own}).json()
    assert body["valid"] is False
    assert body["error"]["field"] == "observed.ledger"
    sample = text + "observed: {ledger: sample, buyer: USA, year: 2026}\n"
    assert client.post("/api/scenarios/validate", json={"yaml": sample}).json()["valid"] is True
