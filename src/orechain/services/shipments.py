"""Shipment use cases: add a document, record custody events, pack and export a lot.

One place for what ``orechain ledger doc add|extract|ship|…|pack|untp`` do, so
any other face (API, scripts) does the same: events are validated before they
are signed, then submitted all-or-nothing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orechain.errors import ConflictError, InputError, NotFoundError
from orechain.ledger import keys
from orechain.ledger.commands import complete, signer_org
from orechain.ledger.documents import DocumentRecord, open_document_store, resolve_ref
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import sign_event
from orechain.ledger.events import parse_event
from orechain.ledger.service import Ledger, Receipt

__all__ = [
    "add_document",
    "current_key",
    "lot_pack",
    "lot_untp",
    "record_events",
    "unsigned_untp",
]


def add_document(
    url: str, path: Path, kind: str, expect_sha256: str | None = None
) -> DocumentRecord:
    """Store the file ``path`` as a ``kind`` document beside the ledger at ``url``.

    ``expect_sha256``: the hash an event already cites (a document received from
    elsewhere); a file that does not hash to it is refused.

    Raises
    ------
    InputError
        Unreadable, empty, too large, of a media type not allowed, or not hashing
        to ``expect_sha256``; nothing is stored.
    """
    if not path.is_file():
        msg = f"{path} does not exist or is not a file"
        raise InputError(msg, source=str(path))
    with Ledger.open(url):  # a document store only beside an existing ledger
        pass
    data = path.read_bytes()
    if expect_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expect_sha256.removeprefix("sha256:").lower():
            msg = f"hashes to {actual}, not the expected {expect_sha256}"
            raise InputError(msg, source=str(path), field="sha256")
    store = open_document_store(url)
    try:
        return store.put(data, str(path), kind)
    finally:
        store.close()


def record_events(
    url: str,
    kind: str,
    bodies: list[dict[str, Any]],
    key: keys.Ed25519PrivateKey,
    sources: list[str] | None = None,
) -> list[Receipt]:
    """Complete, validate, sign and submit ``kind`` events; all are accepted or none.

    Each body is completed by :func:`orechain.ledger.commands.complete` (the
    actor defaults to the key's organisation) and parsed against the event
    schema before anything is signed.
    """
    srcs = sources or [f"{kind}[{i}]" for i in range(len(bodies))]
    with Ledger.open(url) as led:
        actor = signer_org(led.state, keys.key_id(keys.public_bytes(key)))
        store = open_document_store(url)
        try:
            events = [complete(b, kind, actor, lambda h: resolve_ref(store, h)) for b in bodies]
        finally:
            store.close()
        for event, src in zip(events, srcs, strict=True):
            parse_event(event, source=src)
        envs = [sign_event(e, key, origin=led.origin) for e in events]
        return led.submit_many(envs, sources=srcs)


def lot_pack(
    url: str, lot_id: str, *, checkpoint: str | None = None, withhold: tuple[str, ...] = ()
) -> bytes:
    """The evidence pack (zip bytes) of ``lot_id`` (:func:`orechain.ledger.pack.build_pack`)."""
    from orechain.ledger.pack import build_pack

    store = open_document_store(url)
    try:
        with Ledger.open(url) as led:
            return build_pack(led, lot_id, store, checkpoint=checkpoint, withhold=withhold)
    finally:
        store.close()


def lot_untp(
    url: str, lot_id: str, key: keys.Ed25519PrivateKey
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Signed UNTP (DPP, DTE) credentials of ``lot_id`` issued by the owner of ``key``."""
    from orechain.ledger.untp import export_lot

    with Ledger.open(url) as led:
        return export_lot(led.state, led.origin, lot_id, key)


def current_key(state: LedgerState, org_id: str, at: datetime | None = None) -> bytes:
    """The public key ``org_id`` may sign with at ``at`` (now): the newest valid one.

    Raises
    ------
    NotFoundError
        No such organisation.
    ConflictError
        It has no key valid at that time (all expired or revoked).
    """
    org = state.orgs.get(org_id)
    if org is None:
        msg = f"no organisation {org_id!r} in this ledger"
        raise NotFoundError(msg)
    t = at or datetime.now(UTC)
    valid = [k for k in org.keys.values() if k.invalid_reason(t) is None]
    if not valid:
        msg = f"organisation {org_id!r} has no key valid at {t.isoformat()}"
        raise ConflictError(msg)
    return max(valid, key=lambda k: (k.valid_from, k.key_id)).public


def unsigned_untp(ledger: Ledger, lot_id: str, org_id: str) -> dict[str, Any]:
    """The UNTP credentials of ``lot_id`` for ``org_id`` to sign with its own key.

    The server holds no organisation's key, and the log key speaks for the log,
    not for the goods; so it hands out the credentials unsigned, naming the
    organisation's current key as issuer, and the organisation signs them with
    :func:`orechain.ledger.untp.sign_lot` (``oc.sign_untp``).
    """
    from orechain.ledger.untp import did_key, unsigned_lot

    public = current_key(ledger.state, org_id)
    dpp, dte = unsigned_lot(ledger.state, ledger.origin, lot_id, public)
    return {"issuer": did_key(public), "signed": False, "dpp": dpp, "dte": dte}
