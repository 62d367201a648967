"""Shipment use cases: add a document, record custody events, pack and export a lot.

One place for what ``orechain ledger doc add|extract|ship|…|pack|untp`` do, so
any other face (API, scripts) does the same: events are validated before they
are signed, then submitted all-or-nothing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orechain.errors import ConflictError, InputError, NotFoundError
from orechain.ledger import keys
from orechain.ledger.commands import complete, signer_org
from orechain.ledger.documents import (
    DocumentRecord,
    DocumentStore,
    open_document_store,
    resolve_ref,
)
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import sign_event
from orechain.ledger.events import parse_event
from orechain.ledger.service import Ledger, Receipt

if TYPE_CHECKING:
    from orechain.ledger.pack import PackReport

__all__ = [
    "add_document",
    "check_pack",
    "current_key",
    "lot_pack",
    "lot_untp",
    "pack_lot",
    "record_events",
    "sign_untp",
    "store_document",
    "unsigned_untp",
    "untp_credentials",
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
    """The evidence pack (zip bytes) of ``lot_id`` in the ledger at ``url`` (:func:`pack_lot`)."""
    with Ledger.open(url) as led:
        return pack_lot(led, lot_id, checkpoint=checkpoint, withhold=withhold)


def lot_untp(
    url: str, lot_id: str, key: keys.Ed25519PrivateKey
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Signed UNTP (DPP, DTE) credentials of ``lot_id`` issued by the owner of ``key``."""
    with Ledger.open(url) as led:
        return untp_credentials(led, lot_id, key)


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


def _document_store_of(ledger: Ledger) -> DocumentStore:
    return open_document_store(ledger.store.url)


def store_document(
    ledger: Ledger, path: str | Path, kind: str, expect_sha256: str | None = None
) -> DocumentRecord:
    """Store a file as a ``kind`` document beside an open ledger (``oc.add_document``).

    The same checks as :func:`add_document` (``orechain ledger doc add``);
    returns the record whose :meth:`~DocumentRecord.ref` an event cites.
    """
    return add_document(ledger.store.url, Path(path), kind, expect_sha256)


def pack_lot(
    ledger: Ledger, lot_id: str, *, checkpoint: str | None = None, withhold: tuple[str, ...] = ()
) -> bytes:
    """The evidence pack (zip bytes) of ``lot_id`` in an open ledger (``oc.pack_lot``).

    ``checkpoint``: a signed (e.g. cosigned) checkpoint note to prove against,
    default the latest stored; ``withhold``: document kinds packed as hashes only.
    """
    from orechain.ledger.pack import build_pack

    store = _document_store_of(ledger)
    try:
        return build_pack(ledger, lot_id, store, checkpoint=checkpoint, withhold=withhold)
    finally:
        store.close()


def check_pack(data: bytes | Path, vkey: str, policy: str | None = None) -> PackReport:
    """Verify an evidence pack offline (``oc.verify_pack``); raise naming the first failure.

    ``vkey`` is the log's verifier key; ``policy`` the text of a tlog-policy
    file, and then the pack's checkpoint counts only with its witness quorum.

    Raises
    ------
    IntegrityError
        ``<member>: <reason>`` for the first part of the pack that fails.
    InputError
        A policy that does not parse.
    """
    from orechain.ledger.pack import verify_pack
    from orechain.transparency.policy import parse_policy, verify_with_policy

    raw = data.read_bytes() if isinstance(data, Path) else data
    if policy is None:
        return verify_pack(raw, vkey)
    trust = parse_policy(policy)
    return verify_pack(raw, vkey, lambda note: verify_with_policy(note, trust))


def untp_credentials(
    ledger: Ledger, lot_id: str, key: keys.Ed25519PrivateKey | str | Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Signed UNTP (DPP, DTE) credentials of ``lot_id`` (``oc.untp_credentials``).

    ``key`` is the issuing organisation's Ed25519 key or its PEM file; it must
    be a key of an organisation registered in the ledger.
    """
    from orechain.ledger.untp import export_lot

    private = key if isinstance(key, keys.Ed25519PrivateKey) else keys.load_private_key(Path(key))
    return export_lot(ledger.state, ledger.origin, lot_id, private)


def sign_untp(
    dpp: dict[str, Any], dte: dict[str, Any], key: keys.Ed25519PrivateKey | str | Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sign the unsigned credentials of ``GET /api/ledger/lots/{lot}/untp`` (``oc.sign_untp``)."""
    from orechain.ledger.untp import sign_lot

    private = key if isinstance(key, keys.Ed25519PrivateKey) else keys.load_private_key(Path(key))
    return sign_lot(dpp, dte, private)
