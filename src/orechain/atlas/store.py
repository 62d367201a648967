"""The atlas store: an in-process DuckDB file built from the bundled data.

The atlas is built on first use into the user cache directory (or
``ORECHAIN_ATLAS``); ``orechain atlas rebuild`` redoes it. A build writes a new
file next to the old one and renames it into place, so a failed build leaves
the previous atlas untouched. An ``ingest`` runs in one transaction: a
malformed file loads nothing.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from orechain.atlas.ingest import Loader, LoadReport
from orechain.atlas.schema import TABLES, Table, conform
from orechain.atlas.sources import Source, load_sources
from orechain.errors import ConflictError, InputError, NotFoundError
from orechain.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

from orechain.atlas.loaders import LOADERS  # noqa: E402  (re-exported)


def default_source_id(kind: str, path: Path) -> str:
    """Source id for a user ingest: the loader module's rule, else ``<kind>:<file name>``."""
    module = importlib.import_module(LOADERS[kind].partition(":")[0])
    rule = getattr(module, "default_source_id", None)
    return str(rule(path)) if rule is not None else f"{kind}:{path.name}"


def get_loader(kind: str) -> Loader:
    """Return the loader function for a source kind."""
    if kind not in LOADERS:
        msg = f"unknown source kind {kind!r}; expected one of {', '.join(sorted(LOADERS))}"
        raise NotFoundError(msg)
    module, _, func = LOADERS[kind].partition(":")
    loader: Loader = getattr(importlib.import_module(module), func)
    return loader


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared table (empty) on ``con``."""
    for table in TABLES.values():
        con.execute(table.create_sql())


def insert_frame(
    con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame, *, source: str
) -> int:
    """Conform ``frame`` to ``table``'s schema and append it; return the row count."""
    if frame.empty:
        return 0
    tidy = conform(frame, table, source=source)
    con.register("_incoming", tidy)
    try:
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        casts = ", ".join(f'CAST("{c.name}" AS {c.dtype})' for c in table.columns)
        con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {casts} FROM _incoming")
    finally:
        con.unregister("_incoming")
    return len(tidy)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: commit on success, roll back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def load_source(con: duckdb.DuckDBPyConnection, source: Source) -> list[LoadReport]:
    """Load every path of one bundled source with its loader."""
    if source.loader is None:
        return []
    loader = get_loader(source.loader)
    return [loader(con, path, source.source_id) for path in source.resolved_paths()]


def _register_sources(con: duckdb.DuckDBPyConnection, sources: list[Source]) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "source_id": s.source_id,
                "title": s.title,
                "publisher": s.publisher,
                "citation": s.citation,
                "licence": s.licence,
            }
            for s in sources
        ]
    )
    insert_frame(con, TABLES["sources"], frame, source="sources.yaml")


def build_atlas(path: Path) -> list[LoadReport]:
    """Build a fresh atlas at ``path`` from the bundled files, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    reports: list[LoadReport] = []
    try:
        con = duckdb.connect(str(tmp))
        con.execute("SET enable_progress_bar = false")
        try:
            create_tables(con)
            sources = load_sources()
            with transaction(con):
                _register_sources(con, sources)
                for source in sources:
                    logger.info("loading %s", source.source_id)
                    reports.extend(load_source(con, source))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return reports


class Atlas:
    """A handle on the atlas database; the entry point of every atlas query.

    Parameters
    ----------
    con
        An open DuckDB connection holding the declared tables.
    path
        The file behind it, if any.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None = None) -> None:
        self.con = con
        self.path = path

    def query(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        """Run a read query and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

    def records(self, sql: str, params: list[object] | None = None) -> list[dict[str, Any]]:
        """Run a read query and return its rows as dictionaries (NULL is None).

        Needs no pandas: the CLI's lean paths (``orechain risk``) read through it.
        """
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def ingest(
        self, kind: str, path: Path, source_id: str | None = None, *, force: bool = False
    ) -> LoadReport:
        """Load one file with the loader for ``kind``, all or nothing.

        Rows already loaded under the same ``source_id`` are replaced, so
        re-ingesting a corrected file does not duplicate rows. A load that finds
        no rows, or far fewer than it replaces, is refused unless ``force``
        (:mod:`orechain.atlas.ingest.guard`).
        """
        from orechain.atlas.ingest.guard import check_replacement

        if not path.exists():
            msg = "no such file or directory"
            raise InputError(msg, source=str(path))
        loader = get_loader(kind)
        sid = source_id or default_source_id(kind, path)
        tables = [
            t.name for t in TABLES.values() if "source_id" in t.column_names and t.name != "sources"
        ]
        with transaction(self.con):
            before = self._rows_of(tables, sid)
            for name in tables:
                self.con.execute(f"DELETE FROM {name} WHERE source_id = ?", [sid])
            report = loader(self.con, path, sid)
            check_replacement(str(path), sid, before, self._rows_of(tables, sid), force=force)
            return report

    def _rows_of(self, tables: list[str], source_id: str) -> int:
        """Rows filed under ``source_id`` over ``tables``."""
        total = 0
        for name in tables:
            found = self.con.execute(
                f"SELECT count(*) FROM {name} WHERE source_id = ?", [source_id]
            ).fetchone()
            total += int(found[0]) if found else 0
        return total

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Atlas:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_atlas(settings: Settings | None = None, *, read_only: bool = False) -> Atlas:
    """Open the atlas, building it from the bundled files on first use."""
    settings = settings or Settings.from_env()
    path = settings.resolved_atlas_path()
    if not path.exists():
        logger.info("building atlas at %s", path)
        build_atlas(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.ConnectionException as exc:
        # DuckDB keeps one configuration per file and process: a read-only handle
        # still open here (or a writer in another process) blocks a writer.
        mode = "read-only" if read_only else "for writing"
        msg = f"cannot open the atlas {mode}: {str(exc).splitlines()[0]}; close other handles first"
        raise ConflictError(msg) from exc
    con.execute("SET enable_progress_bar = false")
    return Atlas(con, path)


def rebuild_atlas(settings: Settings | None = None) -> list[LoadReport]:
    """Rebuild the atlas from the bundled files, replacing the old one."""
    settings = settings or Settings.from_env()
    return build_atlas(settings.resolved_atlas_path())
