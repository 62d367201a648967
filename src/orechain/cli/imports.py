"""``orechain risk imports COMMODITY --importer ISO3``: an importer's supply mix.

A thin layer over :func:`orechain.risk.imports.import_mix`; registered on the
``risk`` app by ``orechain.cli.risk``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from orechain.cli.common import (
    JSON_OPTION,
    RECORD_OPTION,
    YEAR_OPTION,
    record_if,
    say_recorded,
    with_atlas,
)
from orechain.cli.output import emit_json, fmt, print_table, say
from orechain.errors import InputError

if TYPE_CHECKING:
    from orechain.risk.geopolrisk import GeoPolRisk
    from orechain.risk.imports import ImportMix

PARTNER_COLUMNS = [
    ("iso3", "ISO3"),
    ("name", "partner"),
    ("value_usd", "value [USD]"),
    ("quantity_t", "quantity [t]"),
    ("share_pct", "share [%]"),
    ("governance", "governance risk g [0 best – 1 worst]"),
]


def imports(
    commodity: str = typer.Argument(..., help="Commodity name, alias or id (e.g. 'rare earths')."),
    importer: str = typer.Option(
        ..., "--importer", "-i", help="Importing country, ISO3 (e.g. USA)."
    ),
    year: int | None = YEAR_OPTION,
    hs: str | None = typer.Option(None, "--hs", help="Narrow to one mapped HS6 code."),
    by: str = typer.Option("value", "--by", help="Shares by 'value' (USD) or 'quantity' (t)."),
    record: bool = RECORD_OPTION,
    json: bool = JSON_OPTION,
) -> None:
    """Supply mix of an importer from BACI trade: partners, shares, HHI, import risk."""
    from orechain.services.risk import import_risk, imports_document

    if by not in ("value", "quantity"):
        msg = f"--by must be 'value' or 'quantity', not {by!r}"
        raise InputError(msg, field="--by")
    inputs = {"commodity": commodity, "importer": importer, "year": year, "hs": hs, "by": by}
    mix, gpr = with_atlas(lambda a: import_risk(a, **inputs))  # type: ignore[arg-type]
    doc = record_if(record, "risk imports", lambda: inputs, imports_document(mix, gpr))
    if json:
        emit_json(doc)
        return
    print_mix(mix)
    print_geopolrisk(gpr)
    say_recorded(doc)


def print_mix(mix: ImportMix) -> None:
    """Print an import mix as a table and a one-line summary."""
    rows = [{**p.__dict__, "share_pct": 100 * p.share} for p in mix.partners]
    sources = "; ".join(f"{s.hs6}: {s.source_id} ({s.nomenclature})" for s in mix.sources)
    print_table(
        rows,
        PARTNER_COLUMNS,
        title=f"{mix.commodity} imports into {mix.importer}, {mix.year}, by {mix.by} "
        f"(HS {', '.join(mix.hs_codes)})",
        caption=f"Sources: {sources}",
    )
    top = f"{mix.top_partner} {100 * mix.top_share:.1f} %" if mix.top_share is not None else "–"
    say(
        f"total {fmt(mix.total_value_usd)} USD, {fmt(mix.total_quantity_t)} t; top {top}; "
        f"import HHI {mix.hhi:,.0f} (0–10,000); governance-weighted import risk by {mix.by} "
        f"({mix.governance_indicator}, no domestic production; a variant, not the published "
        f"GeoPolRisk) {fmt(mix.import_risk, 3)}"
    )
    say("g: partner's WGI rescaled to 0–1 (1 = worst governance); '–' = no WGI score (0.5 used).")
    for note in mix.notes:
        say(f"note: {note}")


def print_geopolrisk(gpr: GeoPolRisk | str) -> None:
    """One paragraph: the published GeoPolRisk figures, or why they are missing."""
    if isinstance(gpr, str):
        say(f"GeoPolRisk (published method): not available — {gpr}")
        return
    say(
        f"GeoPolRisk (published method; BACI HS92 quantities [t] for HS {', '.join(gpr.hs_codes)}, "
        f"WGI Political Stability, World Mining Data production): import risk "
        f"{gpr.import_risk:.3f}, production HHI {gpr.hhi:.3f}, score {gpr.score:.4f}, "
        f"characterisation factor {gpr.characterisation_factor:.3f} eq. kg Cu/kg "
        f"(imports {fmt(gpr.imports_t)} t at {gpr.price_usd_per_kg:.2f} USD/kg; domestic "
        f"production {fmt(gpr.domestic_production_t)} t)"
    )


def register(risk_app: typer.Typer) -> None:
    """Add the ``imports`` command to the ``risk`` app."""
    risk_app.command("imports")(imports)
