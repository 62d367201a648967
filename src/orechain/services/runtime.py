"""Shared handles of one service process: the atlas, the ledger, jobs and report caches.

DuckDB and SQLite connections must not be used from several threads at once, and
FastAPI runs handlers on a thread pool; so each handle owns one thread and every
call on it runs there (:meth:`AtlasHandle.run`, :meth:`LedgerHandle.run`).
Atlas answers are pure functions of the read-only atlas, so they are cached as
serialised JSON (bounded, least recently used dropped first).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from orechain.atlas.store import Atlas, open_atlas
from orechain.ledger.service import Ledger
from orechain.services.cache import lru
from orechain.services.documents import dump_json
from orechain.services.jobs import JobManager
from orechain.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["AtlasHandle", "LedgerHandle", "Runtime"]


class _OneThread:
    """An executor with a single thread that owns a connection.

    The thread starts on first use and again after :meth:`shutdown`, so an app
    whose lifespan ran (and closed its handles) keeps working if called again.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None

    @property
    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        return self._executor

    async def _submit(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self._pool.submit(fn, *args))

    def shutdown(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True, cancel_futures=True)


class AtlasHandle(_OneThread):
    """The read-only atlas behind one thread, with a cache of JSON answers."""

    def __init__(self, settings: Settings) -> None:
        super().__init__("atlas")
        self.settings = settings
        self._atlas: Atlas | None = None
        self._cache = lru()

    def _handle(self) -> Atlas:
        if self._atlas is None:
            self._atlas = open_atlas(self.settings, read_only=True)
        return self._atlas

    async def run(self, fn: Callable[[Atlas], T]) -> T:
        """Run ``fn(atlas)`` on the atlas thread."""
        return await self._submit(lambda: fn(self._handle()))

    async def cached(self, key: tuple[Any, ...], fn: Callable[[Atlas], Any]) -> bytes:
        """JSON bytes of ``fn(atlas)``, computed once per ``key`` while it stays cached."""
        hit: bytes | None = self._cache.get(key)
        if hit is None:
            hit = await self.run(lambda a: dump_json(fn(a)))
            self._cache[key] = hit
        return hit

    def close(self) -> None:
        """Close the atlas connection and stop the thread."""
        if self._atlas is not None:
            atlas, self._atlas = self._atlas, None
            self._pool.submit(atlas.close).result()
        self.shutdown()


class LedgerHandle(_OneThread):
    """The ledger behind one thread; every call catches up with other workers' commits."""

    def __init__(self, settings: Settings) -> None:
        super().__init__("ledger")
        self.settings = settings
        self._ledger: Ledger | None = None
        self._cache = lru()

    def _handle(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger.open(self.settings.database_url)
        return self._ledger

    async def run(self, fn: Callable[[Ledger], T]) -> T:
        """Run ``fn(ledger)`` on the ledger thread."""
        return await self._submit(lambda: fn(self._handle()))

    async def cached(self, key: tuple[Any, ...], fn: Callable[[Ledger], Any]) -> bytes:
        """JSON bytes of ``fn(ledger)``, recomputed when the log or its checkpoints grow.

        The state is a function of the log, so an answer keyed by the tree size and
        the latest checkpoint size stays right until another event or checkpoint lands.
        """

        def work(led: Ledger) -> bytes:
            checkpoints = led.store.checkpoints()
            version = (led.tree.size, checkpoints[-1][0] if checkpoints else -1)
            hit: bytes | None = self._cache.get((*key, *version))
            if hit is None:
                hit = dump_json(fn(led))
                self._cache[(*key, *version)] = hit
            return hit

        return await self.run(work)

    def close(self) -> None:
        """Close the ledger store and stop the thread."""
        if self._ledger is not None:
            ledger, self._ledger = self._ledger, None
            self._pool.submit(ledger.close).result()
        self.shutdown()


class Runtime:
    """Everything the API handlers and the pages share in one process.

    Attributes
    ----------
    atlas, ledger
        The one-thread handles.
    jobs
        Background scenario runs (``settings.scenario_workers`` threads).
    reports
        Rendered HTML reports by name (the corridor report takes seconds to build).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.atlas = AtlasHandle(settings)
        self.ledger = LedgerHandle(settings)
        self._jobs: JobManager | None = None
        self.reports: Any = lru(16)

    @property
    def jobs(self) -> JobManager:
        """Background scenario runs (started on first use, again after :meth:`close`)."""
        if self._jobs is None:
            self._jobs = JobManager(self.settings.scenario_workers)
        return self._jobs

    def close(self) -> None:
        """Release every handle."""
        if self._jobs is not None:
            jobs, self._jobs = self._jobs, None
            jobs.close()
        self.atlas.close()
        self.ledger.close()
