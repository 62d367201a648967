"""``/api/scenarios``: bundled scenarios, validation, background runs (status, result, cancel).

Runs call :func:`orechain.scenarios.solve.run_scenario` on a background job.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from orechain.api.auth import access
from orechain.api.jobs import Job, JobManager
from orechain.api.pagination import Limit, Offset, Page, paginate
from orechain.api.responses import COMMON_ERRORS, Svc
from orechain.api.services import Services, dump_json
from orechain.atlas.store import open_atlas
from orechain.errors import InputError, OreChainError
from orechain.inputs import load_yaml_text, read_yaml

router = APIRouter(
    prefix="/api/scenarios",
    tags=["scenarios"],
    dependencies=[Depends(access("read"))],
    responses=COMMON_ERRORS,
)

__all__ = ["load_text", "router"]

NamePath = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_.-]{1,80}$",
        openapi_examples={"corridor": {"value": "pakistan-us-corridor"}},
    ),
]


class ScenarioRequest(BaseModel):
    """A scenario: a bundled name, or the YAML text of an edited one."""

    name: str | None = Field(default=None, max_length=80, examples=["pakistan-us-corridor"])
    yaml_text: str | None = Field(default=None, max_length=200_000, alias="yaml")

    model_config = {"populate_by_name": True}


class BundledScenario(BaseModel):
    """A scenario shipped with OreChain."""

    name: str
    title: str
    description: str
    commodity: str | None


class Validation(BaseModel):
    """The outcome of validating a scenario."""

    valid: bool
    name: str | None = None
    error: dict[str, Any] | None = None


class JobOut(BaseModel):
    """A background run."""

    job_id: str
    kind: str
    name: str
    status: str = Field(examples=["running"])
    progress: float = Field(ge=0, le=1)
    message: str
    created: float
    finished: float | None
    error: dict[str, Any] | None
    result: Any = None


def load_text(req: ScenarioRequest) -> Any:
    """The validated :class:`~orechain.scenarios.spec.Scenario` of a request."""
    from orechain.scenarios.bundled import resolve_scenario_path
    from orechain.scenarios.spec import load_scenario, parse_scenario

    if req.yaml_text is not None:
        raw = load_yaml_text(req.yaml_text, "<request>")
        return parse_scenario(raw, source="<request>")
    if req.name is None:
        msg = "give a bundled scenario 'name' or its 'yaml' text"
        raise InputError(msg, field="name")
    if "/" in req.name or req.name.startswith("."):
        msg = "a bundled scenario name has no path"
        raise InputError(msg, field="name")
    return load_scenario(resolve_scenario_path(req.name))


def _bundled() -> list[dict[str, Any]]:
    from orechain.scenarios.bundled import bundled_scenarios

    out = []
    for path in bundled_scenarios():
        raw = read_yaml(path)
        out.append(
            {
                "name": path.stem,
                "title": str(raw.get("name", path.stem)),
                "description": str(raw.get("description", "")).strip(),
                "commodity": raw.get("commodity"),
            }
        )
    return out


@router.get("/bundled", response_model=list[BundledScenario])
async def bundled() -> list[dict[str, Any]]:
    """Scenarios shipped with OreChain (every assumption labelled in the file)."""
    return _bundled()


@router.get("/bundled/{name}", response_model=dict[str, str])
async def bundled_text(name: NamePath) -> dict[str, str]:
    """The YAML text of a bundled scenario, to edit and run."""
    from orechain.scenarios.bundled import resolve_scenario_path

    if name not in {b["name"] for b in _bundled()}:
        msg = f"no bundled scenario {name!r}"
        raise InputError(msg, field="name")
    return {"name": name, "yaml": resolve_scenario_path(name).read_text(encoding="utf-8")}


@router.post("/validate", response_model=Validation)
async def validate(req: ScenarioRequest) -> dict[str, Any]:
    """Check a scenario against the schema and its cross-references; never runs it."""
    try:
        scn = load_text(req)
    except OreChainError as exc:
        details = getattr(exc, "__dict__", {})
        return {
            "valid": False,
            "error": {
                "message": str(exc),
                **{k: details.get(k) for k in ("source", "row", "field") if k in details},
            },
        }
    return {"valid": True, "name": scn.name}


def _jobs(svc: Services) -> JobManager:
    jobs: JobManager = svc.extras.get("jobs") or svc.extras.setdefault(
        "jobs", JobManager(svc.settings.scenario_workers)
    )
    return jobs


def _work(svc: Services, scn: Any) -> Any:
    from orechain.api.scenario_runs import run_for_dashboard

    def work(job: Job) -> Any:
        atlas = open_atlas(svc.settings.core, read_only=True) if scn.network is None else None
        try:
            return json.loads(dump_json(run_for_dashboard(scn, atlas, job)))
        finally:
            if atlas is not None:
                atlas.close()

    return work


@router.post("/runs", response_model=JobOut, status_code=202)
async def submit_run(req: ScenarioRequest, svc: Svc) -> dict[str, Any]:
    """Start a run in the background; poll ``GET /api/scenarios/runs/{job_id}``.

    A bundled scenario is deterministic, so a queued, running or finished run of it
    is answered again instead of solving it anew.
    """
    scn = load_text(req)
    jobs = _jobs(svc)
    if req.yaml_text is None:
        for job in jobs.list():
            live = job.status in ("queued", "running", "done")
            if job.kind == "scenario-bundled" and job.name == scn.name and live:
                return job.public()
    kind = "scenario" if req.yaml_text is not None else "scenario-bundled"
    return jobs.submit(kind, str(scn.name), _work(svc, scn)).public()


@router.get("/runs", response_model=Page[JobOut])
async def list_runs(svc: Svc, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Runs this worker knows, newest first (without results)."""
    return paginate([j.public(with_result=False) for j in _jobs(svc).list()], limit, offset)


JobPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


@router.get("/runs/{job_id}", response_model=JobOut)
async def get_run(job_id: JobPath, svc: Svc) -> dict[str, Any]:
    """Status, progress and (when done) the result ``{scenario, years, summary}``."""
    return _jobs(svc).get(job_id).public()


@router.delete("/runs/{job_id}", response_model=JobOut)
async def cancel_run(job_id: JobPath, svc: Svc) -> dict[str, Any]:
    """Cancel a queued or running run."""
    return _jobs(svc).cancel(job_id).public(with_result=False)
