"""``orechain atlas …``: commodities, production tables, country profiles, ingest."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from orechain.atlas.loaders import LOADERS
from orechain.cli.common import JSON_OPTION, MEASURE_HELP, YEAR_OPTION, with_atlas
from orechain.cli.output import console, emit_json, print_table, say
from orechain.formatting import unit_label

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

app = typer.Typer(
    help="Reference data: commodities, production, reserves, trade.", no_args_is_help=True
)


@app.command("commodities")
def commodities(json: bool = JSON_OPTION) -> None:
    """List commodities with the measures, years and sources held for each."""
    from orechain.atlas.query import list_commodities

    frame = with_atlas(list_commodities)
    records = frame.to_dict(orient="records")
    if json:
        emit_json(records)
        return
    for r in records:
        measures = r["measures"]
        r["measures"] = ", ".join(list(measures) if measures is not None else [])
        r["years"] = f"{r['first_year']}–{r['last_year']}" if r["first_year"] else ""
    print_table(
        records,
        [
            ("commodity", "id"),
            ("name", "name"),
            ("critical", "critical"),
            ("measures", "measures"),
            ("years", "years"),
        ],
        title="Commodities in the atlas",
    )


@app.command("show")
def show(
    commodity: str = typer.Argument(..., help="Commodity name, alias or id, e.g. 'rare earths'."),
    measure: str = typer.Option("mine", "--measure", "-m", help=MEASURE_HELP),
    year: int | None = YEAR_OPTION,
    source: str = typer.Option("usgs-mcs", "--source", help="usgs-mcs, wmd, or a source id."),
    product: str | None = typer.Option(None, "--product", help="Pick one series by its type text."),
    json: bool = JSON_OPTION,
    csv: bool = typer.Option(False, "--csv", help="Print CSV."),
) -> None:
    """Production by country for one commodity, measure and year, as published."""
    from orechain.atlas.query import select_production

    sel = with_atlas(
        lambda a: select_production(a, commodity, measure, year, source=source, product=product)
    )
    if csv:
        sel.rows.to_csv(sys.stdout, index=False)
        return
    meta = {
        "commodity": sel.commodity,
        "measure": sel.measure,
        "year": sel.year,
        "type": sel.type,
        "unit": sel.unit,
        "basis": sel.basis,
        "source_id": sel.source_id,
        "other_types": list(sel.other_types),
    }
    if json:
        emit_json({**meta, "rows": sel.rows.to_dict(orient="records")})
        return
    print_table(
        sel.rows.to_dict(orient="records"),
        [
            ("country", "ISO3"),
            ("country_name", "country"),
            ("value", f"value [{unit_label(sel.unit)}]"),
            ("estimated", "est."),
            ("qualifier", "flag"),
            ("note", "note"),
        ],
        title=f"{sel.commodity} — {sel.measure}: {sel.type} — {sel.year}",
        caption=f"Source: {sel.source_id}; basis: {sel.basis or 'as published'}",
    )


@app.command("country")
def country(
    name: str = typer.Argument(..., help="ISO3 code or country name, e.g. PAK or Pakistan."),
    year: int | None = YEAR_OPTION,
    json: bool = JSON_OPTION,
) -> None:
    """A country's production and reserves of every commodity, with world share and rank."""
    from orechain.atlas.profile import country_profile

    profile = with_atlas(lambda a: country_profile(a, name, year))
    if json:
        emit_json(profile.to_dict())
        return
    rows = [
        {
            **e.__dict__,
            "share_pct": None if e.share is None else 100 * e.share,
            "rank_of": f"{e.rank}/{e.n_countries}" if e.rank else "",
        }
        for e in profile.entries
    ]
    print_table(
        rows,
        [
            ("commodity", "commodity"),
            ("measure", "measure"),
            ("year", "year"),
            ("value", "value"),
            ("unit", "unit (of value)"),
            ("share_pct", "world share [%]"),
            ("rank_of", "rank"),
            ("source_id", "source"),
        ],
        title=f"{profile.name} ({profile.iso3}): production and reserves",
        caption="Sources: USGS Mineral Commodity Summaries (latest vintage with the year); "
        "world share = value / (Σ countries + other countries).",
    )
    for note in profile.notes:
        say(f"note: {note}")
    if profile.exports:
        print_table(
            [
                {
                    "commodity": x.commodity,
                    "hs6": x.hs6,
                    "description": (x.description or "")[:60],
                    "year": x.year,
                    "value_usd": x.value_usd,
                    "quantity_t": x.quantity_t,
                    "partners": ", ".join(
                        f"{p['iso3']} {100 * p['share']:.0f} %" for p in x.partners
                    ),
                    "source_id": x.source_id,
                }
                for x in profile.exports
            ],
            [
                ("commodity", "commodity"),
                ("hs6", "HS6"),
                ("description", "product"),
                ("year", "year"),
                ("value_usd", "exports [USD]"),
                ("quantity_t", "quantity [t]"),
                ("partners", "largest buyers [% of value]"),
                ("source_id", "source"),
            ],
            title=f"{profile.name}: exports of the corridor commodities (BACI bilateral trade)",
            caption="CEPII BACI reconciled flows; newest nomenclature holding each code.",
        )


@app.command("rebuild")
def rebuild(json: bool = JSON_OPTION) -> None:
    """Rebuild the atlas from the bundled data files."""
    from orechain.atlas.store import rebuild_atlas

    reports = rebuild_atlas()
    totals: dict[str, int] = {}
    for r in reports:
        for table, n in r.rows.items():
            totals[table] = totals.get(table, 0) + n
    if json:
        emit_json({"files": len(reports), "rows": totals})
        return
    console.print(f"Atlas rebuilt from {len(reports)} bundled paths.")
    print_table(
        [{"table": t, "rows": n} for t, n in sorted(totals.items())],
        [("table", "table"), ("rows", "rows")],
    )


@app.command("ingest")
def ingest(
    kind: str = typer.Argument(..., help=f"Source kind: {', '.join(sorted(LOADERS))}."),
    path: Path = typer.Argument(..., help="File or folder to load."),
    source_id: str | None = typer.Option(None, "--source-id", help="Id to file the rows under."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Load even if the file has no rows or far fewer than the vintage it replaces.",
    ),
    json: bool = JSON_OPTION,
) -> None:
    """Load a data file into the atlas: all rows or, on any bad row, none."""

    def run(atlas: Atlas) -> object:
        return atlas.ingest(kind, path, source_id, force=force)

    report = with_atlas(run, read_only=False)
    if json:
        emit_json(report.__dict__)
        return
    console.print(
        f"Loaded {path} as {report.source_id}: "
        + ", ".join(f"{n:,} rows into {t}" for t, n in report.rows.items())
    )
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {w}")


@app.command("sources")
def sources(json: bool = JSON_OPTION) -> None:
    """The provenance register: every bundled source with its citation and licence."""
    from orechain.atlas.sources import load_sources

    records = [s.__dict__ for s in load_sources()]
    if json:
        emit_json(records)
        return
    print_table(
        records,
        [("source_id", "id"), ("title", "title"), ("licence", "licence"), ("citation", "citation")],
        title="Bundled sources",
    )
