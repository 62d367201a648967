"""Dashboard pages: server-rendered with Jinja2; charts drawn by vendored d3 in the page.

Pages read the same cached results as the API (``app.state.services``) and the
scripts in ``static/js`` fetch the JSON API of the same origin. Nothing is loaded
from another host (the Content-Security-Policy says so too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from orechain import __version__
from orechain.api.auth import services_of
from orechain.api.errors import domain_error
from orechain.api.routes.economics import projects as list_projects
from orechain.api.routes.scenarios import bundled as list_scenarios
from orechain.api.routes.transparency import summary
from orechain.api.services import Services
from orechain.atlas.profile import country_profile
from orechain.atlas.query import list_commodities
from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError
from orechain.risk.overview import risk_overview
from orechain.web.corridor import CORRIDOR_COMMODITIES, corridor_facts

__all__ = ["NAV", "mount"]

NAV = (
    ("/", "Overview"),
    ("/atlas", "Atlas"),
    ("/risk", "Risk"),
    ("/scenarios", "Scenarios"),
    ("/economics", "Economics"),
    ("/ledger", "Ledger"),
    ("/transparency", "Transparency"),
)
"""Navigation: path and label of every page."""

_ENV = Environment(
    loader=PackageLoader("orechain.web", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES = Jinja2Templates(env=_ENV)


async def _memo(svc: Services, key: str, fn: Callable[[Atlas], Any]) -> Any:
    data = await svc.atlas.cached(("web", key), fn)
    return json.loads(data)


def _page(request: Request, name: str, title: str, **context: Any) -> Response:
    path = {"overview": "/", "country": "/atlas"}.get(name, f"/{name}")
    return TEMPLATES.TemplateResponse(
        request,
        f"{name}.html.j2",
        {
            "title": title,
            "page": name,
            "active": path,
            "nav": NAV,
            "version": __version__,
            **context,
        },
    )


def _pages(app: FastAPI) -> None:  # noqa: C901 - one small handler per page
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def overview(request: Request) -> Response:
        svc = services_of(request)
        facts = await _memo(svc, "corridor", corridor_facts)
        ledger = await svc.ledger.run(summary)
        return _page(
            request,
            "overview",
            "Pakistan → United States corridor",
            facts=facts,
            ledger=ledger,
        )

    @app.get("/atlas", response_class=HTMLResponse, include_in_schema=False)
    async def atlas(request: Request) -> Response:
        rows = await _memo(
            services_of(request),
            "commodities",
            lambda a: list_commodities(a)[["commodity", "name"]].to_dict("records"),
        )
        return _page(request, "atlas", "Atlas", commodities=rows)

    @app.get("/atlas/country/{country}", response_class=HTMLResponse, include_in_schema=False)
    async def country(request: Request, country: str) -> Response:
        svc = services_of(request)
        profile = await _memo(svc, f"profile:{country}", lambda a: country_profile(a, country))
        return _page(request, "country", f"Country profile: {profile['name']}", profile=profile)

    @app.get("/risk", response_class=HTMLResponse, include_in_schema=False)
    async def risk(request: Request) -> Response:
        svc = services_of(request)
        rows = json.loads(await svc.atlas.cached(("overview", None), lambda a: risk_overview(a)))
        commodities = sorted({r["commodity"] for r in rows} | set(CORRIDOR_COMMODITIES))
        return _page(request, "risk", "Risk", rows=rows, commodities=commodities)

    @app.get("/transparency", response_class=HTMLResponse, include_in_schema=False)
    async def transparency(request: Request) -> Response:
        t = await services_of(request).ledger.run(summary)
        return _page(request, "transparency", "Transparency", t=t)

    @app.get("/ledger", response_class=HTMLResponse, include_in_schema=False)
    async def ledger(request: Request) -> Response:
        t = await services_of(request).ledger.run(summary)
        return _page(request, "ledger", "Ledger", label=t["label"])

    @app.get("/scenarios", response_class=HTMLResponse, include_in_schema=False)
    async def scenarios(request: Request) -> Response:
        return _page(request, "scenarios", "Scenarios", bundled=await list_scenarios())

    @app.get("/economics", response_class=HTMLResponse, include_in_schema=False)
    async def economics(request: Request) -> Response:
        return _page(request, "economics", "Economics", projects=await list_projects())


def _report(app: FastAPI) -> None:
    @app.get("/report/corridor.html", include_in_schema=False)
    async def corridor_report(request: Request) -> Response:
        from orechain.web.corridor_command import build_corridor_report

        svc = services_of(request)
        cache: dict[str, str] = svc.extras.setdefault("report_cache", {})
        if "corridor" not in cache:
            cache["corridor"] = await svc.atlas.run(lambda a: build_corridor_report(svc.settings))
        return HTMLResponse(
            cache["corridor"],
            headers={"Content-Disposition": 'attachment; filename="orechain-corridor.html"'},
        )


def mount(app: FastAPI) -> None:
    """Add the static files and every page to ``app``."""
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    _pages(app)
    _report(app)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        if request.url.path.startswith("/api/"):
            return await domain_error(request, exc)
        return HTMLResponse(
            f"<!doctype html><title>Not found</title><h1>Not found</h1>"
            f"<p>{escape(str(exc))}</p><p><a href='/'>OreChain</a></p>",
            404,
        )
