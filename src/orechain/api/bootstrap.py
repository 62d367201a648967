"""First start: create the ledger with the labelled sample corridor if there is none."""

from __future__ import annotations

import logging
from typing import Any

from orechain.ledger import keys, sample
from orechain.ledger.log import create_checkpoint
from orechain.ledger.service import Ledger
from orechain.ledger.store import open_store
from orechain.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["ensure_ledger"]


def _has_ledger(url: str) -> bool:
    store = open_store(url)
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
        led.submit_many(sample.sample_envelopes())
        create_checkpoint(led, key)
        logger.info("created the sample ledger at %s (%d events)", url, led.tree.size)
        return {
            "created": True,
            "origin": led.origin,
            "tree_size": led.tree.size,
            "label": sample.LABEL,
        }
