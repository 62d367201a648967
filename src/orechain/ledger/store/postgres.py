"""PostgreSQL ledger store (psycopg 3), for several API workers on one ledger.

Appends serialise on a transaction-scoped advisory lock, so concurrent writers
in any number of processes never fork the log: each writer catches up with the
entries committed before it got the lock, then appends after them. Commits are
durable when they return (PostgreSQL's default ``synchronous_commit=on``), so a
checkpoint is only ever signed over durable entries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from orechain.errors import InputError
from orechain.ledger.store import sql
from orechain.ledger.store.base import Entry

logger = logging.getLogger(__name__)

_TYPES = {"blob": "BYTEA", "bigint": "BIGINT"}
WRITER_LOCK = 0x0E_C4A1_2E_D6
"""Advisory lock key held by the single log writer."""

__all__ = ["PostgresStore"]


def _pg(query: str) -> str:
    return query.replace("?", "%s")


class _PgWriter:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def _execute(self, query: str, params: Sequence[Any]) -> Any:
        return self.conn.execute(_pg(query), params)

    def entries(self, start: int = 0) -> Iterator[Entry]:
        return sql.iter_entries(iter(self._execute(sql.SELECT_ENTRIES, (start,)).fetchall()))

    def _executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(_pg(query), rows)

    def append(self, entries: Sequence[Entry]) -> None:
        sql.insert_entries(self._executemany, entries)

    def add_checkpoint(self, tree_size: int, note: str) -> None:
        self._execute(
            "INSERT INTO ledger_checkpoints (tree_size, note) VALUES (?, ?) "
            "ON CONFLICT (tree_size) DO UPDATE SET note = EXCLUDED.note",
            (tree_size, note),
        )


class PostgresStore:
    """Ledger store in PostgreSQL (``ORECHAIN_DATABASE_URL=postgresql://…``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.conn: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            msg = f"database unreachable: {reason}"
            raise InputError(msg, field="database_url") from exc

    def _execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(_pg(query), params)

    @contextmanager
    def _exec_transaction(self) -> Iterator[sql.Execute]:
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            yield self._execute

    def migrate(self) -> int:
        """Create or upgrade the schema (serialised on the writer lock)."""
        version = 0
        if self.get_meta():
            version = int(self.get_meta().get("schema_version", "0"))
        return sql.migrate(version, self._exec_transaction, _TYPES)

    def get_meta(self) -> dict[str, str]:
        """All metadata, or empty if the schema does not exist yet."""
        exists = self.conn.execute("SELECT to_regclass('ledger_meta')").fetchone()
        if not exists or exists[0] is None:
            return {}
        return dict(self.conn.execute("SELECT key, value FROM ledger_meta").fetchall())

    def set_meta(self, items: dict[str, str]) -> None:
        """Upsert metadata in one transaction."""
        with self._exec_transaction() as execute:
            for key, value in items.items():
                execute(
                    "INSERT INTO ledger_meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (key, value),
                )

    @contextmanager
    def writing(self) -> Iterator[_PgWriter]:
        """Transaction holding the writer advisory lock."""
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            yield _PgWriter(self.conn)

    def entries(self, start: int = 0) -> Iterator[Entry]:
        """Committed entries from ``start``."""
        with self.conn.cursor() as cur:
            cur.execute(_pg(sql.SELECT_ENTRIES), (start,))
            rows = cur.fetchall()
        return sql.iter_entries(iter(rows))

    def raw_rows(self) -> Iterator[tuple[Any, ...]]:
        """Every event and leaf row, joined, for audit."""
        return iter(self._execute(sql.SELECT_RAW).fetchall())

    def find(
        self,
        *,
        event_id: str | None = None,
        idempotency_key: str | None = None,
        index: int | None = None,
    ) -> Entry | None:
        """Entry by leaf index, event id or idempotency key (one indexed row)."""
        query, arg = sql.find_query(event_id, idempotency_key, index)
        row = self._execute(query, (arg,)).fetchone()
        return sql.to_entry(row) if row else None

    def size(self) -> int:
        """Number of committed leaves."""
        return int(self._execute("SELECT COUNT(*) FROM ledger_log").fetchone()[0])

    def checkpoints(self) -> list[tuple[int, str]]:
        """Stored checkpoints by size."""
        rows = self._execute("SELECT tree_size, note FROM ledger_checkpoints ORDER BY 1")
        return [(int(s), n) for s, n in rows.fetchall()]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
