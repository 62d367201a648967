"""The Pakistan → United States corridor report: one self-contained HTML file.

Charts are inline SVG; the file loads no script, style or font from anywhere.
The numbers come from :mod:`orechain.services.corridor` (the same facts as the
dashboard's Overview page) and the ledger's transparency summary.
"""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from orechain._version import __version__
from orechain.atlas.store import open_atlas
from orechain.errors import OreChainError
from orechain.formatting import number, percent, share_range, share_range_note
from orechain.services.corridor import corridor_backtests, corridor_facts, corridor_scenario
from orechain.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["build_corridor_report", "render_corridor", "svg_bars", "write_corridor"]

_ENV = Environment(
    loader=PackageLoader("orechain.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(
    number=number, percent=percent, share_range=share_range, share_range_note=share_range_note
)
"""The one number formatter, so the report reads each figure as the CLI and the pages do."""


def svg_bars(
    items: list[tuple[str, float | None]],
    *,
    maximum: float = 1.0,
    unit: str = "%",
    scale: float = 100.0,
    title: str = "",
) -> Markup:
    """A horizontal bar chart as inline SVG (for files that must not load scripts)."""
    height = 26 * len(items) + 10
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 520 {height}" '
        f'width="520" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + 26 * i
        width = 0.0 if value is None else 300 * max(0.0, value) / maximum
        text = "n/a" if value is None else f"{value * scale:.0f} {unit}"
        parts.append(
            f'<text x="150" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="158" y="{y + 3}" width="{width:.1f}" height="17" fill="#b4462b"/>'
            f'<text x="{164 + width:.1f}" y="{y + 16}" font-size="13">{text}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def render_corridor(
    facts: dict[str, Any],
    checkpoint: dict[str, Any] | None = None,
    scenario: dict[str, Any] | None = None,
    backtests: dict[str, Any] | None = None,
) -> str:
    """The corridor report as one HTML string: no scripts, no external files."""
    charts = {
        cid: svg_bars(
            [(f"{r['stage']} ({r['year']})", r["china_share"]) for r in rows],
            title=f"China's share at each stage of {cid}",
        )
        for cid, rows in facts["stages"].items()
        if rows
    }
    nir_chart = svg_bars(
        [
            (
                r["name"],
                None if r["net_import_reliance"] is None else r["net_import_reliance"] / 100,
            )
            for r in facts["nir"]
        ],
        title="U.S. net import reliance",
    )
    return _ENV.get_template("corridor.html.j2").render(
        facts=facts,
        charts=charts,
        nir_chart=nir_chart,
        checkpoint=checkpoint,
        scenario=scenario,
        backtests=backtests,
        version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_corridor(html: str, path: Path) -> Path:
    """Write the report to ``path`` atomically (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def _checkpoint(url: str) -> dict[str, Any] | None:
    from orechain.ledger.service import Ledger
    from orechain.services.transparency import summary

    try:
        with Ledger.open(url) as led:
            return summary(led)
    except OreChainError as exc:
        logger.warning("no ledger checkpoint in the report: %s", exc)
        return None


def build_corridor_report(settings: Settings | None = None) -> str:
    """Compute everything the corridor report shows and render it."""
    settings = settings or Settings.from_env()
    atlas = open_atlas(settings, read_only=True)
    try:
        facts = corridor_facts(atlas)
        scenario = corridor_scenario(atlas)
        backtests = corridor_backtests(atlas)
    finally:
        atlas.close()
    return render_corridor(facts, _checkpoint(settings.database_url), scenario, backtests)
