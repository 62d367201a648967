"""Click/Typer group classes of the CLI (kept light: imported at start-up)."""

from __future__ import annotations

from typing import Any

import typer
from typer._click import exceptions as cx
from typer.core import TyperGroup

from orechain.cli.errors import describe, fail, usage_line


class OreChainGroup(TyperGroup):
    """Root group: any input error becomes one line on stderr and exit 2.

    The mapping (domain errors, file and decode errors, overflow, unreachable
    databases, usage errors) lives in :mod:`orechain.cli.errors`.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        """Parse the root options; a usage error is one line, not a help panel."""
        try:
            return super().parse_args(ctx, args)
        except cx.NoArgsIsHelpError:
            raise
        except cx.UsageError as exc:
            fail(usage_line(exc))

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Invoke the command, mapping input errors to one line and exit code 2."""
        try:
            return super().invoke(ctx)
        except cx.NoArgsIsHelpError:
            raise
        except cx.ClickException as exc:
            fail(usage_line(exc))
        except Exception as exc:
            reason = describe(exc)
            if reason is None:
                raise
            fail(reason)


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
