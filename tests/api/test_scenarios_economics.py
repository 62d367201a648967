"""/api/scenarios (background runs) and /api/economics."""

from __future__ import annotations

import time

import pytest


def _wait(client, job_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/scenarios/runs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish in {timeout} s")


def test_bundled_and_validate(client):
    names = [s["name"] for s in client.get("/api/scenarios/bundled").json()]
    assert "pakistan-us-corridor" in names
    text = client.get("/api/scenarios/bundled/pakistan-us-corridor").json()["yaml"]
    assert client.post("/api/scenarios/validate", json={"yaml": text}).json()["valid"] is True
    bad = client.post("/api/scenarios/validate", json={"yaml": "name: x\n"}).json()
    assert bad["valid"] is False
    assert bad["error"]["field"] == "horizon"


def test_run_in_background_then_result(client):
    job = client.post("/api/scenarios/runs", json={"name": "pakistan-us-corridor"})
    assert job.status_code == 202
    done = _wait(client, job.json()["job_id"])
    assert done["status"] == "done", done["error"]
    result = done["result"]
    assert result["scenario"] == "pakistan-us-corridor"
    assert result["years"]
    assert result["sankey"]["links"]
    assert result["comparison"]["variant"].startswith("without")
    listed = client.get("/api/scenarios/runs").json()["items"]
    assert any(j["job_id"] == done["job_id"] for j in listed)
    again = client.post("/api/scenarios/runs", json={"name": "pakistan-us-corridor"}).json()
    assert again["job_id"] == done["job_id"]  # a bundled scenario is solved once


def test_cancel(client):
    text = client.get("/api/scenarios/bundled/pakistan-us-corridor").json()["yaml"]
    job = client.post("/api/scenarios/runs", json={"yaml": text}).json()
    cancelled = client.delete(f"/api/scenarios/runs/{job['job_id']}").json()
    assert cancelled["job_id"] == job["job_id"]
    final = _wait(client, job["job_id"])
    assert final["status"] in ("cancelled", "done")
    assert final["status"] == "cancelled" or final["finished"] is not None


def test_economics_run_compare_sensitivity(client):
    names = [p["name"] for p in client.get("/api/economics/projects").json()]
    assert "pakistan-polymetallic-refinery" in names
    run = client.post("/api/economics/run", json={"name": "pakistan-polymetallic-refinery"}).json()
    assert run["cash_flows"]
    assert "npv" in run
    body = {
        "base": {"name": "pakistan-concentrate-export"},
        "alternative": {"name": "pakistan-polymetallic-refinery"},
    }
    cmp = client.post("/api/economics/compare", json=body).json()
    assert cmp["incremental"]["npv"] == pytest.approx(
        cmp["alternative"]["npv"] - cmp["base"]["npv"], rel=1e-6, abs=1.0
    )
    sens = client.post(
        "/api/economics/sensitivity", json={"name": "pakistan-polymetallic-refinery"}
    )
    bars = sens.json()["tornado"]
    assert [b["swing"] for b in bars] == sorted((b["swing"] for b in bars), reverse=True)


def test_inline_project_may_not_name_files(client):
    doc = client.get("/api/economics/projects/pakistan-concentrate-export").json()["project"]
    doc["prices"] = {"x": {"file": "/etc/passwd"}}
    response = client.post("/api/economics/run", json={"project": doc})
    assert response.status_code == 400
    assert "file" in response.json()["error"]["message"]
