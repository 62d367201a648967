"""The one cache helper: bounded and expiring in-memory caches (``cachetools``).

Every cache of a service process is bounded, so random queries cannot grow
memory without limit: answers of pure functions of the read-only atlas are
kept until evicted (least recently used first); answers that may go stale
(tokens, public ledger reads) expire after a few seconds.
"""

from __future__ import annotations

from typing import Any

from cachetools import FIFOCache, LRUCache, TTLCache

__all__ = ["DEFAULT_ENTRIES", "expiring", "lru", "newest"]

DEFAULT_ENTRIES = 4096
"""Entries a cache keeps by default."""


def lru(maxsize: int = DEFAULT_ENTRIES) -> LRUCache[Any, Any]:
    """A cache dropping the least recently used entry past ``maxsize``."""
    return LRUCache(maxsize=maxsize)


def expiring(seconds: float, maxsize: int = DEFAULT_ENTRIES) -> TTLCache[Any, Any]:
    """A cache whose entries expire ``seconds`` after they were stored."""
    return TTLCache(maxsize=maxsize, ttl=seconds)


def newest(maxsize: int) -> FIFOCache[Any, Any]:
    """A cache keeping the ``maxsize`` most recently added entries (oldest dropped first)."""
    return FIFOCache(maxsize=maxsize)
