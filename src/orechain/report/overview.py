"""The supply-concentration overview as a self-contained HTML page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from orechain._version import __version__
from orechain.atlas.sources import load_sources
from orechain.formatting import number, percent
from orechain.risk.overview import OverviewRow

_ENV = Environment(
    loader=PackageLoader("orechain.report", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["number"] = number
_ENV.filters["percent"] = percent
"""The one number formatter of the CLI, so the report reads the same figures the same way."""


def render_overview(
    rows: list[OverviewRow], *, year: int | None = None, run: dict[str, Any] | None = None
) -> str:
    """Render the overview table, bars and source list to one HTML string.

    ``run`` is the ``run`` block of a recorded run: the page then says
    "recorded as run N — verify" with the digest and the command that checks it.
    """
    used = {r.source_id for r in rows}
    sources = [s for s in load_sources() if s.source_id in used or s.source_id.startswith("wgi")]
    return _ENV.get_template("overview.html.j2").render(
        rows=rows,
        year=year,
        sources=sources,
        version=__version__,
        run=run,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_overview(
    rows: list[OverviewRow],
    path: Path,
    *,
    year: int | None = None,
    run: dict[str, Any] | None = None,
) -> Path:
    """Write the overview report to ``path`` (parents created), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_overview(rows, year=year, run=run), encoding="utf-8")
    tmp.replace(path)
    return path
