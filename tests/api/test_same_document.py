"""One document per result: the CLI's ``--json`` and the API answer are identical.

For one scenario run, one project comparison and one risk profile, the JSON the
CLI prints equals the JSON the API returns, key for key and number for number
(both faces serialise the one typed result the service layer returns).
"""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from orechain.cli import app as cli

runner = CliRunner()


def _cli_json(*args: str) -> object:
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _job_result(client, job_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/scenarios/runs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            assert job["status"] == "done", job["error"]
            return job["result"]
        time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish")


def test_scenario_run_document(client, atlas_env):
    via_cli = _cli_json("scenario", "run", "pakistan-us-corridor")
    job = client.post("/api/scenarios/runs", json={"name": "pakistan-us-corridor"}).json()
    via_api = _job_result(client, job["job_id"])
    assert via_api == via_cli
    assert via_cli["without"]["removed"]  # the comparison run is in both, under one key
    assert via_cli["sankey"]["links"]


def test_project_comparison_document(client, atlas_env):
    base, alt = "pakistan-concentrate-export", "pakistan-polymetallic-refinery"
    via_cli = _cli_json("econ", "compare", f"{base}.yaml", f"{alt}.yaml")
    body = {"base": {"name": base}, "alternative": {"name": alt}}
    via_api = client.post("/api/economics/compare", json=body).json()
    assert via_api == via_cli
    assert via_cli["incremental"]["npv"] != 0


def test_sensitivity_document(client, atlas_env):
    name = "pakistan-polymetallic-refinery"
    via_cli = _cli_json("econ", "sensitivity", f"{name}.yaml", "--pct", "10")
    via_api = client.post("/api/economics/sensitivity", json={"name": name, "pct": 10}).json()
    assert via_api == via_cli


def test_risk_profile_document(client, atlas_env):
    via_cli = _cli_json("risk", "commodity", "rare-earths", "--measure", "mine")
    via_api = client.get("/api/risk/commodities/rare-earths", params={"measure": "mine"}).json()
    assert via_api == via_cli
    assert via_cli["hhi"] > 0
