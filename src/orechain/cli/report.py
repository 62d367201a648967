"""``orechain report …``: self-contained HTML reports."""

from __future__ import annotations

from pathlib import Path

import typer

from orechain.cli.common import YEAR_OPTION, with_atlas
from orechain.cli.output import console, print_table
from orechain.cli.risk import OVERVIEW_COLUMNS, overview_table_rows
from orechain.report.overview import write_overview
from orechain.risk.overview import risk_overview
from orechain.web.corridor_command import corridor

app = typer.Typer(help="Reports written as self-contained HTML files.", no_args_is_help=True)
app.command("corridor")(corridor)


@app.command("overview")
def overview(
    out: Path = typer.Option(
        Path("out/orechain-overview.html"), "--out", "-o", help="Where to write the HTML report."
    ),
    year: int | None = YEAR_OPTION,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print the table."),
) -> None:
    """Print the supply-concentration overview of every commodity and write it as HTML."""
    rows = with_atlas(lambda a: risk_overview(a, year))
    if not quiet:
        print_table(
            overview_table_rows(rows),
            OVERVIEW_COLUMNS,
            title="Supply concentration by commodity and stage (sorted by HHI)",
        )
    path = write_overview(rows, out, year=year)
    console.print(f"Report written to {path.resolve()}")
