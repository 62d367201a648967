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
from orechain.ledger.log import CONSISTENCY_KIND, INCLUSION_KIND

__all__ = ["VerifiedInclusion", "verify_consistency_bundle", "verify_inclusion_bundle"]


@dataclass(frozen=True)
class VerifiedInclusion:
    """What a successful inclusion check establishes."""

    event_id: str
    leaf_index: int
    checkpoint: Checkpoint


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
    cp = verify_checkpoint(checkpoint or bundle["checkpoint"], name, public)
    if cp.origin != bundle.get("origin") or cp.tree_size != bundle.get("tree_size"):
        msg = "bundle origin or tree size does not match its checkpoint"
        raise IntegrityError(msg)
    leaf = merkle.leaf_hash(str(bundle["envelope"]).encode("utf-8"))
    path = _b64list(bundle.get("inclusion_path"), "inclusion_path")
    index = int(bundle["leaf_index"])
    if not merkle.verify_inclusion(leaf, index, cp.tree_size, path, cp.root_hash):
        msg = f"inclusion proof of leaf {index} fails against the checkpoint at size {cp.tree_size}"
        raise IntegrityError(msg)
    return VerifiedInclusion(str(bundle.get("event_id")), index, cp)


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
