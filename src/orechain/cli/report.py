"""``orechain report …``: self-contained HTML reports (both built in :mod:`orechain.report`)."""

from __future__ import annotations

from pathlib import Path

import typer

from orechain.cli.common import RECORD_OPTION, YEAR_OPTION, record_if, say_recorded, with_atlas
from orechain.cli.output import console, print_table
from orechain.cli.risk import OVERVIEW_COLUMNS, overview_table_rows
from orechain.report.overview import write_overview
from orechain.services.risk import overview as risk_overview

app = typer.Typer(help="Reports written as self-contained HTML files.", no_args_is_help=True)


@app.command("corridor")
def corridor(
    out: Path = typer.Option(
        Path("out/orechain-corridor.html"), "--out", "-o", help="Where to write the HTML report."
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", "--db", help="Ledger for the checkpoint section."
    ),
) -> None:
    """Write the Pakistan → US corridor report (charts embedded, no scripts, works offline)."""
    from orechain.report.corridor import build_corridor_report, write_corridor
    from orechain.settings import Settings

    settings = Settings.from_env()
    if database_url:
        settings = settings.with_database(database_url)
    path = write_corridor(build_corridor_report(settings), out)
    typer.echo(f"Report written to {path.resolve()}")


@app.command("overview")
def overview(
    out: Path = typer.Option(
        Path("out/orechain-overview.html"), "--out", "-o", help="Where to write the HTML report."
    ),
    year: int | None = YEAR_OPTION,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print the table."),
    record: bool = RECORD_OPTION,
) -> None:
    """Print the supply-concentration overview of every commodity and write it as HTML."""
    rows = with_atlas(lambda a: risk_overview(a, year))
    run = record_if(record, "report overview", lambda: {"year": year}, [r.to_dict() for r in rows])
    if not quiet:
        print_table(
            overview_table_rows([r.to_dict() for r in rows]),
            OVERVIEW_COLUMNS,
            title="Supply concentration by commodity and stage (sorted by HHI)",
        )
    path = write_overview(rows, out, year=year, run=run.get("run") if record else None)
    console.print(f"Report written to {path.resolve()}")
    say_recorded(run)
