"""Audit: recompute everything from storage and name the first index that breaks.

Checks, in order, for each stored row: the leaf indices run 0, 1, 2… without gap
or duplicate (a deleted or inserted row); the stored leaf hash is the hash of the
stored envelope (an edited row); the running root equals the stored root after
the append (a reordered row); the envelope bytes are RFC 8785 canonical and every
column that queries use (event id in both tables, idempotency key, type, actor,
time) equals what the envelope says (a relabelled row); the event, replayed
through the full acceptance checks from an empty state, is accepted (a forged or
re-signed row). Finally every stored checkpoint must verify under the log key
and match the recomputed root at its size: if an attacker rewrote rows and their
hashes consistently, the signed checkpoints still catch it.

References
----------
.. [1] RFC 9162 §2.1 and §8 (misbehaviour detection).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orechain.errors import IntegrityError, OreChainError
from orechain.ledger import acceptance
from orechain.ledger.checkpoint import verify_checkpoint
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import SignedEnvelope, open_envelope
from orechain.ledger.events import format_time
from orechain.ledger.merkle import MerkleLog, leaf_hash
from orechain.ledger.service import Ledger

logger = logging.getLogger(__name__)

__all__ = ["AuditReport", "audit"]


@dataclass(frozen=True)
class AuditReport:
    """Outcome of :func:`audit`; ``first_bad_index`` is None when all is well."""

    ok: bool
    tree_size: int
    checkpoints_checked: int
    first_bad_index: int | None = None
    reason: str = ""


def _fail(tree: MerkleLog, index: int, reason: str, checked: int = 0) -> AuditReport:
    logger.info("audit failed at index %d: %s", index, reason)
    return AuditReport(False, tree.size, checked, index, reason)


def audit(ledger: Ledger, vkey_public: bytes | None = None) -> AuditReport:
    """Recompute the log and the state from storage; report the first bad index.

    Parameters
    ----------
    vkey_public
        Trusted log public key; default the one stored at ``init`` (which an
        attacker with database access could also replace, so pass it when you can).
    """
    tree, state = MerkleLog(), LedgerState()
    last: datetime | None = None
    for expected, row in enumerate(ledger.store.raw_rows()):
        index, envelope, stored_hash, root_after = row[0], row[7], row[8], row[9]
        event_id = row[2] if row[2] is not None else row[1]
        if index != expected:
            where = expected if index is None or index > expected else index
            return _fail(tree, where, f"leaf index {index} found where {expected} was expected")
        if envelope is None or stored_hash is None:
            return _fail(tree, expected, f"row {expected} lacks its event or its leaf")
        if leaf_hash(bytes(envelope)) != bytes(stored_hash):
            return _fail(tree, expected, f"event {event_id!r} does not hash to its stored leaf")
        tree.append_hash(bytes(stored_hash))
        if root_after is None or tree.root() != bytes(root_after):
            return _fail(tree, expected, "running root differs from the stored root (reordered?)")
        try:
            env = open_envelope(bytes(envelope), require_canonical=True)
            _check_columns(row, env)
            _check_log(env, ledger.origin, last)
            acceptance.accept(state, env, ledger.policy)
            last = env.received_at
        except OreChainError as exc:
            return _fail(tree, expected, f"event {event_id!r} fails replay: {exc}")
    return _check_checkpoints(ledger, tree, vkey_public or ledger.log_public_key)


COLUMNS = (
    "ledger_log.event_id", "event_id", "idempotency_key", "event_type", "actor", "event_time",
    "received_at",
)  # fmt: skip
"""Stored columns that queries use, in :meth:`Store.raw_rows` order after the leaf index."""


def _check_log(env: SignedEnvelope, origin: str, last: datetime | None) -> None:
    """The entry was signed for this log and its receipt time does not go backwards."""
    if env.log != origin:
        msg = f"envelope is signed for log {env.log!r}, not {origin!r}"
        raise IntegrityError(msg)
    if env.received_at is not None and last is not None and env.received_at < last:
        msg = "received_at goes backwards"
        raise IntegrityError(msg)


def _check_columns(row: tuple[Any, ...], env: SignedEnvelope) -> None:
    """Every queried column must equal what the canonical envelope says.

    Lookups (``proof inclusion ID``, idempotent resubmission, listings) read the
    columns, not the envelope; a column edited on its own would make them serve
    another row or hide one, while hashes and signatures still verify.
    """
    e = env.event
    received = format_time(env.received_at) if env.received_at else None
    want = (e.event_id, e.event_id, env.idempotency_key, e.name, e.actor, format_time(e.time),
            received)  # fmt: skip
    stored_columns = (*row[1:7], row[10])
    for name, stored, expected in zip(COLUMNS, stored_columns, want, strict=True):
        if stored != expected:
            msg = f"stored column {name} is {stored!r}, the envelope says {expected!r}"
            raise IntegrityError(msg)


def _check_checkpoints(ledger: Ledger, tree: MerkleLog, public: bytes) -> AuditReport:
    checked, good = 0, 0
    for size, note in ledger.store.checkpoints():
        try:
            cp = verify_checkpoint(note, ledger.origin, public)
        except OreChainError as exc:
            return _fail(tree, good, f"checkpoint at size {size}: {exc}", checked)
        if cp.tree_size != size or cp.tree_size > tree.size:
            return _fail(
                tree,
                min(size, tree.size),
                f"checkpoint at size {size} covers missing rows",
                checked,
            )
        if tree.root(cp.tree_size) != cp.root_hash:
            reason = (
                f"root at size {size} differs from the signed checkpoint; "
                f"a row in [{good}, {size}) was rewritten"
            )
            return _fail(tree, good, reason, checked)
        checked, good = checked + 1, size
    return AuditReport(True, tree.size, checked)
