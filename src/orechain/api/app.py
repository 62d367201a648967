"""The FastAPI application: ``create_app(settings)``.

One app serves the REST API under ``/api``, the OpenAPI schema at
``/openapi.json`` and the dashboard pages.
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

from orechain import __version__
from orechain.api.cache import ResponseCache
from orechain.api.errors import install_error_handlers
from orechain.api.limits import ServiceMiddleware
from orechain.api.routes import atlas, economics, ledger, risk, scenarios, transparency
from orechain.api.routes import mirror as log_mirror
from orechain.api.routes import tiles as tile_routes
from orechain.api.services import Services
from orechain.api.settings import ServiceSettings
from orechain.web import routes as web_routes

logger = logging.getLogger(__name__)

__all__ = ["ROUTERS", "create_app"]

ROUTERS: dict[str, APIRouter] = {
    "atlas": atlas.router,
    "risk": risk.router,
    "ledger": ledger.router,
    "transparency": transparency.router,
    "scenarios": scenarios.router,
    "economics": economics.router,
    "tiles": tile_routes.router,
    "log": log_mirror.router,
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
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm = asyncio.create_task(_warm(services))
        yield
        warm.cancel()
        services.close()

    return lifespan


async def _warm(services: Services) -> None:
    """Compute the overview once at start-up, so the first page view is fast."""
    from orechain.risk.overview import risk_overview

    try:
        await services.atlas.cached(("overview", None), lambda a: risk_overview(a))
    except Exception:  # a broken atlas shows up on the first request instead
        logger.exception("warming the risk overview failed")


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: from the environment).

    The ledger named by ``settings.database_url`` must exist (``orechain serve``
    creates the sample one on first start).
    """
    settings = settings or ServiceSettings.from_env()
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

    web_routes.mount(app)
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
    return app
