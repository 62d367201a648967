"""Click/Typer group classes of the CLI (kept light: imported at start-up)."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from orechain.cli.output import err_console
from orechain.errors import OreChainError


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
