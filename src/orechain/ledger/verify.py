"""Offline verification: needs only the log's verifier key and the proof files.

An inclusion bundle carries the event's canonical envelope, its audit path and
the signed checkpoint; a consistency bundle carries two sizes, two roots and the
proof, checked against two signed checkpoints. No database and no network.

References
----------
.. [1] RFC 9162 §2.1.3.2 and §2.1.4.2 (verification algorithms).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from orechain.errors import InputError, IntegrityError
from orechain.ledger import merkle
from orechain.ledger.checkpoint import Checkpoint, parse_vkey, verify_checkpoint
from orechain.ledger.envelope import SignedEnvelope, open_envelope
from orechain.ledger.events import format_time
from orechain.ledger.log import CONSISTENCY_KIND, INCLUSION_KIND

__all__ = ["VerifiedInclusion", "verify_consistency_bundle", "verify_inclusion_bundle"]


@dataclass(frozen=True)
class VerifiedInclusion:
    """What a successful inclusion check establishes, all derived from the proven leaf.

    ``event_id``, ``actor`` and ``key_id`` come from the envelope in the bundle,
    never from the bundle's own labels; a public bundle (envelope withheld)
    proves only ``leaf_hash``, and these are None.
    """

    leaf_index: int
    checkpoint: Checkpoint
    leaf_hash: bytes
    event_id: str | None = None
    actor: str | None = None
    key_id: str | None = None
    event_type: str | None = None
    event_time: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary for the CLI."""
        return {
            "ok": True,
            "leaf_index": self.leaf_index,
            "tree_size": self.checkpoint.tree_size,
            "leaf_hash": base64.b64encode(self.leaf_hash).decode(),
            "event_id": self.event_id,
            "event_type": self.event_type,
            "actor": self.actor,
            "key_id": self.key_id,
            "event_time": self.event_time,
            "proves": "the envelope" if self.event_id else "the leaf hash only (body withheld)",
        }


def _b64list(items: Any, field: str) -> list[bytes]:
    try:
        return [base64.b64decode(x, validate=True) for x in items]
    except (binascii.Error, TypeError) as exc:
        msg = f"{field} must be a list of base64 hashes"
        raise InputError(msg, field=field) from exc


def _require_kind(bundle: dict[str, Any], kind: str) -> None:
    if bundle.get("kind") != kind:
        msg = f"expected a {kind} file, got {bundle.get('kind')!r}"
        raise InputError(msg, field="kind")


def verify_inclusion_bundle(
    bundle: dict[str, Any], vkey: str, checkpoint: str | None = None
) -> VerifiedInclusion:
    """Check an inclusion bundle against the log key ``vkey``.

    Parameters
    ----------
    bundle
        Output of :func:`orechain.ledger.log.inclusion_bundle`.
    vkey
        The log's signed-note verifier key (``name+hash+key``), obtained out of band.
    checkpoint
        A signed checkpoint to use instead of the one in the bundle (for example
        one fetched from a witness).

    Raises
    ------
    IntegrityError
        If the checkpoint signature, the origin or the inclusion proof fails.
    """
    _require_kind(bundle, INCLUSION_KIND)
    name, public = parse_vkey(vkey)
    cp = verify_checkpoint(_note(checkpoint, bundle, "checkpoint"), name, public)
    if cp.origin != bundle.get("origin") or cp.tree_size != bundle.get("tree_size"):
        msg = "bundle origin or tree size does not match its checkpoint"
        raise IntegrityError(msg)
    leaf, env = _proven_leaf(bundle)
    path = _b64list(bundle.get("inclusion_path"), "inclusion_path")
    index = bundle.get("leaf_index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        msg = "leaf_index must be a non-negative integer"
        raise InputError(msg, field="leaf_index")
    if not merkle.verify_inclusion(leaf, index, cp.tree_size, path, cp.root_hash):
        msg = f"inclusion proof of leaf {index} fails against the checkpoint at size {cp.tree_size}"
        raise IntegrityError(msg)
    if env is None:
        return VerifiedInclusion(index, cp, leaf)
    event = env.event
    return VerifiedInclusion(
        index, cp, leaf, event.event_id, event.actor, env.key_id, event.name,
        format_time(event.time),
    )  # fmt: skip


def _proven_leaf(bundle: dict[str, Any]) -> tuple[bytes, SignedEnvelope | None]:
    """The leaf hash to prove, from the envelope if present, else from ``leaf_hash``.

    Labels in the bundle (``event_id``, ``leaf_hash``) must agree with the
    envelope; they are never reported on their own word.
    """
    envelope = bundle.get("envelope")
    claimed = bundle.get("leaf_hash")
    claimed_hash = _b64list([claimed], "leaf_hash")[0] if claimed is not None else None
    if envelope is None:
        if claimed_hash is None:
            msg = "the bundle has neither an envelope nor a leaf_hash"
            raise InputError(msg, field="envelope")
        return claimed_hash, None
    if not isinstance(envelope, str):
        msg = "envelope must be the leaf's canonical JSON text"
        raise InputError(msg, field="envelope")
    data = envelope.encode("utf-8")
    env = open_envelope(data, source="bundle envelope", require_canonical=True)
    leaf = merkle.leaf_hash(data)
    if claimed_hash is not None and claimed_hash != leaf:
        msg = "the bundle's leaf_hash is not the hash of its envelope"
        raise IntegrityError(msg)
    label = bundle.get("event_id")
    if label is not None and label != env.event.event_id:
        msg = f"the bundle names event {label!r} but its envelope is event {env.event.event_id!r}"
        raise IntegrityError(msg)
    return leaf, env


def _note(given: str | None, bundle: dict[str, Any], key: str) -> str:
    note = given or bundle.get(key)
    if not isinstance(note, str):
        msg = f"no {key.replace('_', ' ')}: pass one or use a bundle that embeds it"
        raise InputError(msg, field=key)
    return note


def verify_consistency_bundle(
    bundle: dict[str, Any],
    vkey: str,
    old_checkpoint: str | None = None,
    new_checkpoint: str | None = None,
) -> tuple[Checkpoint, Checkpoint]:
    """Check that the log under ``new_checkpoint`` extends the one under ``old_checkpoint``.

    Checkpoints default to those embedded in the bundle; pass ones you obtained
    independently (e.g. kept from an earlier visit, or from a witness) to detect
    a log that shows different views to different readers.

    Raises
    ------
    IntegrityError
        If a signature fails, sizes or roots differ from the checkpoints, or the
        consistency proof fails (the log was rewritten, i.e. forked).
    """
    _require_kind(bundle, CONSISTENCY_KIND)
    name, public = parse_vkey(vkey)
    old = verify_checkpoint(_note(old_checkpoint, bundle, "old_checkpoint"), name, public)
    new = verify_checkpoint(_note(new_checkpoint, bundle, "checkpoint"), name, public)
    if (old.tree_size, new.tree_size) != (bundle.get("old_size"), bundle.get("new_size")):
        msg = "bundle sizes do not match the checkpoints"
        raise IntegrityError(msg)
    path = _b64list(bundle.get("consistency_path"), "consistency_path")
    if not merkle.verify_consistency(
        old.tree_size, new.tree_size, old.root_hash, new.root_hash, path
    ):
        msg = f"log at size {new.tree_size} is not consistent with size {old.tree_size}"
        raise IntegrityError(msg)
    return old, new
