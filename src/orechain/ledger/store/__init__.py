"""Ledger storage backends behind one Protocol; :func:`open_store` picks one by URL."""

from __future__ import annotations

from pathlib import Path

from orechain.ledger.store.base import Entry, Store, Writer

__all__ = ["Entry", "Store", "Writer", "open_store"]


def open_store(url: str) -> Store:
    """Open the store at ``url``: ``postgresql://…`` or a SQLite path / ``sqlite:///path``."""
    from orechain.settings import is_postgres_url

    if is_postgres_url(url):
        from orechain.ledger.store.postgres import PostgresStore

        return PostgresStore(url)
    from orechain.ledger.store.sqlite import SqliteStore

    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    return SqliteStore(Path(path))
