"""Content-addressed store of shipping documents bound to ledger events.

A bill of lading, an assay certificate or a permit is stored under the SHA-256
of its bytes; an event references it by that hash, its media type and its kind
inside the signed body (:class:`orechain.ledger.events.DocumentRef`), so the
event's signature covers the document. The store sits beside the ledger and is
pluggable: a folder next to a SQLite file, a table in PostgreSQL. Documents may
be confidential and held elsewhere, so a reference without its bytes is
reported as *missing*, never silently accepted as present; bytes that do not
hash to their name are *mismatching*, which is tampering.

Only a short allow-list of media types is accepted, recognised from the file's
own leading bytes (not trusted from its name alone), up to a size limit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from orechain.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from orechain.ledger.domain import LedgerState

logger = logging.getLogger(__name__)

__all__ = [
    "DOCUMENT_KINDS",
    "MAX_DOCUMENT_BYTES",
    "MEDIA_TYPES",
    "DocumentAudit",
    "DocumentRecord",
    "DocumentStore",
    "FolderDocumentStore",
    "PostgresDocumentStore",
    "audit_documents",
    "check_document",
    "document_refs",
    "open_document_store",
    "sniff_media_type",
]

DOCUMENT_KINDS: tuple[str, ...] = (
    "bill-of-lading",
    "assay-certificate",
    "certificate-of-origin",
    "export-permit",
    "weight-certificate",
    "invoice",
    "packing-list",
)
"""Kinds of trade documents an event may reference."""

MEDIA_TYPES: tuple[str, ...] = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/json",
    "application/xml",
    "text/plain",
    "text/csv",
)
"""Media types accepted into the store (RFC 6838 names)."""

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
"""Largest document accepted [bytes] (20 MiB: a scanned multi-page PDF)."""

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_TEXT_SUFFIX = {
    ".json": "application/json",
    ".xml": "application/xml",
    ".csv": "text/csv",
    ".txt": "text/plain",
}


@dataclass(frozen=True)
class DocumentRecord:
    """A stored document: its hash (lowercase hex), media type, kind, size [bytes], file name."""

    sha256: str
    media_type: str
    kind: str
    size: int
    name: str = ""

    def ref(self) -> dict[str, str]:
        """The reference an event carries (what the signature covers)."""
        return {"sha256": self.sha256, "media_type": self.media_type, "kind": self.kind}


def sniff_media_type(data: bytes, name: str) -> str | None:
    """Media type from the leading bytes (binary) or the suffix of valid UTF-8 text."""
    for magic, media in _MAGIC:
        if data.startswith(magic):
            return media
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text_media = _TEXT_SUFFIX.get(Path(name).suffix.lower())
    if text_media == "application/json":
        try:
            json.loads(text)
        except ValueError:
            return None
    if text_media == "application/xml" and not text.lstrip().startswith("<"):
        return None
    return text_media


def check_document(data: bytes, name: str, kind: str, limit: int = MAX_DOCUMENT_BYTES) -> str:
    """Validate a document before storing it; return its media type.

    Raises
    ------
    InputError
        Empty, larger than ``limit``, an unknown kind, or a media type outside
        :data:`MEDIA_TYPES`.
    """
    if kind not in DOCUMENT_KINDS:
        msg = f"unknown document kind {kind!r}; expected one of {list(DOCUMENT_KINDS)}"
        raise InputError(msg, source=name, field="kind")
    if not data:
        msg = "document is empty"
        raise InputError(msg, source=name)
    if len(data) > limit:
        msg = f"document has {len(data)} bytes, more than the limit of {limit}"
        raise InputError(msg, source=name)
    media = sniff_media_type(data, name)
    if media is None:
        msg = (
            "unknown media type; accepted: PDF, PNG, JPEG (by content) and UTF-8 "
            ".json, .xml, .csv, .txt"
        )
        raise InputError(msg, source=name, field="media_type")
    return media


class DocumentStore(Protocol):
    """Where documents live beside a ledger."""

    def put(self, data: bytes, name: str, kind: str) -> DocumentRecord:
        """Validate and store ``data`` under its SHA-256 (idempotent)."""
        ...

    def get(self, sha256: str) -> bytes | None:
        """The stored bytes, or None if the store does not hold them."""
        ...

    def record(self, sha256: str) -> DocumentRecord | None:
        """Metadata of a stored document, or None."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


def _record(data: bytes, name: str, kind: str, limit: int) -> DocumentRecord:
    media = check_document(data, name, kind, limit)
    digest = hashlib.sha256(data).hexdigest()
    return DocumentRecord(digest, media, kind, len(data), Path(name).name)


