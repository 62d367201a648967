"""``orechain risk …``: concentration of a commodity, the overview, import mixes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from orechain.cli.common import (
    JSON_OPTION,
    MEASURE_HELP,
    RECORD_OPTION,
    YEAR_OPTION,
    record_if,
    say_recorded,
    with_atlas,
)
from orechain.cli.group import DefaultCommandGroup
from orechain.cli.imports import register as register_imports
from orechain.cli.output import emit_json, fmt, print_table, say
from orechain.errors import InputError
from orechain.formatting import unit_label

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.risk.commodity import CommodityRisk

app = typer.Typer(
    cls=DefaultCommandGroup,
    help="Supply concentration and risk. `orechain risk COMMODITY` or a subcommand.",
    no_args_is_help=True,
)

OVERVIEW_COLUMNS = [
    ("name", "commodity"),
    ("measure", "measure"),
    ("year", "year"),
    ("n_countries", "countries reporting"),
    ("top_country", "top"),
    ("cr1_pct", "CR1 [%]"),
    ("cr3_pct", "CR3 [%]"),
    ("hhi", "HHI [0–10,000]"),
    ("hhi_wgi", "HHI_WGI [0–10]"),
    ("nir", "US NIR [%]"),
]
OVERVIEW_CAPTION = (
    "Sources: USGS Mineral Commodity Summaries (latest vintage with the year), IEA/EU stage "
    "shares, World Bank WGI. '*' after the count: only one country reports that series, so "
    "100 % / HHI 10,000 reflect coverage, not concentration (listed last). "
    "US NIR: U.S. net import reliance; E = net exporter, W = withheld, NA = not available. "
    "'≥' HHI: the source names only its top suppliers."
)


@app.command("commodity", hidden=True)
def commodity(
    name: str = typer.Argument(..., help="Commodity name, alias or id."),
    measure: str | None = typer.Option(
        None, "--measure", "-m", help=MEASURE_HELP + " Default: mine, else the primary measure."
    ),
    year: int | None = YEAR_OPTION,
    source: str = typer.Option("usgs-mcs", "--source", help="usgs-mcs, wmd, or a source id."),
    product: str | None = typer.Option(None, "--product", help="Pick one series by its type text."),
    bands: bool = typer.Option(
        False, "--bands", help="HHI and CR1 p5/p50/p95 from vintage revisions, WMD, W, rounding."
    ),
    ledger: str | None = typer.Option(
        None, "--ledger", help="Ledger database: add the origin shares of lots --buyer received."
    ),
    buyer: str = typer.Option("USA", "--buyer", help="ISO3 of the receiving country (--ledger)."),
    period: str | None = typer.Option(
        None, "--period", help="Receipts in YYYY, YYYY-MM or YYYY-Qn (--ledger)."
    ),
    record: bool = RECORD_OPTION,
    json: bool = JSON_OPTION,
) -> None:
    """Shares, HHI, CR1/CR3, HHI_WGI and U.S. import reliance of one commodity."""
    from orechain.cli.risk_views import print_bands, print_verified
    from orechain.services.risk import risk_profile, verified_document, with_bands

    inputs = {"commodity": name, "measure": measure, "year": year, "source": source,
              "product": product, "bands": bands}  # fmt: skip
    if ledger is not None and record:
        msg = "--record cannot yet record a ledger-fed view (the ledger grows; see docs/runs.md)"
        raise InputError(msg, field="--record")

    def compute(a: Atlas) -> tuple[CommodityRisk, dict[str, Any]]:
        r = risk_profile(a, name, measure, year, source=source, product=product)
        return r, with_bands(a, r, bands, source=source, product=product)

    result, doc = with_atlas(compute)
    if ledger is not None:
        doc["verified"] = verified_document(ledger, doc, buyer.upper(), period)
    doc = record_if(record, "risk", lambda: inputs, doc)
    if json:
        emit_json(doc)
        return
    _print_risk(result)
    print_bands(doc.get("bands"))
    print_verified(doc.get("verified"))
    say_recorded(doc)


NIR_FLAGS = {
    "E": "E = net exporter (USGS: exports exceed consumption)",
    "W": "W = withheld by USGS to avoid disclosing company data",
    "NA": "NA = not available",
}
"""Letters USGS prints in the net-import-reliance column, explained beside the figure."""


def _print_risk(r: CommodityRisk) -> None:
    rows = [
        {**c.__dict__, "share_pct": None if c.share is None else 100 * c.share,
         "flag": "W (withheld)" if c.qualifier == "W" else c.qualifier}
        for c in r.countries
    ]  # fmt: skip
    print_table(
        rows,
        [
            ("iso3", "ISO3"),
            ("name", "country"),
            ("value", f"production [{unit_label(r.unit)}]"),
            ("share_pct", "share [%]"),
            ("flag", "flag"),
        ],
        title=f"{r.commodity} — {r.measure}: {r.type} — {r.year}",
        caption=f"Sources: {', '.join(r.sources)}",
    )
    flag = r.net_import_reliance_flag
    nir = f"{fmt(r.net_import_reliance)} %" if r.net_import_reliance is not None else (flag or "–")
    say(
        f"total {fmt(r.total)} {unit_label(r.unit)} "
        f"(published world total {fmt(r.world_total_published)}); "
        f"top {r.top_country}; CR1 {100 * r.cr1:.1f} %; CR3 {100 * r.cr3:.1f} %; "
        f"HHI {r.hhi:,.0f} (0–10,000); HHI_WGI {fmt(r.hhi_wgi)} (0–10, EU method); "
        f"US net import reliance {nir}"
    )
    if flag in NIR_FLAGS:
        say(f"US net import reliance: {NIR_FLAGS[flag]}")
    if r.withheld:
        say(
            f"withheld (W): {', '.join(r.withheld)} — the source withholds the value; "
            "left null and out of the shares"
        )
    for note in r.notes:
        say(f"note: {note}")
    for comp in r.comparison:
        say(
            f"{comp.source_id}: total {fmt(comp.total)} {unit_label(comp.unit)}; "
            f"top {comp.top_country}; "
            f"CR1 {100 * comp.cr1:.1f} %; HHI {comp.hhi:,.0f}; "
            f"{len(comp.differences)} countries differ"
        )


@app.command("overview")
def overview(
    year: int | None = YEAR_OPTION,
    top: int | None = typer.Option(
        None, "--top", min=1, help="Print only the N most concentrated series."
    ),
    bands: bool = typer.Option(
        False, "--bands", help="HHI p5–p95 per series; flag ranks the bands do not settle."
    ),
    record: bool = RECORD_OPTION,
    json: bool = JSON_OPTION,
) -> None:
    """One row per commodity × measure: top country, CR1, CR3, HHI, HHI_WGI, US NIR."""
    from orechain.services.risk import overview as risk_overview
    from orechain.services.risk import overview_with_bands

    if bands:
        docs = with_atlas(lambda a: overview_with_bands(a, year))
    else:
        docs = [r.to_dict() for r in with_atlas(lambda a: risk_overview(a, year))]
    doc = record_if(record, "risk overview", lambda: {"year": year, "bands": bands}, docs)
    shown = docs[:top] if top else docs
    if json:
        emit_json({**doc, "result": shown} if record else shown)
        return
    title = "Supply concentration by commodity and stage (sorted by HHI)"
    if top:
        title = f"The {len(shown)} most concentrated of {len(docs)} series (sorted by HHI)"
    columns = OVERVIEW_COLUMNS + (BAND_COLUMNS if bands else [])
    print_table(overview_table_rows(shown), columns, title=title, caption=OVERVIEW_CAPTION)
    if top and len(docs) > len(shown):
        say("Full overview: orechain risk overview")
    if bands:
        say(BAND_NOTE)
    say_recorded(doc)


BAND_COLUMNS = [("hhi_range", "HHI p5–p95"), ("rank", "rank")]
BAND_NOTE = (
    "HHI p5–p95: from USGS vintage revisions, World Mining Data, withheld values and rounding "
    "(see `orechain risk COMMODITY --bands`); rank 'uncertain': the band overlaps a "
    "neighbour's, so the two could swap places; '–': shares-only or single-reporter series."
)
"""Extra overview columns with ``--bands``: the HHI band and whether the rank is settled."""


def overview_table_rows(rows: list[dict[str, Any]]) -> list[dict[str, object]]:
    """Rows of the overview table (overview documents) with percentages for display."""
    return [
        {
            **r,
            "cr1_pct": 100 * r["cr1"],
            "cr3_pct": 100 * r["cr3"],
            "hhi": f"≥ {r['hhi']:,.0f}" if r["note"] else round(r["hhi"]),
            "nir": r["net_import_reliance_flag"]
            if r["net_import_reliance"] is None
            else r["net_import_reliance"],
            "n_countries": f"{r['n_countries']} *" if r["single_reporter"] else r["n_countries"],
            "hhi_range": _band_text(r.get("hhi_band")),
        }
        for r in rows
    ]


def _band_text(band: dict[str, float] | None) -> str | None:
    return None if band is None else f"{band['p5']:,.0f}–{band['p95']:,.0f}"


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
    record: bool = RECORD_OPTION,
    json: bool = JSON_OPTION,
) -> None:
    """EU supply risk per stage and its maximum, with every input marked data or assumption."""
    from orechain.inputs import check_number
    from orechain.risk.supply_risk import supply_risk

    for flag, value, lo, hi in (
        ("--import-reliance", import_reliance, 0.0, 1.0),
        ("--substitution-index", substitution_index, 0.0, 1.0),
        ("--trade-restriction", trade_restriction, 1.0, None),
        ("--eol-rir", eol_rir, 0.0, 1.0),
    ):
        if value is not None:
            check_number(value, flag, lo=lo, hi=hi)

    options: dict[str, Any] = {
        "year": year,
        "import_reliance": import_reliance,
        "eol_rir": eol_rir,
        "substitution_index": substitution_index,
        "trade_restriction": trade_restriction,
    }
    result = with_atlas(lambda a: supply_risk(a, name, buyer.upper(), **options))
    inputs = {"commodity": name, "buyer": buyer.upper(), **options}
    doc = record_if(record, "risk supply", lambda: inputs, result.to_dict())
    if json:
        emit_json(doc)
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
    say_recorded(doc)


register_imports(app)
