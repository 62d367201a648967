"""Parallel Ed25519 verification of a batch, streamed ahead of the single log writer.

Signature checks are the largest CPU cost of accepting an event and need no
ledger state beyond the signer's public key, so a large batch is verified in
worker processes while the writer parses the batch and accepts its first
events (:class:`Preverifier`): on a machine with few cores the writer never
sits idle waiting for the whole batch. The result only marks an
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
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace

from orechain.ledger import keys
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import SignedEnvelope

logger = logging.getLogger(__name__)

MIN_BATCH = 512
"""Batches smaller than this are verified serially (process hand-off costs more)."""
CHUNK = 128
"""Signatures per task sent to a worker (small enough that acceptance starts early)."""

_POOL: ProcessPoolExecutor | None = None

__all__ = ["CHUNK", "MIN_BATCH", "Preverifier", "preverify", "workers"]


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


_Work = list[tuple[bytes, bytes, bytes]]
"""(public key, message, signature) of each envelope of a chunk."""


def _verify_chunk(items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bool]:
    return [keys.verify(public, message, signature) for public, message, signature in items]


class Preverifier:
    """Streams a batch's signatures to worker processes while the caller goes on working.

    :meth:`add` each envelope as it is parsed: every :data:`CHUNK` envelopes
    whose signer key is known go to a worker at once, so verification overlaps
    the parsing of the rest of the batch and the acceptance of its start.
    :meth:`get` returns an envelope, marked ``verified_key`` if its worker
    confirmed the signature, waiting only for that envelope's chunk. Batches
    smaller than :data:`MIN_BATCH` (or one worker) are left to the serial check.
    """

    def __init__(self, state: LedgerState, expected: int) -> None:
        self.state = state
        self.active = expected >= MIN_BATCH and workers() >= 2
        self.envs: list[SignedEnvelope] = []
        self._pending: list[tuple[int, bytes, bytes, bytes]] = []
        self._chunks: list[tuple[list[tuple[int, bytes]], Future[list[bool]] | None, _Work]] = []
        self._chunk_of: dict[int, int] = {}

    def add(self, env: SignedEnvelope) -> None:
        """Queue ``env``; its chunk is sent to a worker once full."""
        index = len(self.envs)
        self.envs.append(env)
        if not self.active:
            return
        org = self.state.orgs.get(env.event.actor)
        record = org.keys.get(env.key_id) if org is not None else None
        if record is not None:  # unknown yet (e.g. registered in this batch): serial check
            self._pending.append((index, record.public, env.message, env.signature))
            if len(self._pending) >= CHUNK:
                self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        work = [(public, message, sig) for _, public, message, sig in self._pending]
        future = _pool().submit(_verify_chunk, work)
        for index, *_ in self._pending:
            self._chunk_of[index] = len(self._chunks)
        self._chunks.append(([(i, public) for i, public, _, _ in self._pending], future, work))
        self._pending = []

    def close(self) -> None:
        """Send the last, partial chunk."""
        self._flush()

    def get(self, index: int) -> SignedEnvelope:
        """Envelope ``index``, marked if its chunk's worker verified it."""
        n = self._chunk_of.get(index)
        if n is not None:
            members, future, work = self._chunks[n]
            if future is not None:
                # A chunk no worker has started yet is verified here rather than waited for.
                results = _verify_chunk(work) if future.cancel() else future.result()
                for (i, public), ok in zip(members, results, strict=True):
                    if ok:
                        self.envs[i] = replace(self.envs[i], verified_key=public)
                self._chunks[n] = (members, None, [])
        return self.envs[index]


def preverify(state: LedgerState, envs: list[SignedEnvelope]) -> list[SignedEnvelope]:
    """``envs`` with ``verified_key`` set where the signature checks under the signer's key.

    Keys are looked up in ``state`` (possibly a little stale: the acceptance
    check re-decides under the writer lock). Envelopes whose key is unknown yet
    (e.g. registered earlier in the same batch) are left for the serial check.
    """
    pipeline = Preverifier(state, len(envs))
    for env in envs:
        pipeline.add(env)
    pipeline.close()
    out = [pipeline.get(i) for i in range(len(envs))]
    logger.debug("pre-verified %d of %d signatures", sum(e.verified_key is not None for e in out),
                 len(envs))  # fmt: skip
    return out
