"""Transparency-log service: signed checkpoints, inclusion and consistency proofs.

A checkpoint is signed only over entries already committed — on SQLite with
``synchronous=FULL`` that means durable — so a signed head can never cover an
entry a crash could roll back (which would fork the log). Proof bundles are
plain JSON files that :mod:`orechain.ledger.verify` checks offline.

References
----------
.. [1] RFC 9162 §2.1 (proofs), §4.10 (signed tree heads).
.. [2] C2SP tlog-checkpoint and signed-note.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from orechain.errors import InputError, IntegrityError, NotFoundError, OreChainError
from orechain.ledger import keys, merkle
from orechain.ledger.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint
from orechain.ledger.envelope import open_envelope
from orechain.ledger.service import Ledger
from orechain.ledger.store import Entry

logger = logging.getLogger(__name__)

INCLUSION_KIND = "orechain-inclusion-proof/v1"
CONSISTENCY_KIND = "orechain-consistency-proof/v1"

__all__ = ["create_checkpoint", "inclusion_bundle", "consistency_bundle", "latest_checkpoint"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def create_checkpoint(ledger: Ledger, key: keys.Ed25519PrivateKey) -> str:
    """Sign and store a checkpoint over every committed entry; return the note text.

    Raises
    ------
    IntegrityError
        If ``key`` is not the log key recorded at ``init``.
    """
    if keys.public_bytes(key) != ledger.log_public_key:
        msg = "this key is not the ledger's log key (see `orechain ledger init`)"
        raise IntegrityError(msg)
    with ledger.store.writing() as writer:
        ledger._sync(writer.entries(ledger.tree.size))  # catch up under the lock
        tree = ledger.tree
        cp = Checkpoint(ledger.origin, tree.size, tree.root())
        note = sign_checkpoint(cp, ledger.origin, key)
        writer.add_checkpoint(cp.tree_size, note)
    logger.info("signed checkpoint at size %d", cp.tree_size)
    return note


def latest_checkpoint(ledger: Ledger, max_size: int | None = None) -> str:
    """The latest stored checkpoint note (of size ≤ ``max_size`` if given)."""
    found = [n for s, n in ledger.store.checkpoints() if max_size is None or s <= max_size]
    if not found:
        msg = "no checkpoint yet; run `orechain ledger checkpoint`"
        raise NotFoundError(msg)
    return found[-1]


def _checkpoint_at_least(ledger: Ledger, size: int) -> tuple[str, Checkpoint]:
    for tree_size, note in ledger.store.checkpoints():
        if tree_size >= size:
            return note, verify_checkpoint(note, ledger.origin, ledger.log_public_key)
    msg = f"no checkpoint covers {size} entries; run `orechain ledger checkpoint`"
    raise NotFoundError(msg)


def inclusion_bundle(
    ledger: Ledger, ref: str | int, checkpoint: str | None = None
) -> dict[str, Any]:
    """Proof file that an event is in the log under a signed checkpoint.

    Parameters
    ----------
    ref
        Event id or leaf index.
    checkpoint
        Signed note to prove against; default: the first stored one covering it.
    """
    entry = ledger.entry(ref)
    if checkpoint is None:
        checkpoint, cp = _checkpoint_at_least(ledger, entry.index + 1)
    else:
        cp = verify_checkpoint(checkpoint, ledger.origin, ledger.log_public_key)
    if entry.index >= cp.tree_size:
        msg = f"entry {entry.index} is not covered by a checkpoint of size {cp.tree_size}"
        raise InputError(msg)
    _check_row(entry)
    proof = ledger.tree.inclusion_proof(entry.index, cp.tree_size)
    if ledger.tree.leaf_hash_at(entry.index) != entry.leaf_hash:
        msg = f"stored leaf {entry.index} differs from the log's tree; run `orechain ledger audit`"
        raise IntegrityError(msg)
    return {
        "kind": INCLUSION_KIND,
        "origin": ledger.origin,
        "event_id": entry.event_id,
        "leaf_index": entry.index,
        "tree_size": cp.tree_size,
        "envelope": entry.envelope.decode("utf-8"),
        "leaf_hash": _b64(entry.leaf_hash),
        "inclusion_path": [_b64(h) for h in proof],
        "checkpoint": checkpoint,
    }


def _check_row(entry: Entry) -> None:
    """Refuse to prove a row whose columns disagree with its own leaf bytes.

    A relabelled row (its ``event_id`` column edited) would otherwise get the
    proof of another event; ``audit`` names such rows, this keeps the proof
    endpoint from serving them meanwhile.
    """
    bad = merkle.leaf_hash(entry.envelope) != entry.leaf_hash
    if not bad:
        try:
            bad = open_envelope(entry.envelope).event.event_id != entry.event_id
        except OreChainError:
            bad = True
    if bad:
        msg = f"stored row of leaf {entry.index} does not match its envelope; run `audit`"
        raise IntegrityError(msg)


def consistency_bundle(
    ledger: Ledger, old_size: int, new_size: int | None = None
) -> dict[str, Any]:
    """Proof file that the tree of ``new_size`` entries extends that of ``old_size``.

    Stored checkpoints signed at exactly those sizes are embedded, so the file
    verifies on its own; a verifier may instead supply checkpoints it trusts.
    """
    tree = ledger.tree
    n = tree.size if new_size is None else new_size
    proof = tree.consistency_proof(old_size, n)
    notes = dict(ledger.store.checkpoints())
    return {
        "kind": CONSISTENCY_KIND,
        "origin": ledger.origin,
        "old_size": old_size,
        "new_size": n,
        "old_root": _b64(tree.root(old_size)),
        "new_root": _b64(tree.root(n)),
        "consistency_path": [_b64(h) for h in proof],
        "old_checkpoint": notes.get(old_size),
        "checkpoint": notes.get(n),
    }
