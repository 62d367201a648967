"""The CLI's one error path: exception → one stderr line and exit code 2.

Every :class:`~orechain.errors.OreChainError` and every failure that bad input
or an unreachable service can cause (missing or binary files, deep nesting,
numeric overflow, a database that refuses the connection, a malformed command
line) is reported as ``error: <where>: <reason>`` on one line, exit code 2.
Anything else is a bug: it keeps its traceback so that a test notices it.
Imported at start-up, so it imports nothing heavy at module level.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from typing import NoReturn

import typer
from typer._click import exceptions as cx

from orechain.errors import OreChainError

__all__ = ["EXIT_INPUT", "describe", "fail", "usage_line"]

EXIT_INPUT = 2
"""Exit code of every rejected input (the same as click's usage errors)."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _os_error(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else None
    reason = exc.strerror or _one_line(exc)
    if isinstance(exc, IsADirectoryError):
        reason = "is a directory, expected a file"
    return f"{name}: {reason}" if name is not None else reason


def _module_error(exc: BaseException) -> str | None:
    """Errors of optional heavy libraries, recognised without importing them."""
    module = type(exc).__module__
    name = type(exc).__name__
    first = _one_line(str(exc).splitlines()[0] if str(exc) else name)
    if module.startswith("psycopg") and name in {"OperationalError", "InterfaceError"}:
        return f"database unreachable: {first}"
    if module.startswith("pandas") and name == "EmptyDataError":
        return f"no data: {first}"
    if module.startswith("yaml"):
        return f"not valid YAML: {first}"
    return None


def describe(exc: BaseException) -> str | None:
    """The one-line reason for an input error, or None when ``exc`` is a bug."""
    if isinstance(exc, typer.Exit | typer.Abort | cx.ClickException | BrokenPipeError):
        return None  # click's own handling (a closed stdout pipe exits quietly)
    if isinstance(exc, OreChainError):
        return _one_line(exc)
    found = _module_error(exc)
    if found is not None:
        return found
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); expected a UTF-8 text file"
    if isinstance(exc, RecursionError):
        return "input nested too deeply"
    if isinstance(exc, OverflowError):
        return f"number out of range: {_one_line(exc)}"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return "a number has more than 4,300 digits"
    if isinstance(exc, sqlite3.DatabaseError):
        return f"database error: {_one_line(exc)}"
    if isinstance(exc, ConnectionError | TimeoutError):
        return f"unreachable: {_one_line(exc)}"
    if isinstance(exc, OSError):
        return _os_error(exc)
    return None


def usage_line(exc: cx.ClickException) -> str:
    """A click usage error as one line naming the command and the reason."""
    ctx = getattr(exc, "ctx", None)
    where = f"{ctx.command_path}: " if ctx is not None else ""
    hint = " (see --help)" if isinstance(exc, cx.UsageError) else ""
    return f"{where}{_one_line(exc.format_message())}{hint}"


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on one stderr line and exit with code 2."""
    from orechain.cli.output import err_console

    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    sys.stderr.flush()
    raise typer.Exit(EXIT_INPUT)
