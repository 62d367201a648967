"""``orechain scenario``: validate, run, optimise and compare supply scenarios."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from orechain.cli.common import JSON_OPTION, RECORD_OPTION, record_if, say_recorded, scenario_input
from orechain.cli.output import console, emit_json, fmt, print_table, say
from orechain.errors import InputError
from orechain.formatting import share_range, share_range_note
from orechain.inputs import MAX_DRAWS, MAX_WORKERS
from orechain.jsonsafe import to_jsonable

if TYPE_CHECKING:
    from orechain.scenarios.montecarlo import MonteCarloResult
    from orechain.scenarios.spec import Scenario

app = typer.Typer(help="Supply-network scenarios: disruptions, new suppliers, Monte Carlo.")

FILE_ARG = typer.Argument(..., help="Scenario YAML file, or the name of a bundled scenario.")


def _with_optional_atlas(scn: Scenario, func: Any) -> Any:
    if scn.network is not None:
        return func(None)
    from orechain.cli.common import with_atlas

    return with_atlas(func)


@app.command()
def validate(file: str = FILE_ARG, as_json: bool = JSON_OPTION) -> None:
    """Check a scenario file: fields, ranges and every cross-reference."""
    from orechain.scenarios.spec import load_scenario

    scn = load_scenario(file)
    info = {
        "scenario": scn.name,
        "valid": True,
        "source": "explicit network" if scn.network else f"atlas: {scn.commodity_id}",
        "years": [scn.horizon.start, scn.horizon.end],
        "stages": scn.stages,
        "regions": scn.demand_regions,
        "disruptions": [d.id for d in scn.disruptions],
        "mitigations": [m.id for m in scn.mitigations],
        "uncertainty_blocks": len(scn.uncertainty),
    }
    if as_json:
        emit_json(info)
        return
    console.print(
        f"[green]valid[/green] {scn.name}: {info['source']}, {scn.horizon.start}–{scn.horizon.end}"
    )


@app.command()
def run(
    file: str = FILE_ARG,
    draws: int = typer.Option(
        0, "--draws", min=0, max=MAX_DRAWS, help="Monte Carlo draws (0 = deterministic only)."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler, e.g. tcp://host:8786."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Master seed of the Monte Carlo draws."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=MAX_WORKERS, help="Local worker processes."
    ),
    precision: float | None = typer.Option(
        None,
        "--precision",
        min=0.001,
        max=0.5,
        help="Stop drawing once every percentile's 95 % interval is within ± this share of "
        "it (e.g. 0.02); --draws is then the most.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for result.json and draws.parquet."
    ),
    explain: bool = typer.Option(
        False,
        "--explain",
        help="Tornado: for each headline figure, the 5 assumptions it is most sensitive to "
        "(figure at ±20 % of each).",
    ),
    record: bool = RECORD_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Solve one LP per year; report shortfall, prices and supply shares by origin."""
    from orechain.scenarios.report import run_report
    from orechain.scenarios.spec import load_scenario

    if out is not None and out.exists() and not out.is_dir():
        msg = "names an existing file; give a folder for result.json and draws.parquet"
        raise InputError(msg, source=str(out), field="--out")
    scn = load_scenario(file)
    doc, mc = _with_optional_atlas(
        scn,
        lambda atlas: run_report(
            scn,
            atlas,
            draws=draws,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
            progress=draws > 0 and sys.stderr.isatty(),
            explain=explain,
            precision=precision,
        ),
    )
    inputs = lambda: {"scenario": scenario_input(file), "draws": draws, "seed": seed,  # noqa: E731
                      "explain": explain, "precision": precision}  # fmt: skip
    doc = record_if(record, "scenario run", inputs, doc)
    if out is not None:
        _write_outputs(out, doc, mc)
    if as_json:
        emit_json(doc)
        return
    _print_run(doc)
    say_recorded(doc)


