"""``/api/runs``: recorded runs (list, show, verify) and the shared ``record`` query flag."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from orechain.api.auth import access, authorise, identify, services_of
from orechain.api.responses import JsonBytes, Svc, ok
from orechain.services import runs as runs_service
from orechain.services.documents import dump_json

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[Depends(access("read"))])

__all__ = ["RecordQuery", "authorise_record", "recorded", "router"]

RecordQuery = Annotated[
    bool,
    Query(
        description="Record the run (inputs, atlas, code and output digests) in the signed run "
        "log; needs an admin or operator token. The answer gains a `run` block."
    ),
]
RunId = Annotated[int, Path(ge=1, le=2**53, description="Run id, as returned in `run.id`.")]


def authorise_record(request: Request, record: bool) -> None:
    """Recording signs with the instance key: an admin or operator token only."""
    if record:
        authorise(request, identify(request), "sign")


async def recorded(
    request: Request, record: bool, command: str, inputs: dict[str, Any], doc: Any
) -> Any:
    """``doc`` with its ``run`` block when ``record`` (the API face of ``--record``)."""
    if not record:
        return doc
    authorise_record(request, record)
    settings = services_of(request).settings
    run = await asyncio.to_thread(
        lambda: runs_service.record_run(command, inputs, doc, settings=settings)
    )
    return {**doc, "run": run} if isinstance(doc, dict) else {"result": doc, "run": run}


@router.get("", response_class=JsonBytes, responses=ok(list[dict[str, Any]]))
async def list_runs() -> JsonBytes:
    """Every recorded run: id, log index, command, time, output and input digests."""
    return JsonBytes(dump_json(await asyncio.to_thread(runs_service.list_runs)))


@router.get("/{run_id}", response_class=JsonBytes, responses=ok(dict[str, Any]))
async def show_run(run_id: RunId) -> JsonBytes:
    """The signed record of one run and its stored output."""
    return JsonBytes(dump_json(await asyncio.to_thread(runs_service.show_run, run_id)))


@router.get(
    "/{run_id}/verify",
    response_class=JsonBytes,
    responses=ok(dict[str, Any]),
    dependencies=[Depends(access("confidential"))],
)
async def verify_run(run_id: RunId, svc: Svc) -> JsonBytes:
    """Re-execute the run and check output digest, signature and log inclusion: ``{ok, …}``.

    Re-execution costs a full run, so it needs a token (admin, operator or auditor).
    """
    settings = svc.settings
    result = await asyncio.to_thread(lambda: runs_service.verify_run(run_id, settings=settings))
    return JsonBytes(dump_json(result.to_dict()))
