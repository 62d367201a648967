"""``/api/economics``: run a project, compare export-versus-refine, sensitivity (tornado).

Projects are the bundled examples (by name) or a project document sent inline. An
inline project may not name files (``file:`` keys): the server reads no path a
client chooses.
"""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from orechain.api.auth import access
from orechain.api.responses import COMMON_ERRORS, JsonBytes, Svc, ok
from orechain.atlas.sources import data_dir
from orechain.atlas.store import Atlas
from orechain.errors import InputError
from orechain.inputs import SENSITIVITY_PCT_MAX, read_yaml

router = APIRouter(
    prefix="/api/economics",
    tags=["economics"],
    dependencies=[Depends(access("read"))],
    responses=COMMON_ERRORS,
)

__all__ = ["router"]

NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,80}$"


def projects_dir() -> FsPath:
    """Folder of the bundled example projects."""
    return data_dir() / "projects"


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


def _no_files(value: Any, where: str = "project") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "file":
                msg = "inline projects may not reference files"
                raise InputError(msg, field=f"{where}.file")
            _no_files(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_files(item, f"{where}[{i}]")


def load_ref(ref: ProjectRef) -> Any:
    """The validated project a reference names."""
    from orechain.economics.project import load_project, project_from_dict

    if ref.project is not None:
        _no_files(ref.project)
        return project_from_dict(ref.project, source="<request>", base_dir=projects_dir())
    if ref.name is None:
        msg = "give a bundled project 'name' or an inline 'project'"
        raise InputError(msg, field="name")
    path = projects_dir() / (ref.name if ref.name.endswith(".yaml") else f"{ref.name}.yaml")
    if not path.is_file():
        names = ", ".join(p.stem for p in sorted(projects_dir().glob("*.yaml")))
        msg = f"no bundled project {ref.name!r}; bundled: {names}"
        raise InputError(msg, field="name")
    return load_project(path)


def _run(ref: ProjectRef) -> Any:
    from orechain.economics.results import evaluate_project

    return lambda a: evaluate_project(load_ref(ref), a).to_dict()


def _compare(req: CompareRequest) -> Any:
    from orechain.economics.compare import compare_projects

    return lambda a: compare_projects(load_ref(req.base), load_ref(req.alternative), a).to_dict()


def _sensitivity(req: SensitivityRequest) -> Any:
    from orechain.economics.production import prepare
    from orechain.economics.sensitivity import breakevens, spider, tornado

    def compute(a: Atlas) -> dict[str, Any]:
        project = load_ref(req)
        prep = prepare(project, a)
        base, bars = tornado(prep, req.pct)
        return {
            "project": project.name,
            "currency": project.currency,
            "base_npv": base,
            "pct": req.pct,
            "tornado": [b.__dict__ for b in bars],
            "spider": spider(prep),
            "breakevens": breakevens(prep),
            "assumptions": project.assumptions,
        }

    return compute


def _key(*refs: ProjectRef) -> tuple[Any, ...] | None:
    if any(r.project is not None for r in refs):
        return None
    return tuple(r.name for r in refs)


async def _answer(svc: Any, key: tuple[Any, ...] | None, compute: Any) -> JsonBytes:
    from orechain.api.services import dump_json

    if key is None:
        return JsonBytes(await svc.atlas.run(lambda a: dump_json(compute(a))))
    return JsonBytes(await svc.atlas.cached(key, compute))


@router.get("/projects", response_model=list[BundledProject])
async def projects() -> list[dict[str, Any]]:
    """The bundled example projects."""
    out = []
    for path in sorted(projects_dir().glob("*.yaml")):
        raw = read_yaml(path) or {}
        out.append(
            {
                "name": path.stem,
                "title": str(raw.get("name", path.stem)),
                "description": str(raw.get("description", "")).strip(),
            }
        )
    return out


@router.get("/projects/{name}", response_model=dict[str, Any])
async def project_doc(name: Annotated[str, Path(pattern=NAME_PATTERN)]) -> dict[str, Any]:
    """A bundled project as a document (to edit and send back inline)."""
    project = load_ref(ProjectRef(name=name))
    return {"name": name, "project": project.model_dump(mode="json", exclude_none=True)}


@router.post("/run", response_class=JsonBytes, responses=ok(dict[str, Any]))
async def run(ref: ProjectRef, svc: Svc) -> JsonBytes:
    """Cash flows, NPV, IRR, payback, break-even, host-country take and jobs of a project."""
    return await _answer(svc, _key(ref) and ("econ-run", *_key(ref)), _run(ref))  # type: ignore[misc]


@router.post("/compare", response_class=JsonBytes, responses=ok(dict[str, Any]))
async def compare(req: CompareRequest, svc: Svc) -> JsonBytes:
    """Refine at home (B) minus export concentrate (A): incremental NPV, take, jobs."""
    key = _key(req.base, req.alternative)
    return await _answer(svc, key and ("econ-compare", *key), _compare(req))


@router.post("/sensitivity", response_class=JsonBytes, responses=ok(dict[str, Any]))
async def sensitivity(req: SensitivityRequest, svc: Svc) -> JsonBytes:
    """Tornado (±pct per factor), spider table and break-even factor levels."""
    key = _key(req)
    return await _answer(svc, key and ("econ-sens", *key, req.pct), _sensitivity(req))
