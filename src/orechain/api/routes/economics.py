"""``/api/economics``: run a project, compare export-versus-refine, sensitivity (tornado).

Projects are the bundled examples (by name) or a project document sent inline. An
inline project may not name files (``file:`` keys): the server reads no path a
client chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from orechain.api.auth import access
from orechain.api.responses import COMMON_ERRORS, JsonBytes, Svc, ok
from orechain.api.routes.runs import RecordQuery, authorise_record, recorded
from orechain.errors import InputError
from orechain.inputs import SENSITIVITY_PCT_MAX
from orechain.services import catalog
from orechain.services import economics as econ
from orechain.services.documents import dump_json, to_document

if TYPE_CHECKING:
    from orechain.economics.project import Project

router = APIRouter(
    prefix="/api/economics",
    tags=["economics"],
    dependencies=[Depends(access("read"))],
    responses=COMMON_ERRORS,
)

__all__ = ["router"]

NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,80}$"


class ProjectRef(BaseModel):
    """A bundled project by name, or an inline project document."""

    name: str | None = Field(
        default=None, pattern=NAME_PATTERN, examples=["pakistan-polymetallic-refinery"]
    )
    project: dict[str, Any] | None = Field(default=None, description="Inline project document.")


class CompareRequest(BaseModel):
    """Export concentrate (base, A) against refine at home (alternative, B)."""

    base: ProjectRef = Field(examples=[{"name": "pakistan-concentrate-export"}])
    alternative: ProjectRef = Field(examples=[{"name": "pakistan-polymetallic-refinery"}])


class SensitivityRequest(ProjectRef):
    """A project and the change applied to each factor."""

    pct: float = Field(
        default=20.0, gt=0, le=SENSITIVITY_PCT_MAX, description="Change per factor [%]."
    )


class BundledProject(BaseModel):
    """An example project shipped with OreChain (labelled assumptions)."""

    name: str
    title: str
    description: str


def load_ref(ref: ProjectRef) -> Project:
    """The validated project a reference names (bundled by name, or inline)."""
    if ref.project is not None:
        return catalog.project_from_document(ref.project)
    if ref.name is None:
        msg = "give a bundled project 'name' or an inline 'project'"
        raise InputError(msg, field="name")
    return catalog.bundled_project(ref.name)


def _key(*refs: ProjectRef) -> tuple[Any, ...] | None:
    if any(r.project is not None for r in refs):
        return None
    return tuple(r.name for r in refs)


async def _answer(svc: Any, key: tuple[Any, ...] | None, compute: Any) -> JsonBytes:
    if key is None:
        return JsonBytes(await svc.atlas.run(lambda a: dump_json(compute(a))))
    return JsonBytes(await svc.atlas.cached(key, compute))


@router.get("/projects", response_model=list[BundledProject])
async def projects() -> list[dict[str, Any]]:
    """The bundled example projects."""
    return [
        {"name": p.name, "title": p.title, "description": p.description}
        for p in catalog.bundled_projects()
    ]


@router.get("/projects/{name}", response_model=dict[str, Any])
async def project_doc(name: Annotated[str, Path(pattern=NAME_PATTERN)]) -> dict[str, Any]:
    """A bundled project as a document (to edit and send back inline)."""
    project = load_ref(ProjectRef(name=name))
    return {"name": name, "project": project.model_dump(mode="json", exclude_none=True)}


def _recorded_input(ref: ProjectRef) -> dict[str, Any]:
    from orechain.services.runs import file_input, project_input

    if ref.project is not None:
        return file_input("<inline project>", ref.project)
    return project_input(catalog.bundled_project_path(str(ref.name)))


@router.post("/run", response_class=JsonBytes, responses=ok(dict[str, Any]))
async def run(
    ref: ProjectRef, svc: Svc, request: Request, record: RecordQuery = False
) -> JsonBytes:
    """Cash flows, NPV, IRR, payback, break-even, host-country take and jobs of a project."""
    key = _key(ref)
    if record:
        authorise_record(request, record)
        doc = await svc.atlas.run(lambda a: to_document(econ.evaluate(load_ref(ref), a)))
        inputs = {"project": _recorded_input(ref)}
        return JsonBytes(dump_json(await recorded(request, record, "econ run", inputs, doc)))
    return await _answer(svc, key and ("econ-run", *key), lambda a: econ.evaluate(load_ref(ref), a))


@router.post("/compare", response_class=JsonBytes, responses=ok(dict[str, Any]))
async def compare(
    req: CompareRequest, svc: Svc, request: Request, record: RecordQuery = False
) -> JsonBytes:
    """Refine at home (B) minus export concentrate (A): incremental NPV, take, jobs."""
    key = _key(req.base, req.alternative)
    if record:
        authorise_record(request, record)
        doc = await svc.atlas.run(
            lambda a: to_document(econ.compare(load_ref(req.base), load_ref(req.alternative), a))
        )
        inputs = {
            "base": _recorded_input(req.base),
            "alternative": _recorded_input(req.alternative),
        }
        return JsonBytes(dump_json(await recorded(request, record, "econ compare", inputs, doc)))
    return await _answer(
        svc,
        key and ("econ-compare", *key),
        lambda a: econ.compare(load_ref(req.base), load_ref(req.alternative), a),
    )


@router.post("/sensitivity", response_class=JsonBytes, responses=ok(dict[str, Any]))
async def sensitivity(req: SensitivityRequest, svc: Svc) -> JsonBytes:
    """Tornado (±pct per factor), spider table and break-even factor levels."""
    key = _key(req)
    return await _answer(
        svc,
        key and ("econ-sens", *key, req.pct),
        lambda a: econ.sensitivity(load_ref(req), a, req.pct),
    )
