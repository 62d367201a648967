"""/api/scenarios (background runs) and /api/economics."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from api_helpers import auth

from orechain.services import scenarios as scenario_service
from orechain.services.jobs import Cancelled, Job, JobManager


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
    assert result["without"]["variant"].startswith("without")
    listed = client.get("/api/scenarios/runs").json()["items"]
    assert any(j["job_id"] == done["job_id"] for j in listed)
    again = client.post("/api/scenarios/runs", json={"name": "pakistan-us-corridor"}).json()
    assert again["job_id"] == done["job_id"]  # a bundled scenario is solved once


def _block_until_cancelled(started: threading.Event, saw_cancel: threading.Event):
    """A stand-in for the scenario engine that keeps running until its job is cancelled."""

    def run_document(scn, _atlas, *, on_progress=None):
        started.set()
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                on_progress(0.5, "solving")
                time.sleep(0.01)
        except Cancelled:
            saw_cancel.set()
            raise
        return {"scenario": scn.name}

    return run_document


@pytest.fixture
def blocking_engine(monkeypatch):
    started, saw_cancel = threading.Event(), threading.Event()
    monkeypatch.setattr(
        scenario_service, "run_document", _block_until_cancelled(started, saw_cancel)
    )
    return started, saw_cancel


def _submit_running(client, headers, started) -> dict:
    """Submit an edited corridor scenario and wait until its job is really running."""
    text = client.get("/api/scenarios/bundled/pakistan-us-corridor").json()["yaml"]
    job = client.post("/api/scenarios/runs", json={"yaml": text}, headers=headers).json()
    assert started.wait(30), "the job never started"
    assert client.get(f"/api/scenarios/runs/{job['job_id']}").json()["status"] == "running"
    return job


def test_cancel_a_running_job(client, tokens, blocking_engine):
    started, saw_cancel = blocking_engine
    job = _submit_running(client, auth(tokens["viewer"]), started)
    cancelled = client.delete(
        f"/api/scenarios/runs/{job['job_id']}", headers=auth(tokens["viewer"])
    )
    assert cancelled.status_code == 200
    final = _wait(client, job["job_id"])
    assert final["status"] == "cancelled"
    assert saw_cancel.is_set()  # the engine was interrupted, not left to finish
    assert final["result"] is None


def test_only_the_owner_or_an_admin_cancels(client, tokens, blocking_engine):
    started, _ = blocking_engine
    job = _submit_running(client, auth(tokens["op-pk"]), started)
    url = f"/api/scenarios/runs/{job['job_id']}"
    assert job["owner"] is not None
    for other in ("viewer", "auditor", "op-cn", "anonymous"):
        refused = client.delete(url, headers=auth(tokens[other]))
        assert refused.status_code == 403, other
        assert refused.json()["error"]["code"] == "forbidden"
    # anyone who may read runs still sees it
    assert client.get(url, headers=auth(tokens["viewer"])).json()["status"] == "running"
    assert client.delete(url, headers=auth(tokens["admin"])).status_code == 200
    assert _wait(client, job["job_id"])["status"] == "cancelled"


def test_anonymous_runs_are_read_only_for_everyone_but_admins(client, tokens, blocking_engine):
    started, _ = blocking_engine
    job = _submit_running(client, {}, started)
    url = f"/api/scenarios/runs/{job['job_id']}"
    assert job["owner"] is None
    assert client.delete(url).status_code == 403  # another anonymous caller is not the owner
    assert client.delete(url, headers=auth(tokens["viewer"])).status_code == 403
    assert client.delete(url, headers=auth(tokens["admin"])).status_code == 200
    assert _wait(client, job["job_id"])["status"] == "cancelled"


def test_job_manager_cancels_running_work():
    jobs = JobManager(workers=1)
    running, release = threading.Event(), threading.Event()

    def work(job: Job) -> str:
        running.set()
        while not release.wait(0.01):
            job.report(0.1, "working")
        return "finished"

    job = jobs.submit("test", "x", work, owner="me")
    assert running.wait(10)
    assert job.status == "running"
    jobs.cancel(job.job_id, "me")
    jobs.get(job.job_id).future.result(10)
    assert job.status == "cancelled"
    assert job.result is None
    jobs.close()


@pytest.mark.parametrize(
    "name", ["pyproject.toml", "../../pyproject", "/etc/passwd", "scenarios/pakistan-us-corridor"]
)
def test_validate_reads_no_client_chosen_path(client, name):
    assert Path("pyproject.toml").is_file() or name != "pyproject.toml"
    out = client.post("/api/scenarios/validate", json={"name": name}).json()
    assert out["valid"] is False
    assert "bundled" in out["error"]["message"]


def test_validate_a_bundled_name(client):
    out = client.post("/api/scenarios/validate", json={"name": "pakistan-us-corridor"}).json()
    assert out == {"valid": True, "name": "pakistan-us-corridor", "error": None}


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


def test_a_run_request_takes_one_rate_limit_token(atlas_path, tmp_path):
    """The handler's caller check is the router's (one token per request, not two)."""
    from api_helpers import make_settings
    from asgi_client import AppClient

    from orechain.server import create_app
    from orechain.services.ledger import ensure_ledger

    settings = make_settings(atlas_path, tmp_path, anonymous_rate_limit_per_minute=6)
    ensure_ledger(settings)  # a burst of one request
    with AppClient(create_app(settings)) as c:
        first = c.post("/api/scenarios/runs", json={"name": "no-such-scenario"})
        assert first.status_code == 400  # reached the handler: not 429 from a second check
        assert c.post("/api/scenarios/runs", json={"name": "x"}).status_code == 429
