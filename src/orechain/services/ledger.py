"""Ledger use cases: open a ledger (the sample one on first start), trace a lot."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from orechain.ledger import keys, sample
from orechain.ledger.log import create_checkpoint
from orechain.ledger.provenance import downstream, origin_shares, upstream
from orechain.ledger.service import Ledger
from orechain.ledger.store import open_store
from orechain.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["ensure_ledger", "open_ledger", "trace"]


def open_ledger(url: str | None = None) -> Ledger:
    """Open the ledger at ``url`` (default: ``ORECHAIN_DATABASE_URL`` or the user's ledger)."""
    return Ledger.open(url or Settings.from_env().database_url)


def trace(ledger: Ledger, lot_id: str) -> dict[str, Any]:
    """Origin shares of a lot and its upstream and downstream graphs, in one document."""
    state = ledger.state
    return {
        "lot_id": lot_id,
        "origin_shares": origin_shares(state, lot_id),
        "upstream": [asdict(e) for e in upstream(state, lot_id)],
        "downstream": [asdict(e) for e in downstream(state, lot_id)],
    }


def _has_ledger(url: str) -> bool:
    store = open_store(url, create=True)
    try:
        store.migrate()
        return "origin" in store.get_meta()
    finally:
        store.close()


def ensure_ledger(settings: Settings) -> dict[str, Any]:
    """Open the ledger at ``settings.database_url``, creating the sample one if absent.

    The sample (an ASSUMPTION, see :mod:`orechain.ledger.sample`) is signed with
    DEMO keys, as ``orechain ledger init --sample`` does, and gets one checkpoint.

    Returns
    -------
    dict
        ``created`` (bool), ``origin``, ``tree_size`` and ``label`` (sample label or None).
    """
    url = settings.database_url
    if _has_ledger(url):
        with Ledger.open(url) as led:
            label = sample.LABEL if led.origin == sample.ORIGIN else None
            return {
                "created": False,
                "origin": led.origin,
                "tree_size": led.tree.size,
                "label": label,
            }
    key = sample.log_key()
    with Ledger.create(url, sample.ORIGIN, key) as led:
        path = settings.resolved_log_key_path()
        if not path.exists():
            keys.save_private_key(key, path)
        sample.load(led)
        create_checkpoint(led, key)
        logger.info("created the sample ledger at %s (%d events)", url, led.tree.size)
        return {
            "created": True,
            "origin": led.origin,
            "tree_size": led.tree.size,
            "label": sample.LABEL,
        }
