"""Options and helpers shared by the CLI areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import typer
from typer.core import TyperGroup

from orechain.atlas.store import Atlas, open_atlas

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document instead of a table.")
YEAR_OPTION = typer.Option(None, "--year", "-y", help="Data year (default: latest with data).")
MEASURE_HELP = "mine, refinery, smelter, plant, or '<measure> capacity'."


def with_atlas(func: Callable[[Atlas], Any]) -> Any:
    """Open the atlas (building it on first use), run ``func``, close it."""
    atlas = open_atlas(read_only=False)
    try:
        return func(atlas)
    finally:
        atlas.close()


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, if not a subcommand, goes to a default command.

    Lets ``orechain risk copper`` mean ``orechain risk commodity copper`` while
    ``orechain risk overview`` stays a subcommand.
    """

    default_command = "commodity"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Insert the default command name before a non-subcommand argument."""
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)
