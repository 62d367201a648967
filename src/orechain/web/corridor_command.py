"""``orechain report corridor``: the corridor report as one self-contained HTML file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import typer

from orechain.api.jobs import Job
from orechain.api.settings import ServiceSettings
from orechain.atlas.store import Atlas, open_atlas
from orechain.errors import OreChainError
from orechain.web.corridor import corridor_facts, render_corridor, write_corridor

logger = logging.getLogger(__name__)

__all__ = ["build_corridor_report", "corridor", "corridor_scenario", "scenario_digest"]

CORRIDOR_SCENARIO = "pakistan-us-corridor"


def scenario_digest(doc: dict[str, Any]) -> dict[str, Any]:
    """Headline of a corridor run: shortfall and China's last-year shares, with and without."""
    last = doc["years"][-1]
    out: dict[str, Any] = {
        "scenario": doc["scenario"],
        "region": doc["summary"]["region"],
        "year": last["year"],
        "with": _side(doc["summary"], last),
    }
    comparison = doc.get("comparison")
    if comparison:
        out["variant"] = comparison["variant"]
        out["without"] = _side(comparison["summary"], comparison["years"][-1])
    return out


def _side(summary: dict[str, Any], last: dict[str, Any]) -> dict[str, Any]:
    china = {
        stage: shares.get("CHN", 0.0)
        for stage, shares in last.get("supply_share_by_origin", {}).items()
    }
    return {
        "shortfall_t": summary["shortfall_t"],
        "shortfall_share": summary["shortfall_share"],
        "china_share_last_year": china,
    }


def corridor_scenario(atlas: Atlas) -> dict[str, Any] | None:
    """Digest of the bundled corridor scenario, or None when it cannot be run."""
    # Imported here: the scenario engine is heavy and only this report section needs it.
    from orechain.api.scenario_runs import run_for_dashboard
    from orechain.scenarios.bundled import resolve_scenario_path
    from orechain.scenarios.spec import load_scenario

    try:
        scn = load_scenario(resolve_scenario_path(CORRIDOR_SCENARIO))
        doc = run_for_dashboard(scn, atlas, Job("report", "scenario", CORRIDOR_SCENARIO))
    except OreChainError as exc:
        logger.warning("corridor scenario left out of the report: %s", exc)
        return None
    return scenario_digest(doc)


def _checkpoint(url: str) -> dict[str, Any] | None:
    from orechain.api.routes.transparency import summary
    from orechain.ledger.service import Ledger

    try:
        with Ledger.open(url) as led:
            return summary(led)
    except OreChainError as exc:
        logger.warning("no ledger checkpoint in the report: %s", exc)
        return None


def build_corridor_report(settings: ServiceSettings | None = None) -> str:
    """Compute everything the corridor report shows and render it."""
    settings = settings or ServiceSettings.from_env()
    atlas = open_atlas(settings.core, read_only=True)
    try:
        facts = corridor_facts(atlas)
        scenario = corridor_scenario(atlas)
    finally:
        atlas.close()
    return render_corridor(facts, _checkpoint(settings.database_url), scenario)


def corridor(
    out: Path = typer.Option(
        Path("out/orechain-corridor.html"), "--out", "-o", help="Where to write the HTML report."
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", "--db", help="Ledger for the checkpoint section."
    ),
) -> None:
    """Write the Pakistan → US corridor report (charts embedded, no scripts, works offline)."""
    settings = ServiceSettings.from_env()
    if database_url:
        settings = settings.with_database(database_url)
    path = write_corridor(build_corridor_report(settings), out)
    typer.echo(f"Report written to {path.resolve()}")
