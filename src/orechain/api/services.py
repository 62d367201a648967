"""Shared handles of one service process: the atlas, the ledger, the token store.

DuckDB and SQLite connections must not be used from several threads at once, and
FastAPI runs handlers on a thread pool; so each handle owns one thread and every
call on it runs there (:meth:`AtlasService.run`, :meth:`LedgerService.run`).
Atlas answers are pure functions of the read-only atlas, so they are cached as
serialised JSON for the life of the process.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, is_dataclass
from typing import Any, TypeVar

from fastapi.encoders import jsonable_encoder

from orechain.api.settings import ServiceSettings
from orechain.api.tokens import TokenStore
from orechain.atlas.store import Atlas, open_atlas
from orechain.jsonsafe import to_jsonable
from orechain.ledger.service import Ledger

logger = logging.getLogger(__name__)

T = TypeVar("T")

CACHE_ENTRIES = 4096
"""Most answers an atlas cache keeps (random queries must not grow memory without bound)."""

__all__ = ["AtlasService", "LedgerService", "Services", "dump_json"]


def dump_json(value: Any) -> bytes:
    """Serialise a result (dataclasses, pandas scalars, NaN → null) to compact JSON bytes."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    return json.dumps(
        jsonable_encoder(to_jsonable(value)), separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


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


class AtlasService(_OneThread):
    """The read-only atlas behind one thread, with a cache of JSON answers."""

    def __init__(self, settings: ServiceSettings) -> None:
        super().__init__("atlas")
        self.settings = settings
        self._atlas: Atlas | None = None
        self._cache: dict[tuple[Any, ...], bytes] = {}

    def _handle(self) -> Atlas:
        if self._atlas is None:
            self._atlas = open_atlas(self.settings.core, read_only=True)
        return self._atlas

    async def run(self, fn: Callable[[Atlas], T]) -> T:
        """Run ``fn(atlas)`` on the atlas thread."""
        return await self._submit(lambda: fn(self._handle()))

    async def cached(self, key: tuple[Any, ...], fn: Callable[[Atlas], Any]) -> bytes:
        """JSON bytes of ``fn(atlas)``, computed once per ``key`` (oldest dropped past a bound)."""
        hit = self._cache.get(key)
        if hit is None:
            hit = await self.run(lambda a: dump_json(fn(a)))
            self._cache[key] = hit
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.pop(next(iter(self._cache)))
        return hit

    def close(self) -> None:
        """Close the atlas connection and stop the thread."""
        if self._atlas is not None:
            atlas, self._atlas = self._atlas, None
            self._pool.submit(atlas.close).result()
        self.shutdown()


class LedgerService(_OneThread):
    """The ledger behind one thread; every call catches up with other workers' commits."""

    def __init__(self, settings: ServiceSettings) -> None:
        super().__init__("ledger")
        self.settings = settings
        self._ledger: Ledger | None = None
        self._cache: dict[tuple[Any, ...], bytes] = {}

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
            hit = self._cache.get((*key, *version))
            if hit is None:
                hit = dump_json(fn(led))
                self._cache[(*key, *version)] = hit
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.pop(next(iter(self._cache)))
            return hit

        return await self.run(work)

    def close(self) -> None:
        """Close the ledger store and stop the thread."""
        if self._ledger is not None:
            ledger, self._ledger = self._ledger, None
            self._pool.submit(ledger.close).result()
        self.shutdown()


class Services:
    """Everything a request handler needs, stored on ``app.state.services``."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.atlas = AtlasService(settings)
        self.ledger = LedgerService(settings)
        self._tokens: TokenStore | None = None
        self.extras: dict[str, Any] = {}

    @property
    def tokens(self) -> TokenStore:
        """The token store (opened on first use)."""
        if self._tokens is None:
            self._tokens = TokenStore(self.settings.database_url)
        return self._tokens

    def close(self) -> None:
        """Release every handle."""
        for key in [k for k, v in self.extras.items() if callable(getattr(v, "close", None))]:
            self.extras.pop(key).close()
        self.atlas.close()
        self.ledger.close()
        if self._tokens is not None:
            tokens, self._tokens = self._tokens, None
            tokens.close()