def _check_hash(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        msg = f"{sha256!r} is not a SHA-256 hash (64 lowercase hex digits)"
        raise InputError(msg, field="sha256")
    return sha256


class FolderDocumentStore:
    """Documents as files ``<root>/<h[:2]>/<h>`` with a JSON sidecar; writes are atomic."""

    def __init__(self, root: Path, limit: int = MAX_DOCUMENT_BYTES) -> None:
        self.root = root
        self.limit = limit

    def _path(self, sha256: str) -> Path:
        return self.root / _check_hash(sha256)[:2] / sha256

    def put(self, data: bytes, name: str, kind: str) -> DocumentRecord:  # noqa: D102
        rec = _record(data, name, kind, self.limit)
        path = self._path(rec.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _atomic_write(path, data)
        meta = path.with_suffix(".json")
        if not meta.exists():
            _atomic_write(meta, json.dumps(asdict(rec), sort_keys=True).encode())
        return self.record(rec.sha256) or rec

    def get(self, sha256: str) -> bytes | None:  # noqa: D102
        path = self._path(sha256)
        return path.read_bytes() if path.is_file() else None

    def record(self, sha256: str) -> DocumentRecord | None:  # noqa: D102
        meta = self._path(sha256).with_suffix(".json")
        return DocumentRecord(**json.loads(meta.read_text())) if meta.is_file() else None

    def close(self) -> None:  # noqa: D102
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


_PG_DDL = """CREATE TABLE IF NOT EXISTS ledger_documents (
    sha256 TEXT PRIMARY KEY, media_type TEXT NOT NULL, kind TEXT NOT NULL,
    size BIGINT NOT NULL, name TEXT NOT NULL, content BYTEA NOT NULL)"""


class PostgresDocumentStore:
    """Documents in a ``ledger_documents`` table of the ledger's PostgreSQL database."""

    def __init__(self, url: str, limit: int = MAX_DOCUMENT_BYTES) -> None:
        import psycopg

        self.conn: Any = psycopg.connect(url, autocommit=True)
        self.conn.execute(_PG_DDL)
        self.limit = limit

    def put(self, data: bytes, name: str, kind: str) -> DocumentRecord:  # noqa: D102
        rec = _record(data, name, kind, self.limit)
        self.conn.execute(
            "INSERT INTO ledger_documents (sha256, media_type, kind, size, name, content) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
            (rec.sha256, rec.media_type, rec.kind, rec.size, rec.name, data),
        )
        return self.record(rec.sha256) or rec

    def get(self, sha256: str) -> bytes | None:  # noqa: D102
        row = self.conn.execute(
            "SELECT content FROM ledger_documents WHERE sha256 = %s", (_check_hash(sha256),)
        ).fetchone()
        return bytes(row[0]) if row else None

    def record(self, sha256: str) -> DocumentRecord | None:  # noqa: D102
        row = self.conn.execute(
            "SELECT sha256, media_type, kind, size, name FROM ledger_documents WHERE sha256 = %s",
            (_check_hash(sha256),),
        ).fetchone()
        return DocumentRecord(*row) if row else None

    def close(self) -> None:  # noqa: D102
        self.conn.close()


def open_document_store(url: str) -> DocumentStore:
    """The document store of the ledger at ``url``: a table for PostgreSQL, else a folder.

    The folder of a SQLite ledger ``ledger.db`` is ``ledger.db.docs/`` beside it.
    """
    from orechain.settings import is_postgres_url

    if is_postgres_url(url):
        return PostgresDocumentStore(url)
    path = Path(url.removeprefix("sqlite:///"))
    return FolderDocumentStore(path.with_name(path.name + ".docs"))


def resolve_ref(store: DocumentStore, sha256: str) -> dict[str, str]:
    """The event reference of a stored document (``ledger doc add`` first).

    Raises
    ------
    NotFoundError
        The store holds no document with this hash.
    """
    rec = store.record(_check_hash(sha256.removeprefix("sha256:").lower()))
    if rec is None:
        msg = f"no document {sha256} in the store; add it with `orechain ledger doc add FILE`"
        raise NotFoundError(msg)
    return rec.ref()


def document_refs(events: Iterable[Any]) -> list[tuple[str, dict[str, str]]]:
    """(event id, reference) of every document the events reference, in order."""
    out: list[tuple[str, dict[str, str]]] = []
    for e in events:
        for d in getattr(e, "documents", ()):
            out.append(
                (e.event_id, {"sha256": d.sha256, "media_type": d.media_type, "kind": d.kind})
            )
    return out


@dataclass(frozen=True)
class DocumentAudit:
    """Outcome of :func:`audit_documents`: counts and the event/hash pairs at fault."""

    referenced: int
    present: int
    missing: list[dict[str, str]]
    mismatching: list[dict[str, str]]

    @property
    def ok(self) -> bool:
        """No stored document fails its hash (missing ones may be held elsewhere)."""
        return not self.mismatching


def audit_documents(state: LedgerState, store: DocumentStore) -> DocumentAudit:
    """Check every referenced document is in ``store`` and hashes to its reference."""
    refs = document_refs(state.events.values())
    missing: list[dict[str, str]] = []
    bad: list[dict[str, str]] = []
    for event_id, ref in refs:
        data = store.get(ref["sha256"])
        row = {"event_id": event_id, **ref}
        if data is None:
            missing.append(row)
        elif hashlib.sha256(data).hexdigest() != ref["sha256"]:
            bad.append(row)
        elif sniff_media_type(data, _suffix_for(ref["media_type"])) != ref["media_type"]:
            bad.append({**row, "reason": "media type differs"})
    return DocumentAudit(len(refs), len(refs) - len(missing) - len(bad), missing, bad)


def _suffix_for(media_type: str) -> str:
    return next((f"x{s}" for s, m in _TEXT_SUFFIX.items() if m == media_type), "x")
