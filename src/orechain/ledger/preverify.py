"""Parallel Ed25519 verification of a batch ahead of the single log writer.

Signature checks are the largest CPU cost of accepting an event and need no
ledger state beyond the signer's public key, so a large batch is verified in
worker processes before the writer lock is taken. The result only marks an
envelope as "signature already checked under this exact public key"; the
acceptance check still picks the key from the state under the lock (validity at
receipt time, ownership) and verifies serially whenever the pre-checked key is
not the one it would use. A wrong answer here can therefore cost time, never
admit an event.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from orechain.ledger import keys
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import SignedEnvelope

logger = logging.getLogger(__name__)

MIN_BATCH = 512
"""Batches smaller than this are verified serially (process hand-off costs more)."""
CHUNK = 256
"""Signatures per task sent to a worker."""

_POOL: ProcessPoolExecutor | None = None

__all__ = ["CHUNK", "MIN_BATCH", "preverify", "workers"]


def workers() -> int:
    """Worker processes to use: ``ORECHAIN_LEDGER_VERIFY_WORKERS`` or the CPU count (max 8)."""
    configured = os.environ.get("ORECHAIN_LEDGER_VERIFY_WORKERS")
    if configured is not None and configured.isdigit():
        return int(configured)
    return min(os.cpu_count() or 1, 8)


def _pool() -> ProcessPoolExecutor:
    global _POOL  # one pool per process, created on first large batch
    if _POOL is None:
        context = multiprocessing.get_context("spawn")  # no inherited database connections
        _POOL = ProcessPoolExecutor(max_workers=workers(), mp_context=context)
    return _POOL


def _verify_chunk(items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bool]:
    return [keys.verify(public, message, signature) for public, message, signature in items]


def preverify(state: LedgerState, envs: list[SignedEnvelope]) -> list[SignedEnvelope]:
    """``envs`` with ``verified_key`` set where the signature checks under the signer's key.

    Keys are looked up in ``state`` (possibly a little stale: the acceptance
    check re-decides under the writer lock). Envelopes whose key is unknown yet
    (e.g. registered earlier in the same batch) are left for the serial check.
    """
    if len(envs) < MIN_BATCH or workers() < 2:
        return envs
    todo: list[int] = []
    items: list[tuple[bytes, bytes, bytes]] = []
    for i, env in enumerate(envs):
        org = state.orgs.get(env.event.actor)
        record = org.keys.get(env.key_id) if org is not None else None
        if record is not None:
            todo.append(i)
            items.append((record.public, env.message, env.signature))
    if len(items) < MIN_BATCH:
        return envs
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    results = [ok for chunk in _pool().map(_verify_chunk, chunks) for ok in chunk]
    out = list(envs)
    for i, (public, _, _), ok in zip(todo, items, results, strict=True):
        if ok:
            out[i] = replace(envs[i], verified_key=public)
    logger.debug("pre-verified %d of %d signatures", sum(results), len(envs))
    return out
