"""Options and helpers shared by the CLI areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperGroup

from orechain.atlas.store import Atlas, open_atlas
from orechain.cli.output import err_console
from orechain.errors import OreChainError

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


class OreChainGroup(TyperGroup):
    """Root group: turns any :class:`OreChainError` into one line on stderr and exit 2."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Invoke the command, mapping domain errors to exit code 2."""
        try:
            return super().invoke(ctx)
        except OreChainError as exc:
            err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from exc


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, if not a subcommand, goes to a default command.

    Lets ``orechain risk copper`` mean ``orechain risk commodity copper`` while
    ``orechain risk overview`` stays a subcommand.
    """

    default_command = "commodity"

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        """Insert the default command name before a non-subcommand argument."""
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)
