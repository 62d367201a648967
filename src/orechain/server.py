"""The served application: the REST API and the dashboard pages in one ASGI app.

``orechain serve`` runs :func:`create_app` under uvicorn. The API
(:mod:`orechain.api`) and the pages (:mod:`orechain.web`) both call
:mod:`orechain.services` and share one runtime; this module is the only one that
imports both.
"""

from __future__ import annotations

from fastapi import FastAPI

from orechain.api.app import add_middleware, create_api
from orechain.api.errors import domain_error
from orechain.settings import Settings
from orechain.web import routes as web_routes

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API, the pages and the static files for ``settings`` (default: environment)."""
    settings = settings or Settings.from_env()
    app = create_api(settings)
    web_routes.mount(app, api_error=domain_error)
    add_middleware(app, settings)
    return app
