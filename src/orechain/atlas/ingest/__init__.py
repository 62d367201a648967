"""Ingesters of public data releases into the atlas.

Every source kind has a module with pvlib's triad where it applies
(``read_<source>`` reads the file, ``parse_<source>`` turns raw rows into tidy
frames) and one *loader*:

    load(con, path, source_id) -> LoadReport

A loader runs inside a transaction the caller opened on the atlas's DuckDB
connection; it inserts rows into the declared tables (see
:mod:`orechain.atlas.schema`) and raises :class:`orechain.errors.InputError`
naming file, row, column and reason on the first malformed value, so that the
caller rolls back and nothing from the file is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class LoadReport:
    """What a loader inserted: rows per table, and warnings worth showing."""

    source_id: str
    path: str
    rows: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


Loader = Callable[["duckdb.DuckDBPyConnection", Path, str], LoadReport]
