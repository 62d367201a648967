"""Per-token rate limits, request size limits and the security headers on every response.

Rate limits are token buckets kept in each worker process: with N workers a
client can reach at most N times the configured rate (documented in
docs/service.md). The body-size limit and the headers are one pure ASGI
middleware, cheaper than Starlette's ``BaseHTTPMiddleware``.
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

from cachetools import TTLCache
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orechain.api.errors import error_payload
from orechain.api.headers import SECURITY_HEADERS
from orechain.services.cache import expiring

__all__ = ["RateLimiter", "ServiceMiddleware"]


class RateLimiter:
    """Token buckets: ``rate`` requests per minute with bursts up to ``rate / 6``.

    Examples
    --------
    >>> limiter = RateLimiter()
    >>> limiter.check("t1", 60, now=0.0) is None
    True
    """

    def __init__(self) -> None:
        # a bucket untouched for a minute is full again, the same as no entry: expire it
        self._buckets: TTLCache[str, tuple[float, float]] = expiring(60.0, maxsize=100_000)
        self._lock = threading.Lock()

    def check(self, key: str, rate_per_minute: int, now: float | None = None) -> int | None:
        """Take one request from ``key``'s bucket; return None, or seconds to wait if empty."""
        if rate_per_minute <= 0:
            return None
        now = time.monotonic() if now is None else now
        per_second = rate_per_minute / 60.0
        burst = max(1.0, rate_per_minute / 6.0)
        with self._lock:
            tokens, last = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - last) * per_second)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return max(1, math.ceil((1.0 - tokens) / per_second))
            self._buckets[key] = (tokens - 1.0, now)
        return None


class _TooLarge(StarletteHTTPException):
    """A streamed body passed the limit; an HTTP 413 so body parsers let it through.

    FastAPI turns any other exception raised while reading the body into 400
    "error parsing the body"; an ``HTTPException`` it re-raises as it is.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes")


class ServiceMiddleware:
    """Refuse bodies over ``max_body_bytes`` with 413 and add security headers."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, self._counting(receive), send_with_headers)
        except _TooLarge:
            if not started:
                await self._too_large(send)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                raise _TooLarge(self.max_body_bytes)
            return message

        return wrapped

    async def _too_large(self, send: Send) -> None:
        message = f"request body exceeds {self.max_body_bytes} bytes"
        body = json.dumps(error_payload(413, "payload_too_large", message)).encode()
        headers: list[Any] = [(b"content-type", b"application/json"), *SECURITY_HEADERS]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
