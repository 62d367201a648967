"""A synchronous client over httpx's ASGI transport: the app runs in-process, no socket.

Starlette's own ``TestClient`` warns that its httpx backend is deprecated, so the
tests drive ``httpx.AsyncClient(transport=ASGITransport(app))`` through an anyio
blocking portal (one event loop thread for the whole session).
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import anyio.from_thread
import httpx


class AppClient:
    """``client.get(...)``/``post``/``delete``/``request`` against an ASGI app."""

    def __init__(self, app: Any, base_url: str = "http://127.0.0.1") -> None:
        self._stack = ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        self._client = httpx.AsyncClient(transport=transport, base_url=base_url)
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(lambda: self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self._portal.call(self._client.aclose)
        self._stack.close()
        self.app.state.services.close()

    def __enter__(self) -> AppClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
