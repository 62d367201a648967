"""An HTTP response cache for read endpoints whose answer depends only on the URL.

Atlas and risk answers are pure functions of the read-only atlas: cached for the
life of the process. Public ledger reads (transparency summary, checkpoints, lot
search, origin shares) are the same for every caller allowed to read them and are
cached for :data:`LEDGER_TTL` seconds; a write through this worker (any ``POST``
under ``/api/ledger``) drops them at once, so only other workers' commits can lag.
A repeated ``GET`` is answered from memory after the caller's token, rate limit
and permission are checked, skipping routing and dependency solving.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orechain.api import auth
from orechain.api.auth import Access
from orechain.api.errors import ApiError
from orechain.services.cache import lru

__all__ = ["CACHED_PREFIXES", "LEDGER_RULES", "LEDGER_TTL", "ResponseCache"]

CACHED_PREFIXES = ("/api/atlas/", "/api/risk/")
"""Paths whose ``GET`` answers depend only on the URL and never change."""

LEDGER_TTL = 1.0
"""Seconds a public ledger read may be served from memory [s]."""

LEDGER_RULES: tuple[tuple[re.Pattern[str], Access], ...] = (
    (re.compile(r"^/api/transparency(/checkpoints)?$"), "public"),
    (re.compile(r"^/api/ledger/lots(/[^/]+/origin)?$"), "read"),
)
"""Public ledger reads: path pattern and the access level they need."""

MAX_ENTRIES = 4096
MAX_BODY = 2_000_000


class ResponseCache:
    """Serve repeated ``GET`` requests of cacheable paths from memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cache = lru(MAX_ENTRIES)
        self._refreshing: set[tuple[str, bytes]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        rule = _rule(scope)
        if rule is None:
            await self.app(scope, receive, send)
            if scope["type"] == "http" and scope["path"].startswith("/api/ledger"):
                self._drop_ledger()
            return
        level, ttl = rule
        key = (scope["path"], scope.get("query_string", b""))
        hit = self._cache.get(key)
        fresh = hit is not None and (ttl is None or time.monotonic() - hit[2] < ttl)
        # while one request refreshes a stale answer, the others still get the old one
        if hit is not None and (fresh or key in self._refreshing) and _allowed(scope, level):
            await send({"type": "http.response.start", "status": 200, "headers": hit[0]})
            await send({"type": "http.response.body", "body": hit[1]})
            return
        self._refreshing.add(key)
        try:
            await self.app(scope, receive, self._recording(key, send))
        finally:
            self._refreshing.discard(key)

    def _drop_ledger(self) -> None:
        for key in [k for k in list(self._cache) if not k[0].startswith(CACHED_PREFIXES)]:
            self._cache.pop(key, None)

    def _recording(self, key: tuple[str, bytes], send: Send) -> Send:
        state: dict[str, Any] = {"status": 0, "headers": [], "body": [], "t": time.monotonic()}

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body" and state["status"] == 200:
                state["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(key, state["headers"], b"".join(state["body"]), state["t"])
            await send(message)

        return wrapped

    def _store(self, key: tuple[str, bytes], headers: list[Any], body: bytes, t: float) -> None:
        if len(body) > MAX_BODY:
            return
        self._cache[key] = (list(headers), body, t)


def _rule(scope: Scope) -> tuple[Access, float | None] | None:
    """(access level, time to live or None for ever) of a cacheable request, else None."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    path = scope["path"]
    if path.startswith(CACHED_PREFIXES):
        return "read", None
    for pattern, level in LEDGER_RULES:
        if pattern.match(path):
            return level, LEDGER_TTL
    return None


def _allowed(scope: Scope, level: Access) -> bool:
    """Whether the caller may read at ``level`` (else the normal path answers the error)."""
    request = Request(scope)
    try:
        who = auth.identify(request)
        auth.rate_limit(request, who)
        auth.authorise(request, who, level)
    except ApiError:
        return False
    return True
