"""The Pakistan → United States corridor in numbers, and its self-contained HTML report.

The same facts feed the dashboard's Overview page and ``orechain report corridor``:
China's share at each stage of rare earths, antimony and copper (from the risk
overview), U.S. net import reliance, the ledger's latest signed checkpoint, and —
when the scenario engine is installed — what the Pakistan mitigations change.
"""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from orechain import __version__
from orechain.atlas.store import Atlas
from orechain.errors import OreChainError
from orechain.risk.commodity import commodity_risk
from orechain.risk.overview import OverviewRow, risk_overview

logger = logging.getLogger(__name__)

CORRIDOR_COMMODITIES = ("rare-earths", "antimony", "copper")
"""The commodities of the first Pakistan → US shipment (seed article)."""

__all__ = [
    "CORRIDOR_COMMODITIES",
    "corridor_facts",
    "render_corridor",
    "svg_bars",
    "write_corridor",
]

_ENV = Environment(
    loader=PackageLoader("orechain.web", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _china_share(atlas: Atlas, row: OverviewRow) -> float | None:
    if row.top_country == "CHN":
        return row.cr1
    try:
        risk = commodity_risk(atlas, row.commodity, row.measure, row.year)
    except OreChainError:
        return None
    return next((c.share for c in risk.countries if c.iso3 == "CHN"), 0.0)


def stage_rows(atlas: Atlas, rows: list[OverviewRow], commodity: str) -> list[dict[str, Any]]:
    """China's share, HHI and source at each stage of one commodity, mining first."""
    order = {"mine": 0, "processing": 1, "refining": 2, "refinery": 2, "smelter": 2}
    picked = sorted(
        (r for r in rows if r.commodity == commodity),
        key=lambda r: (order.get(r.measure, 5), r.measure),
    )
    return [
        {
            "commodity": r.commodity,
            "name": r.name,
            "stage": r.measure,
            "year": r.year,
            "china_share": _china_share(atlas, r),
            "top_country": r.top_country,
            "hhi": r.hhi,
            "lower_bound": r.note is not None,
            "source_id": r.source_id,
            "note": r.note,
        }
        for r in picked
    ]


def corridor_facts(atlas: Atlas, year: int | None = None) -> dict[str, Any]:
    """China's share by stage and U.S. net import reliance for the corridor's commodities."""
    rows = risk_overview(atlas, year)
    stages = {cid: stage_rows(atlas, rows, cid) for cid in CORRIDOR_COMMODITIES}
    nir = []
    for cid in CORRIDOR_COMMODITIES:
        first = next((r for r in rows if r.commodity == cid), None)
        if first is not None:
            nir.append(
                {
                    "commodity": cid,
                    "name": first.name,
                    "year": first.year,
                    "net_import_reliance": first.net_import_reliance,
                    "flag": first.net_import_reliance_flag,
                }
            )
    return {"stages": stages, "nir": nir}


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
    return _ENV.get_template("report_corridor.html.j2").render(
        facts=facts,
        charts=charts,
        nir_chart=nir_chart,
        checkpoint=checkpoint,
        scenario=scenario,
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
