"""``?record=true`` and ``/api/runs``: the API face of recorded runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import auth


@pytest.fixture
def runs_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ORECHAIN_RUNS_DIR", str(tmp_path / "runs"))
    return tmp_path / "runs"


def test_record_needs_a_signing_role(client, tokens, runs_env):
    url = "/api/risk/commodities/antimony?record=true"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth(tokens["viewer"])).status_code == 403
    assert not runs_env.exists()


def test_recorded_risk_run_lists_and_verifies(client, tokens, runs_env):
    plain = client.get("/api/risk/commodities/antimony?bands=true").json()
    assert set(plain["bands"]["hhi"]) == {"p5", "p50", "p95"}
    assert "run" not in plain
    doc = client.get(
        "/api/risk/commodities/antimony?bands=true&record=true", headers=auth(tokens["admin"])
    ).json()
    run = doc["run"]
    assert run["id"] == 1
    assert doc["bands"] == plain["bands"]
    listed = client.get("/api/runs").json()
    assert [r["output_digest"] for r in listed] == [run["output_digest"]]
    assert client.get("/api/runs/1").json()["record"]["command"] == "risk"
    assert client.get("/api/runs/1/verify").status_code == 401  # re-execution needs a token
    check = client.get("/api/runs/1/verify", headers=auth(tokens["auditor"])).json()
    assert check["ok"]
    assert check["reproduced_digest"] == run["output_digest"]
    assert client.get("/api/runs/2").status_code == 404


def test_recorded_econ_run(client, tokens, runs_env):
    body = {"name": "pakistan-concentrate-export"}
    doc = client.post("/api/economics/run?record=true", json=body, headers=auth(tokens["op-pk"]))
    assert doc.status_code == 200
    assert doc.json()["run"]["command"] == "econ run"
    assert client.get("/api/runs/1/verify", headers=auth(tokens["auditor"])).json()["ok"]


def test_dashboard_page_shows_recorded_run(client, tokens, runs_env):
    assert "Recorded as run" not in client.get("/risk?run=1").text  # no run log yet
    client.get("/api/risk/commodities/antimony?record=true", headers=auth(tokens["admin"]))
    page = client.get("/risk?run=1").text
    assert "Recorded as run 1 (risk" in page
    assert 'href="/api/runs/1/verify"' in page
    assert "Recorded as run" not in client.get("/risk?run=9").text
    assert "Recorded as run" not in client.get("/risk?run=x1").text
