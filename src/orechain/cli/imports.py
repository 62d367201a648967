"""``orechain risk imports COMMODITY --importer ISO3``: an importer's supply mix.

A thin layer over :func:`orechain.risk.imports.import_mix`; registered on the
``risk`` app by ``orechain.cli.risk``.
"""

from __future__ import annotations

import typer

from orechain.cli.common import JSON_OPTION, YEAR_OPTION, with_atlas
from orechain.cli.output import console, emit_json, fmt, print_table
from orechain.errors import InputError
from orechain.risk.imports import ImportMix, import_mix

PARTNER_COLUMNS = [
    ("iso3", "ISO3"),
    ("name", "partner"),
    ("value_usd", "value [USD]"),
    ("quantity_t", "quantity [t]"),
    ("share_pct", "share %"),
    ("governance", "g (0-1, 1 worst)"),
]


def imports(
    commodity: str = typer.Argument(..., help="Commodity name, alias or id (e.g. 'rare earths')."),
    importer: str = typer.Option(
        ..., "--importer", "-i", help="Importing country, ISO3 (e.g. USA)."
    ),
    year: int | None = YEAR_OPTION,
    hs: str | None = typer.Option(None, "--hs", help="Narrow to one mapped HS6 code."),
    by: str = typer.Option("value", "--by", help="Shares by 'value' (USD) or 'quantity' (t)."),
    json: bool = JSON_OPTION,
) -> None:
    """Supply mix of an importer from BACI trade: partners, shares, HHI, import risk."""
    if by not in ("value", "quantity"):
        msg = f"--by must be 'value' or 'quantity', not {by!r}"
        raise InputError(msg, field="--by")
    mix = with_atlas(
        lambda a: import_mix(
            a, commodity, importer, year, hs, "value" if by == "value" else "quantity"
        )
    )
    if json:
        emit_json(mix.to_dict())
        return
    print_mix(mix)


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
    console.print(
        f"total {fmt(mix.total_value_usd)} USD, {fmt(mix.total_quantity_t)} t; top {top}; "
        f"HHI {mix.hhi:,.0f}; import risk (GeoPolRisk form, {mix.governance_indicator}) "
        f"{fmt(mix.import_risk, 3)}"
    )
    for note in mix.notes:
        console.print(f"note: {note}")


def register(risk_app: typer.Typer) -> None:
    """Add the ``imports`` command to the ``risk`` app."""
    risk_app.command("imports")(imports)
