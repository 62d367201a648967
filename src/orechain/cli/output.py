"""Shared output helpers of the CLI: one JSON document, or a rich table."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from orechain.jsonsafe import to_jsonable

console = Console()
err_console = Console(stderr=True)


def emit_json(obj: Any) -> None:
    """Print one JSON document to stdout."""
    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, default=str) + "\n")


PLAIN_KEYS = ("year", "first_year", "last_year")
"""Columns printed without thousands separators."""


def fmt(value: Any, digits: int = 2) -> str:
    """Format a number for a table cell (thousands separators; '–' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000 or value == int(value):
            return f"{value:,.0f}"
        return f"{value:,.{digits}f}"
    return str(value)


def print_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Print rows as a rich table; ``columns`` is (key, header) pairs."""
    table = Table(title=title, caption=caption, caption_justify="left")
    for _, header in columns:
        table.add_column(header)
    for row in rows:
        table.add_row(
            *(
                str(row.get(key))
                if key in PLAIN_KEYS and row.get(key) is not None
                else fmt(row.get(key))
                for key, _ in columns
            )
        )
    console.print(table)