def _write_outputs(out: Path, doc: dict[str, Any], mc: MonteCarloResult | None) -> None:
    import json

    from orechain.scenarios.montecarlo import write_parquet

    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".result.json.tmp"
    tmp.write_text(json.dumps(to_jsonable(doc), indent=2, default=str), encoding="utf-8")
    tmp.replace(out / "result.json")
    if mc is not None:
        write_parquet(mc, out / "draws.parquet")  # in blocks of draws


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _print_shares(doc: dict[str, Any]) -> None:
    """China's share of the focus region's supply by stage, with its range where it is open.

    A table of its own (year and one column per stage), so it fits 80 columns
    with the ranges beside the shares.
    """
    rows: list[dict[str, Any]] = []
    stages: dict[str, None] = {}
    open_ranges = False
    for y in doc["years"]:
        ranges = y.get("supply_share_range_by_origin", {})
        row: dict[str, Any] = {"year": y["year"]}
        for stage, shares in y["supply_share_by_origin"].items():
            span = share_range(ranges.get(stage, {}).get("CHN"))
            row[stage] = _pct(shares.get("CHN", 0.0)) + span
            stages[stage] = None
            open_ranges = open_ranges or bool(span)
        rows.append(row)
    if not stages:
        return
    print_table(
        rows,
        [("year", "year"), *((stage, stage) for stage in stages)],
        title=f"CHN share of {doc['focus_region']} supply by stage",
    )
    if open_ranges:
        samples = max(y.get("routing_samples", 0) for y in doc["years"])
        console.print(share_range_note(samples), markup=False, highlight=False)


def _print_percentiles(doc: dict[str, Any]) -> None:
    """Monte Carlo shortfall P5 / P50 / P95 with the P50's 95 % interval, and P(shortfall > 0)."""
    mc = doc["monte_carlo"]
    cis = mc.get("ci95", {}).get("shortfall_t", {})
    rows = []
    for year, q in mc["shortfall_t"].items():
        lo, hi = cis.get(year, {}).get("p50", (None, None))
        span = "–" if lo is None else f"{fmt(lo)}–{fmt(hi)}"
        rows.append({"year": year, "p5": q["p5"], "p50": q["p50"], "p50_ci": span,
                     "p95": q["p95"], "p_exceed": _pct(q["p_exceed_0"])})  # fmt: skip
    print_table(
        rows,
        [
            ("year", "year"),
            ("p5", "P5 [t]"),
            ("p50", "P50 [t]"),
            ("p50_ci", "P50 95 % interval [t]"),
            ("p95", "P95 [t]"),
            ("p_exceed", "P(shortfall>0)"),
        ],
        title=f"Monte Carlo shortfall: {mc['draws']} draws, seed {mc['seed']}",
    )
    say(_settled_line(mc))


def _settled_line(mc: dict[str, Any]) -> str:
    """Whether more draws could still move a percentile, and which ones."""
    prec = mc.get("precision", {})
    target = f"±{100 * prec.get('target', 0.05):g} %"
    left = mc.get("unsettled", [])
    if not left:
        return f"Every percentile is settled: its 95 % interval is within {target} (or ±1 t)."
    shown = ", ".join(left[:4]) + (f" and {len(left) - 4} more" if len(left) > 4 else "")
    more = "" if prec.get("asked") else "; --precision 0.02 draws until each is"
    return (
        f"Not settled by {mc['draws']} draws (95 % interval wider than {target}): {shown}. "
        f"More draws can still move them{more}."
    )


def _print_run(doc: dict[str, Any]) -> None:
    """The run as a person reads it: shortfall, prices, China's shares (%), percentiles."""
    mc = doc.get("monte_carlo", {}).get("shortfall_t", {})
    rows = []
    for y in doc["years"]:
        row: dict[str, Any] = {
            "year": y["year"],
            "demand_t": y["demand_t"],
            "shortfall_t": y["shortfall_t"],
        }
        for stage, index in y.get("price_index", {}).items():
            row[f"price_{stage}"] = f"{index:.2f}"
        rows.append(row)
    cols = [("year", "year"), ("demand_t", "demand [t]"), ("shortfall_t", "shortfall [t]")]
    if rows:
        cols += [(k, k.replace("price_", "price index ")) for k in rows[0] if k[:6] == "price_"]
    print_table(rows, cols, title=f"{doc['scenario']} — {doc['focus_region']}")
    _print_shares(doc)
    if mc:
        _print_percentiles(doc)
    if "without" in doc:
        w = doc["without"]
        console.print(
            f"without {', '.join(w['removed'])}: "
            f"shortfall {w['summary']['shortfall_t']:,.0f} t over the horizon"
        )
    for warning in doc.get("warnings", []):
        console.print(f"[yellow]warning[/yellow] {warning}")
    for fig in doc.get("explain", {}).get("figures", []):
        print_table(
            [
                {
                    "assumption": a["assumption"],
                    "low": f"{a['low']:,.3g}",
                    "high": f"{a['high']:,.3g}",
                }
                for a in fig["assumptions"]
            ],
            [("assumption", "assumption"), ("low", "at −20 %"), ("high", "at +20 %")],
            title=f"{fig['figure']}: {fig['base']:,.3g} — most sensitive to",
        )
    console.print("Assumptions:")
    for line in doc.get("assumptions", []):
        console.print(f"  • {line}", markup=False)


