"""The log per C2SP ``tlog-tiles``: ``/checkpoint``, ``/tile/<L>/<N>[.p/<W>]``, entry bundles.

Tiles are files written by :class:`orechain.transparency.tiles.TileWriter` as the
log grows; a request only reads a file. ``GET /checkpoint`` first publishes the
latest stored checkpoint if it is newer than the published one (catching the
tiles up by the new entries only), then serves it with a 2-second cache
lifetime. Tiles and bundles never change once written, so they carry
``Cache-Control: public, max-age=31536000, immutable`` and any CDN may keep them.

Hash tiles, ``/checkpoint`` and ``tile/public-entries/…`` are public and not rate
limited (static, cheap reads meant for mirrors and CDNs); ``tile/entries/…``
carries full signed envelopes and needs a token allowed to read confidential
records (auditor, admin).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from orechain.api.auth import access
from orechain.api.errors import ApiError
from orechain.api.responses import COMMON_ERRORS, Svc
from orechain.api.services import Services
from orechain.errors import InputError, OreChainError
from orechain.ledger.service import Ledger
from orechain.services.cache import lru
from orechain.transparency.publish import default_tiles_dir, publish, published_checkpoint
from orechain.transparency.tiles import TILE_RE, TileWriter, parse_tile_path

logger = logging.getLogger(__name__)

router = APIRouter(tags=["tiles"], responses=COMMON_ERRORS)

__all__ = ["TileFiles", "router"]

IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
CHECKPOINT_CACHE = {"Cache-Control": "public, max-age=2"}
OCTETS = "application/octet-stream"
REFRESH_SECONDS = 1.0
"""At most one look for a newer stored checkpoint per this interval [s]."""


def _root_of(svc: Services) -> Path:
    if svc.tiles_dir is None:
        svc.tiles_dir = default_tiles_dir(svc.settings.database_url, svc.settings)
    return svc.tiles_dir


def _refresh(led: Ledger, root: Path) -> None:
    """Publish the latest stored checkpoint if the published one is older."""
    stored = led.store.checkpoints()
    current = published_checkpoint(root)
    if not stored or (current is not None and current.startswith(stored[-1][1].split("\n\n")[0])):
        return
    from orechain.transparency.policy import cosigner_from_env

    try:
        publish(led, root, note=stored[-1][1], cosign=cosigner_from_env())
    except OreChainError as exc:  # keep serving the last good checkpoint
        logger.warning("not publishing the checkpoint at size %d: %s", stored[-1][0], exc)


async def _maybe_refresh(svc: Svc, root: Path) -> None:
    now = time.monotonic()
    if now - svc.tiles_refreshed < REFRESH_SECONDS:
        return
    svc.tiles_refreshed = now
    await svc.ledger.run(lambda led: _refresh(led, root))


@router.get(
    "/checkpoint", response_class=Response, responses={200: {"content": {"text/plain": {}}}}
)
async def checkpoint(svc: Svc) -> Response:
    """The latest published signed checkpoint (tlog-checkpoint), witness cosignatures included."""
    root = _root_of(svc)
    await _maybe_refresh(svc, root)
    note = published_checkpoint(root)
    if note is None:
        raise ApiError(404, "no checkpoint published yet; run `orechain ledger checkpoint`")
    return Response(note, media_type="text/plain; charset=utf-8", headers=CHECKPOINT_CACHE)


async def _tile(svc: Svc, path: str) -> Response:
    try:
        parsed = parse_tile_path(path)
    except InputError as exc:
        raise ApiError(404, str(exc)) from exc
    root = _root_of(svc)
    file = root / path
    if not file.is_file() and not parsed.partial:
        # A full tile the last publication did not reach yet: tile what is committed.
        try:
            await svc.ledger.run(lambda led: TileWriter(root).catch_up(led.store))
        except OreChainError as exc:  # a rolled-back store must not take the tiles with it
            logger.warning("not tiling on request: %s", exc)
    try:
        data = file.read_bytes()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise ApiError(404, f"no tile {path}") from exc
    return Response(data, media_type=OCTETS, headers=IMMUTABLE)


OCTET_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {OCTETS: {}}, "description": "Tile bytes"}
}


@router.get(
    "/tile/entries/{rest:path}",
    response_class=Response,
    responses=OCTET_RESPONSE,
    dependencies=[Depends(access("confidential"))],
)
async def entry_bundle(svc: Svc, rest: str) -> Response:
    """Entry bundle of full signed envelopes (confidential: auditors and admins)."""
    return await _tile(svc, f"tile/entries/{rest}")


@router.get("/tile/{rest:path}", response_class=Response, responses=OCTET_RESPONSE)
async def tile(svc: Svc, rest: str) -> Response:
    """A hash tile ``tile/<L>/<N>[.p/<W>]`` or a public-safe ``tile/public-entries/…`` bundle."""
    return await _tile(svc, f"tile/{rest}")


FULL_TILES_CACHED = 4096
"""Full tiles a server keeps in memory (about 32 MiB of hash tiles)."""

_FAST_HEADERS = [
    (b"content-type", OCTETS.encode()),
    (b"cache-control", IMMUTABLE["Cache-Control"].encode()),
]


class TileFiles:
    """ASGI fast path: a public tile that exists on disk is answered before routing.

    Hash tiles and public-safe bundles need no identity, so reading the file is
    the whole request; anything else (a missing tile, ``tile/entries``, a
    malformed path) goes on to :data:`router`, which catches up, authorises or
    refuses. Full tiles never change once written (tlog-tiles), so the most
    requested ones are kept in memory (:data:`FULL_TILES_CACHED` of them, 8 KiB
    each for hash tiles); partial tiles are read from disk every time.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.root: Path | None = None
        self._full: LRUCache[str, bytes] = lru(FULL_TILES_CACHED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve ``GET /tile/…`` from the tile directory when the file exists."""
        path: str = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and path.startswith("/tile/")
            and not path.startswith("/tile/entries/")
            and TILE_RE.match(path[1:])
        ):
            if self.root is None:
                services = scope["app"].state.services
                self.root = _root_of(services)
            data = self._full.get(path)
            if data is None:
                try:
                    data = (self.root / path[1:]).read_bytes()
                except OSError:
                    data = None
                if data is not None and ".p/" not in path:
                    self._full[path] = data
            if data is not None:
                headers = [*_FAST_HEADERS, (b"content-length", str(len(data)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": data})
                return
        await self.app(scope, receive, send)
