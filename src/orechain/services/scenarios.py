"""Scenario use cases: validate, run now, or run as a background job.

Every face runs a scenario through :func:`run_document`, which returns the one
document :func:`orechain.scenarios.report.run_report` builds, so the CLI's
``--json``, the API's job result and the dashboard show the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orechain.errors import OreChainError
from orechain.jsonsafe import to_jsonable
from orechain.services.jobs import Job, JobManager
from orechain.settings import Settings

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.scenarios.spec import Scenario

__all__ = ["Validation", "backtest_document", "run_document", "submit_run", "validate"]


@dataclass(frozen=True)
class Validation:
    """The outcome of validating a scenario; never runs it."""

    valid: bool
    name: str | None = None
    error: dict[str, Any] | None = None


def validate(load: Callable[[], Scenario]) -> Validation:
    """Load a scenario with ``load`` and report whether it is valid, and why not."""
    try:
        scn = load()
    except OreChainError as exc:
        details = getattr(exc, "__dict__", {})
        error = {
            "message": str(exc),
            **{k: details.get(k) for k in ("source", "row", "field") if k in details},
        }
        return Validation(valid=False, error=error)
    return Validation(valid=True, name=scn.name)


def run_document(
    scn: Scenario,
    atlas: Atlas | None,
    *,
    on_progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """The JSON-safe run document of ``scn`` (run, comparison variant, Sankey, history)."""
    from orechain.scenarios.report import run_report

    doc, _ = run_report(scn, atlas, on_progress=on_progress)
    result: dict[str, Any] = to_jsonable(doc)
    return result


def backtest_document(atlas: Atlas, event: str | None = None) -> dict[str, Any]:
    """Backtests of real events (one, or all): observed against predicted, JSON-safe."""
    from orechain.scenarios.backtest import run_backtests

    result: dict[str, Any] = to_jsonable(run_backtests(atlas, event))
    return result


def _work(settings: Settings, scn: Scenario) -> Callable[[Job], dict[str, Any]]:
    def work(job: Job) -> dict[str, Any]:
        from orechain.atlas.store import open_atlas

        atlas = open_atlas(settings, read_only=True) if scn.network is None else None
        try:
            return run_document(scn, atlas, on_progress=job.report)
        finally:
            if atlas is not None:
                atlas.close()

    return work


def submit_run(
    jobs: JobManager,
    settings: Settings,
    scn: Scenario,
    *,
    bundled: bool,
    owner: str | None = None,
) -> Job:
    """Run ``scn`` in the background for ``owner``.

    A bundled scenario is deterministic, so a queued, running or finished run of
    it is answered again instead of solving it anew (whoever submitted it).
    """
    if bundled:
        for job in jobs.list():
            live = job.status in ("queued", "running", "done")
            if job.kind == "scenario-bundled" and job.name == scn.name and live:
                return job
    kind = "scenario-bundled" if bundled else "scenario"
    return jobs.submit(kind, str(scn.name), _work(settings, scn), owner=owner)
