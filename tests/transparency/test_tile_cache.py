"""The tile fast path keeps full tiles in memory (they never change) and partial ones on disk."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from orechain.api.routes.tiles import TileFiles


def _get(app: TileFiles, path: str) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "app": None}
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


async def _fallback(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b"routed"})


def test_full_tiles_are_served_from_memory_partial_tiles_from_disk(tmp_path: Path) -> None:
    full, partial = tmp_path / "tile/0/000", tmp_path / "tile/0/001.p/3"
    partial.parent.mkdir(parents=True)
    full.write_bytes(b"F" * 8192)
    partial.write_bytes(b"P" * 96)
    app = TileFiles(_fallback)
    app.root = tmp_path
    assert _get(app, "/tile/0/000") == (200, b"F" * 8192)
    assert _get(app, "/tile/0/001.p/3") == (200, b"P" * 96)
    full.unlink()
    partial.unlink()
    assert _get(app, "/tile/0/000") == (200, b"F" * 8192)  # immutable: kept in memory
    assert _get(app, "/tile/0/001.p/3") == (404, b"routed")  # read each time
