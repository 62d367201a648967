"""``/api/scenarios``: bundled scenarios, validation, background runs (status, result, cancel).

Every use case is in :mod:`orechain.services`; a run's result is the document
:func:`orechain.scenarios.report.run_report` builds (the same as ``orechain
scenario run --json``). A run belongs to the caller's token: anyone who may read
runs sees it, only its owner or an admin cancels it (an anonymous run: admins only).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from orechain.api.auth import Principal, access
from orechain.api.errors import ApiError
from orechain.api.pagination import Limit, Offset, Page, paginate
from orechain.api.responses import COMMON_ERRORS, JsonBytes, Svc, ok
from orechain.atlas.store import Atlas
from orechain.errors import InputError
from orechain.services import catalog
from orechain.services import scenarios as scenario_service
from orechain.services.jobs import NotYourJobError

READ = access("read")
"""One dependency object, so a handler that needs the caller shares the router's check
(FastAPI runs a dependency once per request: one rate-limit token, not two)."""

router = APIRouter(
    prefix="/api/scenarios",
    tags=["scenarios"],
    dependencies=[Depends(READ)],
    responses=COMMON_ERRORS,
)

__all__ = ["load_request", "router"]

Reader = Annotated[Principal, Depends(READ)]

NamePath = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_.-]{1,80}$",
        openapi_examples={"corridor": {"value": "pakistan-us-corridor"}},
    ),
]


class ScenarioRequest(BaseModel):
    """A scenario: a bundled name, or the YAML text of an edited one (never a file path)."""

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
    owner: str | None = Field(description="Token id of the submitter; null when anonymous.")
    status: str = Field(examples=["running"])
    progress: float = Field(ge=0, le=1)
    message: str
    created: float
    finished: float | None
    error: dict[str, Any] | None
    result: Any = None


def load_request(req: ScenarioRequest) -> Any:
    """The validated scenario of a request: edited YAML text or a bundled name."""
    if req.yaml_text is not None:
        return catalog.scenario_from_yaml(req.yaml_text)
    if req.name is None:
        msg = "give a bundled scenario 'name' or its 'yaml' text"
        raise InputError(msg, field="name")
    return catalog.bundled_scenario(req.name)


@router.get("/bundled", response_model=list[BundledScenario])
async def bundled() -> list[dict[str, Any]]:
    """Scenarios shipped with OreChain (every assumption labelled in the file)."""
    return [asdict(item) for item in catalog.bundled_scenarios()]


@router.get("/bundled/{name}", response_model=dict[str, str])
async def bundled_text(name: NamePath) -> dict[str, str]:
    """The YAML text of a bundled scenario, to edit and run."""
    return {"name": name, "yaml": catalog.bundled_scenario_text(name)}


@router.post("/validate", response_model=Validation)
async def validate(req: ScenarioRequest) -> dict[str, Any]:
    """Check a scenario against the schema and its cross-references; never runs it.

    ``name`` selects a bundled scenario only; the server reads no path a client chooses.
    """
    return asdict(scenario_service.validate(lambda: load_request(req)))


@router.post("/runs", response_model=JobOut, status_code=202)
async def submit_run(req: ScenarioRequest, svc: Svc, who: Reader) -> dict[str, Any]:
    """Start a run in the background; poll ``GET /api/scenarios/runs/{job_id}``.

    A bundled scenario is deterministic, so a queued, running or finished run of it
    is answered again instead of solving it anew.
    """
    scn = load_request(req)
    job = scenario_service.submit_run(
        svc.jobs, svc.settings, scn, bundled=req.yaml_text is None, owner=who.token_id
    )
    return job.public()


@router.get("/runs", response_model=Page[JobOut])
async def list_runs(svc: Svc, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Runs this worker knows, newest first (without results)."""
    return paginate([j.public(with_result=False) for j in svc.jobs.list()], limit, offset)


JobPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


@router.get("/runs/{job_id}", response_model=JobOut)
async def get_run(job_id: JobPath, svc: Svc) -> dict[str, Any]:
    """Status, progress and (when done) the run document ``{scenario, years, summary, …}``."""
    return svc.jobs.get(job_id).public()


@router.delete("/runs/{job_id}", response_model=JobOut)
async def cancel_run(job_id: JobPath, svc: Svc, who: Reader) -> dict[str, Any]:
    """Cancel a queued or running run: its owner or an admin only (403 otherwise)."""
    try:
        job = svc.jobs.cancel(job_id, who.token_id, admin=who.role == "admin")
    except NotYourJobError as exc:
        raise ApiError(403, str(exc)) from exc
    return job.public(with_result=False)


class BacktestRow(BaseModel):
    """One comparison: what happened (atlas data) against what the model predicts."""

    event: str = Field(examples=["antimony-2024"])
    measure: str
    observed: float | None
    predicted: float | None
    direction: bool | None = Field(description="Predicted and observed move the same way.")
    within_factor_2: bool | None
    observed_source: str
    predicted_note: str


class BacktestEvent(BaseModel):
    """A real export control re-run with only the data published before it."""

    id: str
    title: str
    date: str
    data: dict[str, Any] = Field(description="Vintage, data year and modelled year used.")
    notes: list[str]
    assumptions: list[str]
    rows: list[BacktestRow]


class Backtests(BaseModel):
    """Events, their rows, and counts of rows with the right direction and magnitude."""

    events: list[BacktestEvent]
    rows: list[BacktestRow]
    summary: dict[str, int]


EventPath = Annotated[
    str,
    Path(pattern=r"^[a-z0-9-]{1,60}$", openapi_examples={"antimony": {"value": "antimony-2024"}}),
]


@router.get("/backtests", response_class=JsonBytes, responses=ok(Backtests))
async def backtests(svc: Svc) -> JsonBytes:
    """Every backtest (``orechain scenario backtest --json``): observed against predicted."""

    def compute(a: Atlas) -> dict[str, Any]:
        return scenario_service.backtest_document(a)

    return JsonBytes(await svc.atlas.cached(("backtests", None), compute))


@router.get("/backtests/{event}", response_class=JsonBytes, responses=ok(Backtests))
async def backtest(event: EventPath, svc: Svc) -> JsonBytes:
    """One backtest event (404 naming the known events when there is no such event)."""

    def compute(a: Atlas) -> dict[str, Any]:
        return scenario_service.backtest_document(a, event)

    return JsonBytes(await svc.atlas.cached(("backtests", event), compute))
