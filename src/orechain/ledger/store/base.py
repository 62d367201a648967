"""The storage Protocol every ledger backend implements (SQLite, PostgreSQL).

A store keeps three things: accepted events with their envelope bytes, the log
leaves (index, leaf hash, root after the append) and signed checkpoints. The
event row and its leaf are always written in one transaction under a writer
lock, so the log can neither fork nor hold an event without its leaf.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["SCHEMA_VERSION", "Entry", "Store", "Writer"]

SCHEMA_VERSION = 2
"""Current schema version; migrations bring older databases up to it."""


@dataclass(frozen=True)
class Entry:
    """One log entry: an accepted event and its RFC 9162 leaf."""

    index: int
    """0-based leaf index."""
    event_id: str
    idempotency_key: str
    event_type: str
    actor: str
    event_time: str
    """RFC 3339 UTC time of the event."""
    envelope: bytes
    """RFC 8785 canonical JSON of the signed envelope: the leaf data."""
    leaf_hash: bytes
    root_after: bytes
    """Root hash of the tree right after this append (checked by ``audit``)."""
    received_at: str | None = None
    """RFC 3339 UTC time the log received the event (also inside ``envelope``)."""


class Writer(Protocol):
    """Operations inside one write transaction, holding the writer lock."""

    def entries(self, start: int = 0) -> Iterator[Entry]:
        """Entries from ``start`` on, in index order (to catch up with other writers)."""
        ...

    def append(self, entries: Sequence[Entry]) -> None:
        """Insert events and their leaves."""
        ...

    def add_checkpoint(self, tree_size: int, note: str) -> None:
        """Store a signed checkpoint note."""
        ...


class Store(Protocol):
    """A ledger backend."""

    url: str

    def migrate(self) -> int:
        """Create or upgrade the schema; return the schema version."""
        ...

    def get_meta(self) -> dict[str, str]:
        """Ledger metadata: origin, log verifier key, schema version."""
        ...

    def set_meta(self, items: dict[str, str]) -> None:
        """Write metadata (at ``init``)."""
        ...

    def writing(self) -> AbstractContextManager[Writer]:
        """Take the writer lock and open a transaction; commit on success."""
        ...

    def entries(self, start: int = 0) -> Iterator[Entry]:
        """Committed entries from ``start`` on, in index order."""
        ...

    def raw_rows(self) -> Iterator[tuple[Any, ...]]:
        """Every stored column of every row, for ``audit``.

        (leaf index, leaf's event id, event id, idempotency key, event type, actor,
        event time, envelope, leaf hash, root after, received at), ordered by leaf index, with
        events that lack a leaf last (index None) and leaves without an event
        having None in the event columns.
        """
        ...

    def find(
        self,
        *,
        event_id: str | None = None,
        idempotency_key: str | None = None,
        index: int | None = None,
    ) -> Entry | None:
        """The committed entry at this leaf index, or with this event id or idempotency key."""
        ...

    def size(self) -> int:
        """Number of committed leaves."""
        ...

    def checkpoints(self) -> list[tuple[int, str]]:
        """Stored (tree size, signed note) pairs, by size."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
