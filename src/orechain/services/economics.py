"""Project economics use cases: evaluate, compare export-versus-refine, sensitivity.

Each returns the domain's typed result; its ``to_dict()`` is the document every
face prints or sends (CLI ``--json``, ``/api/economics/*``, the dashboard).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.economics.compare import Comparison
    from orechain.economics.project import Project
    from orechain.economics.results import ProjectResult
    from orechain.economics.sensitivity import MonteCarloResult, SensitivityReport

__all__ = ["compare", "evaluate", "montecarlo", "montecarlo_document", "needs_atlas", "sensitivity"]


def needs_atlas(*projects: Project) -> bool:
    """Whether any price of these projects is read from the atlas (else it need not open)."""
    return any(spec.atlas is not None for p in projects for spec in p.prices.values())


def evaluate(project: Project, atlas: Atlas | None = None) -> ProjectResult:
    """Cash flows, NPV, IRR, payback, break-even, host-country take and jobs."""
    from orechain.economics.results import evaluate_project

    return evaluate_project(project, atlas)


def compare(base: Project, alternative: Project, atlas: Atlas | None = None) -> Comparison:
    """Refine at home (``alternative``, B) minus export concentrate (``base``, A)."""
    from orechain.economics.compare import compare_projects

    return compare_projects(base, alternative, atlas)


def sensitivity(
    project: Project, atlas: Atlas | None = None, pct: float = 20.0
) -> SensitivityReport:
    """Tornado (±``pct`` % per factor), spider table and break-even factor levels."""
    from orechain.economics.sensitivity import sensitivity_report

    return sensitivity_report(project, atlas, pct)


def montecarlo(
    project: Project,
    draws: int,
    *,
    seed: int = 0,
    atlas: Atlas | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> MonteCarloResult:
    """NPV distribution over the project's uncertainty block."""
    from orechain.economics.sensitivity import montecarlo as run

    return run(project, draws, seed=seed, atlas=atlas, workers=workers, scheduler=scheduler)


def montecarlo_document(
    project: Project,
    draws: int,
    *,
    seed: int = 0,
    atlas: Atlas | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> dict[str, Any]:
    """The ``orechain econ montecarlo --json`` document: NPV percentiles and the inputs drawn."""
    result = montecarlo(
        project, draws, seed=seed, atlas=atlas, workers=workers, scheduler=scheduler
    )
    return {
        "project": project.name,
        "currency": project.currency,
        "draws": draws,
        "seed": seed,
        "npv": result.summary(),
        "uncertainty": {k: v.model_dump(exclude_none=True) for k, v in project.uncertainty.items()},
        "assumptions": project.assumptions,
    }
