"""Options and helpers shared by the CLI areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
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
