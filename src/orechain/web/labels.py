"""The dashboard's one label table: field names as a reader sees them, and citations.

Pages never show a raw identifier (``fcf``, ``host_take``, ``quantity_t``, a
stage or measure slug, a bare source id). Templates use the Jinja filters
registered by :func:`register`; the page scripts read the same tables from a
JSON block the base template embeds (``window`` never holds a second copy).
Sources are cited by a short name linked to their entry on ``/sources``, the
provenance register (``orechain/data/sources/*.yaml``).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import Environment

from orechain import formatting
from orechain.atlas.sources import Source, load_sources
from orechain.stages import STAGES

__all__ = ["FIELD_LABELS", "citation", "field_label", "label_table", "register", "short_source"]

FIELD_LABELS: dict[str, str] = {
    # economics
    "year": "Year",
    "revenue": "Revenue [M USD]",
    "royalty": "Royalty [M USD]",
    "opex": "Operating cost [M USD]",
    "capex": "Capital spending [M USD]",
    "tax": "Income tax [M USD]",
    "fcf": "Free cash flow [M USD]",
    "host_take": "Host-country take [M USD]",
    "npv": "Net present value",
    "irr": "Internal rate of return",
    "export_revenue": "Export revenue",
    "jobs": "Jobs",
    "low_npv": "NPV at −20 % [M USD]",
    "high_npv": "NPV at +20 % [M USD]",
    "swing": "Swing [M USD]",
    # atlas, risk, ledger
    "quantity_t": "Quantity [t]",
    "value_usd": "Trade value [USD]",
    "quantity_kg": "Quantity [kg]",
    "from_country": "From country",
    "to_country": "To country",
    "country": "Country",
    "origin": "Origin",
    "commodity": "Commodity",
    "corridor": "Corridor",
    "mass_t": "Mass [t]",
    "hhi": "HHI (0–10,000)",
    "hhi_wgi": "Governance-weighted HHI",
    "cr1": "Top country's share (CR1)",
    "cr3": "Top three countries' share (CR3)",
    "share": "Share of world total",
    "net_import_reliance": "U.S. net import reliance",
    "shortfall_t": "Shortfall [t]",
    "reserves": "Reserves",
    "mine": "Mine production",
    "refinery": "Refinery production",
    "smelter": "Smelter production",
    "plant": "Plant production",
    "mine-estimated": "Mine production (estimated)",
}
"""Field or measure id → label with unit; stage ids come from :mod:`orechain.stages`."""


def field_label(key: str) -> str:
    """The human label of a field, measure or stage id (the id, spaced, when unknown)."""
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    stage = next((s for s in STAGES if s.id == key), None)
    if stage is not None:
        return stage.label
    return key.replace("_", " ").replace("-", " ").capitalize()


_CUT = re.compile(r"\s+(?:-|–|\(|,)\s*|:\s")


def short_source(source: Source) -> str:
    """A short citation: the title up to its first dash, bracket or comma."""
    return _CUT.split(source.title, maxsplit=1)[0].strip()


@cache
def _register() -> dict[str, Source]:
    return {s.source_id: s for s in load_sources()}


def citation(source_id: str | None) -> dict[str, str] | None:
    """Short name, full citation and register link of a source id (None if unknown)."""
    if not source_id:
        return None
    source = _register().get(source_id)
    if source is None:
        return None
    return {
        "id": source_id,
        "short": short_source(source),
        "publisher": source.publisher,
        "citation": source.citation,
        "href": f"/sources#src-{source_id}",
    }


def label_table() -> dict[str, Any]:
    """What the page scripts need: field labels, stage labels and citations."""
    fields = dict(FIELD_LABELS)
    fields.update({s.id: s.label for s in STAGES})
    cites = {sid: citation(sid) for sid in _register()}
    return {"fields": fields, "sources": cites, "units": dict(formatting.UNIT_LABELS)}


def register(env: Environment) -> None:
    """Add the formatter and label filters to a Jinja environment."""
    env.filters.update(
        number=formatting.number,
        percent=formatting.percent,
        money=formatting.money,
        ratio=formatting.ratio,
        unit=formatting.unit_label,
        label=field_label,
    )
    env.globals.update(citation=citation)
