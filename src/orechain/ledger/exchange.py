"""Export and import a ledger as JSON Lines: one RFC 8785 envelope per line, in log order.

Each exported line is exactly a log leaf's data, so the file alone lets anyone
recompute every root (RFC 9162 §2.1.1). Importing replays the lines through the
full acceptance checks (signatures, custody, mass balance) in order; into an
empty ledger this reproduces the same leaves and therefore the same roots, and
lines already present (same idempotency key and bytes) are skipped, so an
interrupted import can simply be run again.

References
----------
.. [1] JSON Lines, https://jsonlines.org/; RFC 8785 (JCS); RFC 9162 §2.1.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from orechain.errors import InputError, IntegrityError
from orechain.ledger.service import Ledger

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 1000
"""Envelopes per import transaction [-]."""

__all__ = ["DEFAULT_BATCH", "ExchangeSummary", "export_lines", "import_lines"]


@dataclass(frozen=True)
class ExchangeSummary:
    """What an export or import covered."""

    lines: int
    """Envelopes written or read."""
    appended: int
    """New log entries (0 for an export)."""
    tree_size: int
    root_hash: str
    """Hex root of the ledger's tree after the operation."""


def export_lines(ledger: Ledger) -> Iterator[bytes]:
    """Every committed envelope in leaf order, each one canonical JSON line ending in a newline."""
    for entry in ledger.entries():
        yield entry.envelope + b"\n"


def _batches(lines: Iterable[bytes | str], size: int) -> Iterator[list[tuple[int, bytes | str]]]:
    numbered = ((i + 1, ln) for i, ln in enumerate(lines) if ln.strip())
    while batch := list(islice(numbered, size)):
        yield batch


def _root_bytes(text: str) -> bytes:
    try:
        root = bytes.fromhex(text)
    except ValueError:
        root = b""
    if len(root) != 32:
        msg = f"expected root must be 64 hex digits, got {text!r}"
        raise InputError(msg, field="expect_root")
    return root


def import_lines(
    ledger: Ledger,
    lines: Iterable[bytes | str],
    *,
    source: str = "import",
    batch_size: int = DEFAULT_BATCH,
    expect_root: str | None = None,
) -> ExchangeSummary:
    """Replay exported envelopes into ``ledger``, ``batch_size`` per transaction.

    Lines must be RFC 8785 canonical (as :func:`export_lines` writes them), so a
    re-encoded export is refused rather than silently logged with other bytes;
    they keep the receipt times the exporting log stamped, and must have been
    signed for this ledger's origin.

    Parameters
    ----------
    expect_root
        Hex root the ledger must have afterwards (e.g. from the exporter); then
        the whole import is one transaction, checked before it commits.

    Raises
    ------
    OreChainError
        The first rejected line (its batch is not written; earlier batches are).
    IntegrityError
        If ``expect_root`` is given and differs (nothing is written).
    """
    want = _root_bytes(expect_root) if expect_root is not None else None
    read = appended = 0
    # With an expected root, everything is one transaction checked before commit.
    size = batch_size if want is None else sys.maxsize
    for batch in _batches(lines, size):
        before = ledger.tree.size
        receipts = ledger.submit_many(
            [raw.rstrip("\r\n") if isinstance(raw, str) else raw.rstrip(b"\r\n")
             for _, raw in batch],
            sources=[f"{source}:{n}" for n, _ in batch],
            require_canonical=True,
            replicate=True,
            expect_root=want,
        )  # fmt: skip
        read += len(batch)
        appended += sum(r.leaf_index >= before for r in receipts)
    tree = ledger.tree
    root = tree.root().hex()
    if want is not None and root != want.hex():
        msg = f"after import the root is {root}, expected {expect_root}"
        raise IntegrityError(msg)
    logger.info("imported %d lines (%d new); tree size %d", read, appended, tree.size)
    return ExchangeSummary(read, appended, tree.size, root)
