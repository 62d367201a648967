"""``/api/ledger/documents``: upload a shipping document, fetch one by its SHA-256.

Upload is the REST face of ``orechain ledger doc add``: the raw bytes are the
request body, their ``Content-Type`` must be on the allow-list
(:data:`orechain.ledger.documents.MEDIA_TYPES`) *and* match what the content
is, and the size limit is checked before anything is stored (the declared
length first, then the bytes read). A refused upload stores nothing.

A document is as confidential as the events that cite it: who may read one of
those envelopes (auditors, admins, the signing organisation; see
:func:`orechain.api.ledger_views.may_see_event`) may fetch it. Everyone else,
including anonymous readers, gets 404, as for a document never uploaded, so a
hash cannot be probed for existence. A document no event cites yet is visible
to auditors and admins only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from orechain.api import ledger_views as views
from orechain.api.auth import Principal, access
from orechain.api.errors import ApiError, error_responses
from orechain.api.responses import Svc
from orechain.errors import InputError
from orechain.ledger.documents import (
    DOCUMENT_KINDS,
    MAX_DOCUMENT_BYTES,
    MEDIA_TYPES,
    DocumentRecord,
    check_document,
    document_refs,
    open_document_store,
)
from orechain.ledger.service import Ledger

router = APIRouter(
    prefix="/documents",
    responses=error_responses(415),
)

__all__ = ["DocumentOut", "router"]

Sha256Path = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the document's bytes (64 lowercase hex digits).",
        openapi_examples={"zeros": {"value": "0" * 64}},
    ),
]
_KIND_DOC = "Document kind: " + ", ".join(DOCUMENT_KINDS)
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": f"The document's bytes (at most {MAX_DOCUMENT_BYTES} and the server's "
        "body limit, ORECHAIN_MAX_BODY_BYTES).",
        "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA_TYPES},
    }
}


class DocumentOut(BaseModel):
    """A stored document: what an event cites (``sha256``, ``media_type``, ``kind``)."""

    sha256: str = Field(
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
    )
    media_type: str = Field(examples=["application/pdf"])
    kind: str = Field(examples=["bill-of-lading"])
    size: int = Field(description="Bytes.")
    name: str = Field(description="File name given at upload (not signed, informative).")


def _declared_media(request: Request) -> str:
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        msg = (
            f"media type {media or '(none)'!r} is not accepted; accepted: {', '.join(MEDIA_TYPES)}"
        )
        raise ApiError(415, msg)
    return media


def _declared_size(request: Request) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_DOCUMENT_BYTES:
        msg = f"document has {declared} bytes, more than the limit of {MAX_DOCUMENT_BYTES}"
        raise ApiError(413, msg)


_SUFFIX = {
    "application/json": ".json",
    "application/xml": ".xml",
    "text/csv": ".csv",
    "text/plain": ".txt",
}


@router.post(
    "",
    response_model=DocumentOut,
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    dependencies=[Depends(access("write"))],
)
async def upload_document(
    request: Request,
    svc: Svc,
    kind: Annotated[str, Query(max_length=40, description=_KIND_DOC)],
    name: Annotated[
        str | None, Query(max_length=200, description="File name (informative)")
    ] = None,
) -> DocumentRecord:
    """Store a document (operators) by SHA-256; cite the hash from a signed event.

    Refused before storing, nothing written: an unknown kind (400), a declared
    media type off the allow-list or content that is not of that type (415), an
    empty (400) or too large (413) body.
    """
    media = _declared_media(request)
    _declared_size(request)
    if kind not in DOCUMENT_KINDS:
        raise ApiError(
            400, f"unknown document kind {kind!r}; expected one of {list(DOCUMENT_KINDS)}"
        )
    data = await request.body()
    if len(data) > MAX_DOCUMENT_BYTES:  # a body sent without a declared length
        msg = f"document has {len(data)} bytes, more than the limit of {MAX_DOCUMENT_BYTES}"
        raise ApiError(413, msg)
    label = name or f"upload{_SUFFIX.get(media, '')}"
    try:
        sniffed = check_document(data, label, kind, MAX_DOCUMENT_BYTES)
    except InputError as exc:  # empty or too large stay 400; content of another type is 415
        if exc.field != "media_type":
            raise
        raise ApiError(415, f"content is not of the declared type {media}") from exc
    if sniffed != media:
        raise ApiError(415, f"content is {sniffed}, not of the declared type {media}")

    def put(led: Ledger) -> DocumentRecord:
        store = open_document_store(led.store.url)
        try:
            return store.put(data, label, kind)
        finally:
            store.close()

    return await svc.ledger.run(put)


def _visible(led: Ledger, sha256: str, who: Principal) -> bool:
    citing = [e for e, ref in document_refs(led.state.events.values()) if ref["sha256"] == sha256]
    if who.sees_all:
        return True
    return any(views.may_see_event(led.state, e, who) for e in citing)


@router.get(
    "/{sha256}",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA_TYPES}, "description": "The bytes"}},
)
async def fetch_document(
    sha256: Sha256Path, svc: Svc, who: Annotated[Principal, Depends(access("public"))]
) -> Response:
    """The document's bytes, to who may read an event citing it (else 404)."""

    def read(led: Ledger) -> tuple[bytes, str] | None:
        if not _visible(led, sha256, who):
            return None
        store = open_document_store(led.store.url)
        try:
            record, data = store.record(sha256), store.get(sha256)
        finally:
            store.close()
        return None if record is None or data is None else (data, record.media_type)

    found = await svc.ledger.run(read)
    if found is None:
        raise ApiError(404, f"no document {sha256} visible to this caller")
    data, media = found
    headers = {  # never rendered in the site's origin (an XML document could carry script)
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'attachment; filename="{sha256}"',
    }
    return Response(data, media_type=media, headers=headers)
