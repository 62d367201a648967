"""The REST API: ``create_api(settings)`` (routes under ``/api`` and ``/openapi.json``).

:func:`orechain.server.create_app` adds the dashboard pages to it; the API and
the pages share one :class:`~orechain.services.runtime.Runtime` and never import
each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from orechain._version import __version__
from orechain.api.cache import ResponseCache
from orechain.api.errors import install_error_handlers
from orechain.api.limits import ServiceMiddleware
from orechain.api.routes import (
    atlas,
    dashboard,
    economics,
    ledger,
    risk,
    runs,
    scenarios,
    transparency,
)
from orechain.api.routes import mirror as log_mirror
from orechain.api.routes import tiles as tile_routes
from orechain.api.services import Services
from orechain.services.risk import overview
from orechain.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["ROUTERS", "add_middleware", "create_api"]

ROUTERS: dict[str, APIRouter] = {
    "atlas": atlas.router,
    "risk": risk.router,
    "ledger": ledger.router,
    "transparency": transparency.router,
    "scenarios": scenarios.router,
    "economics": economics.router,
    "tiles": tile_routes.router,
    "log": log_mirror.router,
    "dashboard": dashboard.router,
    "runs": runs.router,
}
"""Area name → its API router."""

DESCRIPTION = """OreChain REST API: critical-mineral supply chains.

* **atlas** — production, reserves, trade, country profiles (public data with provenance)
* **risk** — concentration (HHI, CR1/CR3, HHI_WGI), import mixes, EU supply risk
* **scenarios**, **economics** — supply-network runs and project valuation
* **ledger** — signed chain-of-custody events, provenance, compliance, mass balance
* **transparency** — public: signed checkpoints, totals, verifiable proofs

Send `Authorization: Bearer <token>` (from `orechain token create`). Every error has
the shape `{"error": {"status", "code", "message", "details"}}`.
"""


class Health(BaseModel):
    """Service health and the areas it serves."""

    status: str
    version: str
    areas: list[str]


def _lifespan(services: Services) -> Any:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        warm = asyncio.create_task(_warm(services))
        yield
        warm.cancel()
        services.close()

    return lifespan


async def _warm(services: Services) -> None:
    """Compute the overview once at start-up, so the first page view is fast."""
    try:
        await services.atlas.cached(("overview", None), lambda a: overview(a))
    except Exception:  # a broken atlas shows up on the first request instead
        logger.exception("warming the risk overview failed")


def create_api(settings: Settings | None = None) -> FastAPI:
    """Build the REST API for ``settings`` (default: from the environment).

    The ledger named by ``settings.database_url`` must exist (``orechain serve``
    creates the sample one on first start). The app's runtime is on
    ``app.state.services``; call :func:`add_middleware` once every route is added.
    """
    settings = settings or Settings.from_env()
    services = Services(settings)
    app = FastAPI(
        title="OreChain",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI loads from a CDN; the pages must work offline
        redoc_url=None,
        lifespan=_lifespan(services),
    )
    app.state.services = services
    install_error_handlers(app)
    for router in ROUTERS.values():
        app.include_router(router)
    areas = list(ROUTERS)

    @app.get("/api/health", tags=["meta"], response_model=Health)
    async def health() -> dict[str, Any]:
        """Liveness and the areas served."""
        return {"status": "ok", "version": __version__, "areas": areas}

    return app


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """The response cache, body-size and security middleware and CORS (added last)."""
    app.add_middleware(ResponseCache)
    app.add_middleware(tile_routes.TileFiles)
    app.add_middleware(ServiceMiddleware, max_body_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
