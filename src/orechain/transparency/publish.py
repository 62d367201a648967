"""Publishing a checkpoint: tile the log up to it, then expose it at ``<prefix>/checkpoint``.

The order matters: tiles first, checkpoint last, so a reader that fetches the
checkpoint always finds every tile it needs. With a witness policy the log only
publishes a checkpoint that a quorum of witnesses cosigned
(:mod:`orechain.transparency.policy`); without one (``quorum none``) the log's
own signature is all a reader gets, and the docs say so.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from orechain.errors import IntegrityError, NotFoundError
from orechain.ledger.checkpoint import parse_checkpoint, verify_checkpoint
from orechain.ledger.service import Ledger
from orechain.settings import Settings
from orechain.transparency.tiles import CHECKPOINT_PATH, TileWriter, _atomic_write

logger = logging.getLogger(__name__)

__all__ = [
    "HISTORY_DIR",
    "CosignFn",
    "default_tiles_dir",
    "publish",
    "published_checkpoint",
    "published_history",
]

HISTORY_DIR = "checkpoints"
"""Every published (cosigned) checkpoint, one file per tree size (not part of tlog-tiles)."""

CosignFn = Callable[[Ledger, str, str | None], str]
"""Turns (ledger, log-signed note, previously published note) into a cosigned note."""


def default_tiles_dir(database_url: str, settings: Settings | None = None) -> Path:
    """Where a server keeps the tiles of a ledger: ``ORECHAIN_TILES_DIR`` or the cache dir.

    Tiles are derived data (rebuilt from the store on demand), so the cache is
    the right home; published cosigned checkpoints are kept beside them.
    """
    env = os.environ.get("ORECHAIN_TILES_DIR")
    if env:
        return Path(env)
    cache = (settings or Settings.from_env()).cache_dir
    return cache / "tiles" / hashlib.sha256(database_url.encode()).hexdigest()[:16]


def published_checkpoint(root: Path) -> str | None:
    """The checkpoint note currently published under ``root``, if any."""
    path = root / CHECKPOINT_PATH
    return path.read_text(encoding="utf-8") if path.exists() else None


def published_history(root: Path) -> list[tuple[int, str]]:
    """(tree size, note) of every checkpoint published under ``root``, by size."""
    folder = root / HISTORY_DIR
    if not folder.is_dir():
        return []
    items = [
        (int(p.name), p.read_text(encoding="utf-8")) for p in folder.iterdir() if p.name.isdigit()
    ]
    return sorted(items)


def publish(
    ledger: Ledger,
    root: Path,
    *,
    note: str | None = None,
    cosign: CosignFn | None = None,
    envelopes: bool | None = None,
) -> str:
    """Tile the log up to its latest stored checkpoint (or ``note``) and publish it.

    Parameters
    ----------
    note
        Log-signed checkpoint to publish (default: the latest one stored).
    cosign
        Collects witness cosignatures and enforces the quorum; raises if unmet,
        and then nothing new is published.
    envelopes
        Also write full-envelope entry bundles (confidential; see :mod:`tiles`);
        default: as the directory was first written, else yes.

    Returns
    -------
    str
        The published note (with cosignatures).

    Raises
    ------
    NotFoundError
        If the log has no checkpoint yet.
    IntegrityError
        If the checkpoint would roll back or fork what is already published.
    """
    if note is None:
        stored = ledger.store.checkpoints()
        if not stored:
            msg = "no checkpoint yet; run `orechain ledger checkpoint`"
            raise NotFoundError(msg)
        note = stored[-1][1]
    cp = verify_checkpoint(note, ledger.origin, ledger.log_public_key)
    writer = TileWriter(root, envelopes=envelopes)
    writer.catch_up(ledger.store, upto=cp.tree_size)
    if writer.size < cp.tree_size or _tiled_root(ledger, cp.tree_size) != cp.root_hash:
        msg = f"checkpoint at size {cp.tree_size} does not match the log the tiles describe"
        raise IntegrityError(msg)
    previous = published_checkpoint(root)
    if previous is not None:
        old = parse_checkpoint(previous)[0]
        if old.tree_size > cp.tree_size:
            msg = f"refusing to publish size {cp.tree_size}: size {old.tree_size} is already out"
            raise IntegrityError(msg)
    final = cosign(ledger, note, previous) if cosign is not None else note
    _atomic_write(root / HISTORY_DIR / str(cp.tree_size), final.encode())
    _atomic_write(root / CHECKPOINT_PATH, final.encode())
    logger.info("published checkpoint at size %d under %s", cp.tree_size, root)
    return final


def _tiled_root(ledger: Ledger, size: int) -> bytes:
    entry = ledger.store.find(index=size - 1) if size else None
    return entry.root_after if entry is not None else ledger.tree.root(0)
