"""Ledger storage backends behind one Protocol; :func:`open_store` picks one by URL."""

from __future__ import annotations

import re
from pathlib import Path

from orechain.errors import InputError, NotFoundError
from orechain.ledger.store.base import Entry, Store, Writer

__all__ = ["Entry", "Store", "Writer", "open_store"]


def open_store(url: str, *, create: bool = False) -> Store:
    """Open the store at ``url``: ``postgresql://…`` or a SQLite path / ``sqlite:///path``.

    Parameters
    ----------
    create
        Create a missing SQLite file (only ``init`` does); otherwise a missing
        file is an error and nothing is created, so a mistyped ``--db`` leaves
        no stray files or directories behind.

    Raises
    ------
    InputError
        An unsupported URL scheme, a directory, or a file that is not SQLite.
    NotFoundError
        A missing SQLite file when ``create`` is false.
    """
    from orechain.settings import is_postgres_url

    if is_postgres_url(url):
        from orechain.ledger.store.postgres import PostgresStore

        return PostgresStore(url)
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", url)
    if scheme and not url.startswith("sqlite:///"):
        msg = (
            f"unsupported database URL scheme {scheme.group(1)!r}; "
            "use a SQLite path, sqlite:///PATH or postgresql://"
        )
        raise InputError(msg, field="database_url")
    from orechain.ledger.store.sqlite import SqliteStore

    path = Path(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url)
    if path.is_dir():
        msg = "is a directory, not a ledger database file"
        raise InputError(msg, source=str(path))
    if not create and not path.is_file():
        msg = f"no ledger at {path}; run `orechain ledger init --db {path}` first"
        raise NotFoundError(msg)
    return SqliteStore(path)
