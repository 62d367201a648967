"""Options and helpers shared by the CLI areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from pathlib import Path

    from orechain.atlas.store import Atlas

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document instead of a table.")
YEAR_OPTION = typer.Option(None, "--year", "-y", help="Data year (default: latest with data).")
MEASURE_HELP = (
    "mine, refinery, smelter, plant, '<measure> capacity', reserves, or a stage with "
    "published shares (refining, processing, …)."
)


def with_atlas(func: Callable[[Atlas], Any], *, read_only: bool = True) -> Any:
    """Open the atlas (building it on first use), run ``func``, close it.

    Reads open the file read-only so that several processes can share it. The
    store (DuckDB, pandas) is imported here, not at start-up.
    """
    from orechain.atlas.store import open_atlas

    atlas = open_atlas(read_only=read_only)
    try:
        return func(atlas)
    finally:
        atlas.close()


RECORD_OPTION = typer.Option(
    False,
    "--record",
    help="Record the run: digests of inputs, atlas, code and output, signed and appended "
    "to the run log (see `orechain runs`).",
)


def record_if(record: bool, command: str, inputs: Callable[[], dict[str, Any]], doc: Any) -> Any:
    """Record the run when ``--record`` was given; return ``doc`` with its ``run`` block.

    ``inputs`` is called only when recording (reading files again costs time). A
    mapping document gains a ``run`` key; any other document is wrapped as
    ``{"result": doc, "run": …}``. Without ``--record`` ``doc`` comes back unchanged.
    """
    if not record:
        return doc
    from orechain.services.runs import record_run

    run = record_run(command, inputs(), doc)
    return {**doc, "run": run} if isinstance(doc, dict) else {"result": doc, "run": run}


def say_recorded(doc: Any) -> None:
    """Print "recorded as run N — verify: …" under a human table when the run was recorded."""
    from orechain.cli.output import say

    run = doc.get("run") if isinstance(doc, dict) else None
    if run:
        say(f"recorded as run {run['id']} — verify: {run['verify']}")


def project_input(path: Path) -> dict[str, Any]:
    """A project file as a recorded input (see :func:`orechain.services.runs.project_input`)."""
    from orechain.services.runs import project_input as read

    return read(path)


def scenario_input(name: str) -> dict[str, Any]:
    """A scenario file as a recorded input (see :func:`orechain.services.runs.scenario_input`)."""
    from orechain.services.runs import scenario_input as read

    return read(name)
