"""``/api/dashboard/verified``: the ledger's verified origin shares beside the model.

On the sample corridor the United States received, in 2026, PK-CONC-001 (100 t of
Pakistani concentrate assayed at 40 % REO, certified origin) and CN-NDPR-OX-001
(5 t of Chinese oxide assayed at 99 % REO, no certificate). By hand, in t REO:
Pakistan 40, China 4.95, so mining shares 40/44.95 and 4.95/44.95, and the verified
mass share is 40/44.95.
"""

from __future__ import annotations

import pytest
from api_helpers import auth

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
