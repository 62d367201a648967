"""Shared output helpers of the CLI: one JSON document, or a rich table."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from orechain.formatting import number
from orechain.jsonsafe import to_jsonable

if TYPE_CHECKING:
    from rich.console import Console


@cache
def _console(stderr: bool = False) -> Console:
    """The rich console for stdout (or stderr), made on first use: ``--json`` needs no rich."""
    from rich.console import Console

    return Console(stderr=stderr)


def __getattr__(name: str) -> Any:
    """``console`` and ``err_console``, created when first imported."""
    if name == "console":
        return _console()
    if name == "err_console":
        return _console(stderr=True)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def emit_json(obj: Any) -> None:
    """Print one JSON document to stdout."""
    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, default=str) + "\n")


PLAIN_KEYS = ("year", "first_year", "last_year")
"""Columns printed without thousands separators."""


def fmt(value: Any, digits: int = 2) -> str:
    """Format a number for a table cell (the one formatter, :func:`orechain.formatting.number`)."""
    return number(value, digits)


def print_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Print rows as a rich table; ``columns`` is (key, header) pairs."""
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=Text(title) if title else None,
        caption=Text(caption) if caption else None,
        caption_justify="left",
    )
    for _, header in columns:
        # a unit in a header must not wrap away from its name: "production [kt]"
        table.add_column(Text(header), min_width=min(len(header), 24))
    for row in rows:
        table.add_row(
            *(
                Text(
                    str(row.get(key))
                    if key in PLAIN_KEYS and row.get(key) is not None
                    else fmt(row.get(key))
                )
                for key, _ in columns
            )
        )
    print_wide(table)


WIDE = 200
"""Width of tables printed to a pipe or file: no 80-column cut when not on a terminal."""


def print_wide(renderable: Any) -> None:
    """Print on a terminal at its width; to a pipe or file up to ``WIDE`` columns."""
    _fit_width()
    _console().print(renderable)


def _fit_width() -> None:
    """The terminal's width on a terminal, ``WIDE`` on a pipe (checked per print)."""
    console = _console()
    console.width = shutil.get_terminal_size().columns if console.is_terminal else WIDE


def say(text: str) -> None:
    """Print one line of prose; not wrapped when stdout is a pipe or file."""
    _fit_width()
    console = _console()
    console.print(text, markup=False, highlight=False, soft_wrap=not console.is_terminal)
