"""Dashboard pages: server-rendered with Jinja2; charts drawn by vendored d3 in the page.

Pages call :mod:`orechain.services` through the runtime the API shares
(``app.state.services``, a :class:`~orechain.services.runtime.Runtime`) and the
scripts in ``static/js`` fetch the JSON API of the same origin. This package
imports nothing from :mod:`orechain.api`. Nothing is loaded from another host
(the Content-Security-Policy says so too).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from orechain._version import __version__
from orechain.atlas.profile import country_profile
from orechain.atlas.query import list_commodities
from orechain.atlas.sources import load_sources
from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError
from orechain.services import catalog
from orechain.services.corridor import CORRIDOR_COMMODITIES, corridor_facts
from orechain.services.risk import overview as risk_overview
from orechain.services.runs import recorded_run
from orechain.services.runtime import Runtime
from orechain.services.tradeflows import trade_codes
from orechain.services.transparency import summary
from orechain.web.countries import atlas_countries, country_groups
from orechain.web.labels import label_table, register, short_source

__all__ = ["NAV", "mount"]

NAV = (
    ("/", "Overview"),
    ("/atlas", "Atlas"),
    ("/trade", "Trade"),
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
register(_ENV)
TEMPLATES = Jinja2Templates(env=_ENV)


def services_of(request: Request) -> Runtime:
    """The runtime the app shares between the API and the pages."""
    runtime: Runtime = request.app.state.services
    return runtime


async def _memo(svc: Runtime, key: str, fn: Callable[[Atlas], Any]) -> Any:
    data = await svc.atlas.cached(("web", key), fn)
    return json.loads(data)


@cache
@cache
def _labels_json() -> str:
    """The label table for the page scripts, safe inside a <script> data block.

    Built once per process: its inputs (field labels, the provenance register) are.
    """
    return json.dumps(label_table(), ensure_ascii=False).replace("<", "\\u003c")


def _commodity_names(atlas: Atlas) -> dict[str, str]:
    frame = list_commodities(atlas)
    return dict(zip(frame["commodity"], frame["name"], strict=True))


def _page(request: Request, name: str, title: str, **context: Any) -> Response:
    path = {"overview": "/", "country": "/atlas", "sources": "/atlas"}.get(name, f"/{name}")
    return TEMPLATES.TemplateResponse(
        request,
        f"{name}.html.j2",
        {
            "title": title,
            "page": name,
            "active": path,
            "nav": NAV,
            "version": __version__,
            "labels_json": _labels_json(),
            "run": recorded_run(request.query_params.get("run")),
            **context,
        },
    )


def _pages(app: FastAPI) -> None:  # one small handler per page
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
        svc = services_of(request)
        rows = await _memo(
            svc,
            "commodities",
            lambda a: list_commodities(a)[["commodity", "name"]].to_dict("records"),
        )
        regions = await _memo(svc, "atlas-countries", atlas_countries)
        return _page(request, "atlas", "Atlas", commodities=rows, regions=regions)

    @app.get("/atlas/country/{country}", response_class=HTMLResponse, include_in_schema=False)
    async def country(request: Request, country: str) -> Response:
        svc = services_of(request)
        profile = await _memo(svc, f"profile:{country}", lambda a: country_profile(a, country))
        names = await _memo(svc, "commodity-names", _commodity_names)
        return _page(
            request,
            "country",
            f"Country profile: {profile['name']}",
            profile=profile,
            groups=country_groups(profile, names),
        )

    @app.get("/trade", response_class=HTMLResponse, include_in_schema=False)
    async def trade(request: Request) -> Response:
        codes = await _memo(services_of(request), "trade-codes", trade_codes)
        return _page(request, "trade", "Trade flows (BACI)", codes=codes)

    @app.get("/risk", response_class=HTMLResponse, include_in_schema=False)
    async def risk(request: Request) -> Response:
        svc = services_of(request)
        rows = json.loads(await svc.atlas.cached(("overview", None), lambda a: risk_overview(a)))
        names = await _memo(svc, "commodity-names", _commodity_names)
        ids = {r["commodity"] for r in rows} | set(CORRIDOR_COMMODITIES)
        commodities = sorted(((c, names.get(c, c)) for c in ids), key=lambda c: c[1])
        return _page(request, "risk", "Risk", rows=rows, commodities=commodities)

    @app.get("/transparency", response_class=HTMLResponse, include_in_schema=False)
    async def transparency(request: Request) -> Response:
        from orechain.transparency.policy import published_policy

        t = await services_of(request).ledger.run(summary)
        return _page(
            request, "transparency", "Transparency", t=t, witness_policy=published_policy()
        )

    @app.get("/ledger", response_class=HTMLResponse, include_in_schema=False)
    async def ledger(request: Request) -> Response:
        t = await services_of(request).ledger.run(summary)
        return _page(request, "ledger", "Ledger", label=t["label"])

    @app.get("/scenarios", response_class=HTMLResponse, include_in_schema=False)
    async def scenarios(request: Request) -> Response:
        bundled = [asdict(b) for b in catalog.bundled_scenarios()]
        return _page(request, "scenarios", "Scenarios", bundled=bundled)

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    async def sources(request: Request) -> Response:
        register_ = [{**asdict(s), "short": short_source(s)} for s in load_sources()]
        return _page(request, "sources", "Sources: the provenance register", sources=register_)

    @app.get("/economics", response_class=HTMLResponse, include_in_schema=False)
    async def economics(request: Request) -> Response:
        projects = [asdict(p) for p in catalog.bundled_projects()]
        return _page(request, "economics", "Economics", projects=projects)


def _report(app: FastAPI) -> None:
    @app.get("/report/corridor.html", include_in_schema=False)
    async def corridor_report(request: Request) -> Response:
        from orechain.report.corridor import build_corridor_report

        svc = services_of(request)
        html: str | None = svc.reports.get("corridor")
        if html is None:
            html = await svc.atlas.run(lambda _: build_corridor_report(svc.settings))
            svc.reports["corridor"] = html
        return HTMLResponse(
            html,
            headers={"Content-Disposition": 'attachment; filename="orechain-corridor.html"'},
        )


ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


def mount(app: FastAPI, api_error: ErrorHandler) -> None:
    """Add the static files and every page to ``app``.

    ``api_error`` answers a not-found error under ``/api/`` (the API's error shape);
    pages get an HTML 404.
    """
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    _pages(app)
    _report(app)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        if request.url.path.startswith("/api/"):
            return await api_error(request, exc)
        return HTMLResponse(
            f"<!doctype html><title>Not found</title><h1>Not found</h1>"
            f"<p>{escape(str(exc))}</p><p><a href='/'>OreChain</a></p>",
            404,
        )
