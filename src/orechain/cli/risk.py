"""``orechain risk …``: concentration of a commodity, the overview, import mixes."""

from __future__ import annotations

import typer

from orechain.cli.common import (
    JSON_OPTION,
    MEASURE_HELP,
    YEAR_OPTION,
    with_atlas,
)
from orechain.cli.group import DefaultCommandGroup
from orechain.cli.imports import register as register_imports
from orechain.cli.output import console, emit_json, fmt, print_table
from orechain.risk.commodity import CommodityRisk
from orechain.risk.overview import OverviewRow
from orechain.risk.supply_risk import supply_risk
from orechain.services.risk import overview as risk_overview
from orechain.services.risk import risk_profile

app = typer.Typer(
    cls=DefaultCommandGroup,
    help="Supply concentration and risk. `orechain risk COMMODITY` or a subcommand.",
    no_args_is_help=True,
)

OVERVIEW_COLUMNS = [
    ("name", "commodity"),
    ("measure", "measure"),
    ("year", "year"),
    ("top_country", "top"),
    ("cr1_pct", "CR1 %"),
    ("cr3_pct", "CR3 %"),
    ("hhi", "HHI"),
    ("hhi_wgi", "HHI_WGI"),
    ("nir", "US NIR %"),
]


@app.command("commodity", hidden=True)
def commodity(
    name: str = typer.Argument(..., help="Commodity name, alias or id."),
    measure: str = typer.Option("mine", "--measure", "-m", help=MEASURE_HELP),
    year: int | None = YEAR_OPTION,
    source: str = typer.Option("usgs-mcs", "--source", help="usgs-mcs, wmd, or a source id."),
    product: str | None = typer.Option(None, "--product", help="Pick one series by its type text."),
    json: bool = JSON_OPTION,
) -> None:
    """Shares, HHI, CR1/CR3, HHI_WGI and U.S. import reliance of one commodity."""
    result = with_atlas(
        lambda a: risk_profile(a, name, measure, year, source=source, product=product)
    )
    if json:
        emit_json(result.to_dict())
        return
    _print_risk(result)


def _print_risk(r: CommodityRisk) -> None:
    rows = [
        {**c.__dict__, "share_pct": None if c.share is None else 100 * c.share} for c in r.countries
    ]
    print_table(
        rows,
        [
            ("iso3", "ISO3"),
            ("name", "country"),
            ("value", f"value [{r.unit}]"),
            ("share_pct", "share %"),
            ("qualifier", "flag"),
        ],
        title=f"{r.commodity} — {r.measure}: {r.type} — {r.year}",
        caption=f"Sources: {', '.join(r.sources)}",
    )
    nir = fmt(r.net_import_reliance) + (
        f" ({r.net_import_reliance_flag})" if r.net_import_reliance_flag else ""
    )
    console.print(
        f"total {fmt(r.total)} {r.unit} (published world total {fmt(r.world_total_published)}); "
        f"top {r.top_country}; CR1 {100 * r.cr1:.1f} %; CR3 {100 * r.cr3:.1f} %; "
        f"HHI {r.hhi:,.0f}; HHI_WGI {fmt(r.hhi_wgi)}; US net import reliance {nir} %"
    )
    for note in r.notes:
        console.print(f"note: {note}")
    for comp in r.comparison:
        console.print(
            f"{comp.source_id}: total {fmt(comp.total)} {comp.unit}; top {comp.top_country}; "
            f"CR1 {100 * comp.cr1:.1f} %; HHI {comp.hhi:,.0f}; "
            f"{len(comp.differences)} countries differ"
        )


@app.command("overview")
def overview(year: int | None = YEAR_OPTION, json: bool = JSON_OPTION) -> None:
    """One row per commodity × measure: top country, CR1, CR3, HHI, HHI_WGI, US NIR."""
    rows = with_atlas(lambda a: risk_overview(a, year))
    if json:
        emit_json([r.to_dict() for r in rows])
        return
    print_table(
        overview_table_rows(rows),
        OVERVIEW_COLUMNS,
        title="Supply concentration by commodity and stage (sorted by HHI)",
    )


def overview_table_rows(rows: list[OverviewRow]) -> list[dict[str, object]]:
    """Rows of the overview table with percentages for display."""
    return [
        {
            **r.to_dict(),
            "cr1_pct": 100 * r.cr1,
            "cr3_pct": 100 * r.cr3,
            "hhi": f"≥ {r.hhi:,.0f}" if r.note else round(r.hhi),
            "nir": r.net_import_reliance_flag
            if r.net_import_reliance is None
            else r.net_import_reliance,
        }
        for r in rows
    ]


@app.command("supply")
def supply(
    name: str = typer.Argument(..., help="Commodity name, alias or id."),
    buyer: str = typer.Option("USA", "--buyer", help="ISO3 of the buying country."),
    year: int | None = YEAR_OPTION,
    import_reliance: float | None = typer.Option(
        None, "--import-reliance", help="IR 0..1 (default: USGS U.S. net import reliance)."
    ),
    substitution_index: float | None = typer.Option(
        None, "--substitution-index", help="SI_SR 0..1 (default 1.0, an assumption)."
    ),
    trade_restriction: float | None = typer.Option(
        None, "--trade-restriction", help="t >= 1 (default 1.0, an assumption)."
    ),
    eol_rir: float | None = typer.Option(
        None, "--eol-rir", help="End-of-life recycling input rate 0..1 (default: bundled data)."
    ),
    json: bool = JSON_OPTION,
) -> None:
    """EU supply risk per stage and its maximum, with every input marked data or assumption."""
    result = with_atlas(
        lambda a: supply_risk(
            a,
            name,
            buyer.upper(),
            year,
            import_reliance=import_reliance,
            substitution_index=substitution_index,
            trade_restriction=trade_restriction,
            eol_rir=eol_rir,
        )
    )
    if json:
        emit_json(result.to_dict())
        return
    print_table(
        [s.__dict__ for s in result.stages],
        [
            ("stage", "stage"),
            ("year", "year"),
            ("hhi_wgi_global", "HHI_WGI global"),
            ("hhi_wgi_sourcing", "HHI_WGI sourcing"),
            ("import_reliance", "IR"),
            ("sr", "SR"),
        ],
        title=f"EU supply risk of {result.commodity} for {result.buyer}: "
        f"SR {result.sr:.2f} ({result.max_stage})",
    )
    print_table(
        [i.__dict__ for i in result.inputs],
        [("name", "input"), ("value", "value"), ("kind", "kind"), ("source", "source")],
        title="Inputs",
    )


register_imports(app)
