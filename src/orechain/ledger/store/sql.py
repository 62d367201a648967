"""SQL shared by the SQLite and PostgreSQL stores: schema, migrations, queries.

Statements use ``?`` placeholders; the PostgreSQL store rewrites them to ``%s``.
Type names differ between the engines, so the schema is a template over
``{blob}`` and ``{bigint}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from orechain.ledger.store.base import SCHEMA_VERSION, Entry

logger = logging.getLogger(__name__)

MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS ledger_events (
            event_id TEXT PRIMARY KEY,
            idempotency_key TEXT NOT NULL UNIQUE,
            event_type TEXT NOT NULL,
            actor TEXT NOT NULL,
            event_time TEXT NOT NULL,
            envelope {blob} NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS ledger_log (
            leaf_index {bigint} PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            leaf_hash {blob} NOT NULL,
            root_after {blob} NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS ledger_checkpoints (
            tree_size {bigint} PRIMARY KEY,
            note TEXT NOT NULL)""",
    ],
    2: ["ALTER TABLE ledger_events ADD COLUMN received_at TEXT"],
}
"""Schema migrations by version; each list runs in one transaction.

Version 2 adds the log's receipt time. Entries written before it carry envelopes
signed under the v1 signing context without a receipt time; ``audit`` reports
them, and such a ledger should be re-created (there is no way to re-sign them).
"""

_ENTRY_COLUMNS = (
    "l.leaf_index, e.event_id, e.idempotency_key, e.event_type, e.actor, e.event_time, "
    "e.envelope, l.leaf_hash, l.root_after, e.received_at"
)
SELECT_ENTRIES = (
    f"SELECT {_ENTRY_COLUMNS} FROM ledger_log l JOIN ledger_events e ON e.event_id = l.event_id "
    "WHERE l.leaf_index >= ? ORDER BY l.leaf_index"
)
SELECT_BY_EVENT = (
    f"SELECT {_ENTRY_COLUMNS} FROM ledger_log l JOIN ledger_events e ON e.event_id = l.event_id "
    "WHERE e.event_id = ?"
)
SELECT_AT_INDEX = (
    f"SELECT {_ENTRY_COLUMNS} FROM ledger_log l JOIN ledger_events e ON e.event_id = l.event_id "
    "WHERE l.leaf_index = ?"
)
SELECT_BY_KEY = (
    f"SELECT {_ENTRY_COLUMNS} FROM ledger_log l JOIN ledger_events e ON e.event_id = l.event_id "
    "WHERE e.idempotency_key = ?"
)
SELECT_RAW = (
    "SELECT l.leaf_index, l.event_id, e.event_id, e.idempotency_key, e.event_type, e.actor, "
    "e.event_time, e.envelope, l.leaf_hash, l.root_after, e.received_at "
    "FROM ledger_events e FULL OUTER JOIN ledger_log l ON e.event_id = l.event_id "
    "ORDER BY l.leaf_index IS NULL, l.leaf_index, e.event_id"
)
INSERT_EVENT = (
    "INSERT INTO ledger_events (event_id, idempotency_key, event_type, actor, event_time, "
    "envelope, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
INSERT_LEAF = (
    "INSERT INTO ledger_log (leaf_index, event_id, leaf_hash, root_after) VALUES (?, ?, ?, ?)"
)

Execute = Callable[[str, Sequence[Any]], Any]
ExecuteMany = Callable[[str, Sequence[Sequence[Any]]], Any]


def to_entry(row: Sequence[Any]) -> Entry:
    """Build an :class:`Entry` from a row of the entry columns."""
    return Entry(
        int(row[0]), row[1], row[2], row[3], row[4], row[5], bytes(row[6]), bytes(row[7]),
        bytes(row[8]), row[9],
    )  # fmt: skip


def insert_entries(executemany: ExecuteMany, entries: Sequence[Entry]) -> None:
    """Insert the entries' event rows, then their leaf rows (the caller holds the transaction).

    One ``executemany`` per table: on PostgreSQL psycopg pipelines it, so a batch
    costs a couple of round trips instead of two per event.
    """
    if not entries:
        return
    executemany(
        INSERT_EVENT,
        [(e.event_id, e.idempotency_key, e.event_type, e.actor, e.event_time, e.envelope,
          e.received_at) for e in entries],
    )  # fmt: skip
    executemany(INSERT_LEAF, [(e.index, e.event_id, e.leaf_hash, e.root_after) for e in entries])


def find_query(
    event_id: str | None, idempotency_key: str | None, index: int | None
) -> tuple[str, Any]:
    """The lookup statement and its argument for :meth:`Store.find` (exactly one key)."""
    if index is not None:
        return SELECT_AT_INDEX, index
    if event_id is not None:
        return SELECT_BY_EVENT, event_id
    return SELECT_BY_KEY, idempotency_key


def current_version(fetch_one: Callable[[str], Any]) -> int:
    """Schema version recorded in ``ledger_meta`` (0 for a fresh database)."""
    try:
        row = fetch_one("SELECT value FROM ledger_meta WHERE key = 'schema_version'")
    except Exception:  # table absent: fresh database
        return 0
    return int(row[0]) if row else 0


def migrate(
    version: int,
    transaction: Callable[[], AbstractContextManager[Execute]],
    types: dict[str, str],
) -> int:
    """Apply the migrations above ``version``, each in its own transaction."""
    for target in sorted(v for v in MIGRATIONS if v > version):
        with transaction() as execute:
            for stmt in MIGRATIONS[target]:
                execute(stmt.format(**types), ())
            execute("DELETE FROM ledger_meta WHERE key = 'schema_version'", ())
            execute(
                "INSERT INTO ledger_meta (key, value) VALUES ('schema_version', ?)", (str(target),)
            )
        logger.info("ledger schema migrated to version %d", target)
    return SCHEMA_VERSION


def iter_entries(rows: Iterator[Sequence[Any]]) -> Iterator[Entry]:
    """Entries from a cursor of entry-column rows."""
    for row in rows:
        yield to_entry(row)
