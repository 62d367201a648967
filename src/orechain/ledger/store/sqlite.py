"""SQLite ledger store: one file, WAL journal, ``synchronous=FULL``.

``synchronous=FULL`` makes every commit durable before it returns: with WAL and
``NORMAL`` a power loss can roll back the last commits, and a checkpoint already
signed over them would fork the log (see NOTES.md). ``BEGIN IMMEDIATE`` takes the
database write lock up front, which serialises appends across processes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orechain.errors import InputError
from orechain.ledger.store import sql
from orechain.ledger.store.base import Entry

logger = logging.getLogger(__name__)

_TYPES = {"blob": "BLOB", "bigint": "INTEGER"}

__all__ = ["SqliteStore"]


class _SqliteWriter:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def entries(self, start: int = 0) -> Iterator[Entry]:
        return sql.iter_entries(self.conn.execute(sql.SELECT_ENTRIES, (start,)))

    def append(self, entries: Sequence[Entry]) -> None:
        sql.insert_entries(self.conn.executemany, entries)

    def add_checkpoint(self, tree_size: int, note: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ledger_checkpoints (tree_size, note) VALUES (?, ?)",
            (tree_size, note),
        )


class SqliteStore:
    """Ledger store in a SQLite file (the embedded default)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.url = str(path)
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=60.0)
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            msg = f"not a SQLite ledger database ({exc})"
            raise InputError(msg, source=str(path)) from exc
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA busy_timeout=60000")

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        self.conn.execute(f"BEGIN {mode}")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def _exec_transaction(self) -> Iterator[sql.Execute]:
        with self._transaction() as conn:
            yield conn.execute

    def migrate(self) -> int:
        """Create or upgrade the schema."""
        version = sql.current_version(lambda q: self.conn.execute(q).fetchone())
        return sql.migrate(version, self._exec_transaction, _TYPES)

    def get_meta(self) -> dict[str, str]:
        """All metadata, or empty if the schema does not exist yet."""
        try:
            return dict(self.conn.execute("SELECT key, value FROM ledger_meta").fetchall())
        except sqlite3.OperationalError:
            return {}

    def set_meta(self, items: dict[str, str]) -> None:
        """Upsert metadata in one transaction."""
        with self._transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES (?, ?)", items.items()
            )

    @contextmanager
    def writing(self) -> Iterator[_SqliteWriter]:
        """Write transaction holding SQLite's database write lock."""
        with self._transaction() as conn:
            yield _SqliteWriter(conn)

    def entries(self, start: int = 0) -> Iterator[Entry]:
        """Committed entries from ``start``."""
        return sql.iter_entries(self.conn.execute(sql.SELECT_ENTRIES, (start,)))

    def raw_rows(self) -> Iterator[tuple[Any, ...]]:
        """Every event and leaf row, joined, for audit."""
        return iter(self.conn.execute(sql.SELECT_RAW))

    def find(
        self,
        *,
        event_id: str | None = None,
        idempotency_key: str | None = None,
        index: int | None = None,
    ) -> Entry | None:
        """Entry by leaf index, event id or idempotency key (one indexed row)."""
        query, arg = sql.find_query(event_id, idempotency_key, index)
        row = self.conn.execute(query, (arg,)).fetchone()
        return sql.to_entry(row) if row else None

    def size(self) -> int:
        """Number of committed leaves."""
        return int(self.conn.execute("SELECT COUNT(*) FROM ledger_log").fetchone()[0])

    def checkpoints(self) -> list[tuple[int, str]]:
        """Stored checkpoints by size."""
        rows = self.conn.execute("SELECT tree_size, note FROM ledger_checkpoints ORDER BY 1")
        return [(int(s), n) for s, n in rows]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