@app.command()
def optimize(file: str = FILE_ARG, as_json: bool = JSON_OPTION) -> None:
    """Diversify a buyer's sourcing: cost + risk penalty; cost vs worst-case frontier."""
    from orechain.scenarios.optimize import optimize_scenario
    from orechain.scenarios.spec import load_scenario

    scn = load_scenario(file)
    doc = optimize_scenario(scn)
    if as_json:
        emit_json(doc)
        return
    print_table(
        doc["frontier"],
        [
            ("max_share", "max share"),
            ("cost", "cost"),
            ("worst_case_shortfall_t", "worst-case shortfall [t]"),
        ],
        title=f"{scn.name}: cost vs worst-case shortfall",
    )


@app.command()
def compare(a: str = FILE_ARG, b: str = FILE_ARG, as_json: bool = JSON_OPTION) -> None:
    """Run two scenarios and compare the focus region's shortfall and China's shares by year."""
    from orechain.scenarios.report import compare_reports, run_report
    from orechain.scenarios.spec import load_scenario

    docs = []
    for path in (a, b):
        scn = load_scenario(path)
        docs.append(_with_optional_atlas(scn, lambda atlas, s=scn: run_report(s, atlas))[0])
    doc = compare_reports(docs[0], docs[1])
    if as_json:
        emit_json(doc)
        return
    print_table(
        doc["years"],
        [
            ("year", "year"),
            ("a_shortfall_t", "A shortfall [t]"),
            ("b_shortfall_t", "B shortfall [t]"),
            ("delta_t", "B − A [t]"),
        ],
        title=f"{doc['a']} vs {doc['b']}",
    )


@app.command()
def backtest(
    event: str | None = typer.Argument(
        None, help="Event id (antimony-2024, gallium-germanium-2023); all when omitted."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-run real export controls with pre-event data; observed vs predicted."""
    from orechain.cli.common import with_atlas
    from orechain.formatting import number, points
    from orechain.services.scenarios import backtest_document

    doc = with_atlas(lambda atlas: backtest_document(atlas, event))
    if as_json:
        emit_json(doc)
        return

    def shown(r: dict[str, Any], key: str) -> str:
        """Share changes in percentage points, price indices as plain numbers."""
        return points(r[key]) if r.get("unit") == "share-change" else number(r[key], 2)

    print_table(
        [
            {
                "event": r["event"],
                "measure": r["measure"],
                "observed": shown(r, "observed"),
                "predicted": shown(r, "predicted"),
                "direction": _yes_no(r["direction"]),
                "within": _yes_no(r["within_factor_2"]),
            }
            for r in doc["rows"]
        ],
        [
            ("event", "event"),
            ("measure", "measure"),
            ("observed", "observed"),
            ("predicted", "predicted"),
            ("direction", "direction right"),
            ("within", "within factor 2"),
        ],
        title="Backtests (data published before each event)",
    )
    for ev in doc["events"]:
        console.print(
            f"{ev['id']}: {ev['title']} ({ev['date']}); built from {ev['data']['vintage']}"
        )
        for r in ev["rows"]:
            console.print(
                f"  • observed: {r['observed_source']}; {r['predicted_note']}", markup=False
            )
        for note in ev["notes"]:
            console.print(f"  • {note}", markup=False)


def _yes_no(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")
