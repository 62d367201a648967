"""Options and helpers shared by the CLI areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from orechain.atlas.store import Atlas, open_atlas

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document instead of a table.")
YEAR_OPTION = typer.Option(None, "--year", "-y", help="Data year (default: latest with data).")
MEASURE_HELP = (
    "mine, refinery, smelter, plant, '<measure> capacity', reserves, or a stage with "
    "published shares (refining, processing, …)."
)


def with_atlas(func: Callable[[Atlas], Any], *, read_only: bool = True) -> Any:
    """Open the atlas (building it on first use), run ``func``, close it.

    Reads open the file read-only so that several processes can share it.
    """
    atlas = open_atlas(read_only=read_only)
    try:
        return func(atlas)
    finally:
        atlas.close()
