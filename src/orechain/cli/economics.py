"""``orechain econ``: project cash flows, export-versus-refine, sensitivity, Monte Carlo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from orechain.cli.common import (
    JSON_OPTION,
    RECORD_OPTION,
    project_input,
    record_if,
    say_recorded,
    with_atlas,
)
from orechain.cli.output import console, emit_json, print_table, say
from orechain.economics.project import Project, load_project
from orechain.formatting import is_missing, money, number, percent, points, ratio
from orechain.inputs import MAX_DRAWS, MAX_WORKERS, check_pct
from orechain.services import economics as econ
from orechain.services.catalog import resolve_project_path
from orechain.services.documents import to_document

app = typer.Typer(help="Value-chain economics: NPV, IRR, host-country take, jobs.")

T = TypeVar("T")
FILE_ARG = typer.Argument(..., help="Project YAML (bundled examples: projects/<name>.yaml).")


def _load(path: Path) -> Project:
    return load_project(resolve_project_path(path))


def _with_prices(*projects: Project, func: Callable[[Any], T]) -> T:
    """Run ``func(atlas)``, opening the atlas only when a price comes from it."""
    if econ.needs_atlas(*projects):
        return with_atlas(func)
    return func(None)


def _money(value: float | None) -> str:
    return "–" if value is None else f"{value / 1e6:,.1f} M"


def _print_assumptions(assumptions: list[str], sources: dict[str, str]) -> None:
    for line in assumptions:
        console.print(f"• {line}", markup=False, highlight=False)
    for key, text in sources.items():
        console.print(f"• price {key}: {text}", markup=False, highlight=False)


@app.command("run")
def run(file: Path = FILE_ARG, record: bool = RECORD_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Cash-flow table, NPV, IRR, payback, break-even, host take and jobs of one project."""
    project = _load(file)
    result = _with_prices(project, func=lambda atlas: econ.evaluate(project, atlas))
    doc = record_if(
        record, "econ run", lambda: {"project": project_input(file)}, to_document(result)
    )
    if as_json:
        emit_json(doc)
        return
    cols = [("year", "year"), ("revenue", "revenue"), ("royalty", "royalty"), ("opex", "opex")]
    cols += [("capex", "capex"), ("tax", "tax"), ("fcf_project", "FCF"), ("host_take", "host take")]
    money = [c for c, _ in cols if c != "year"]
    rows = [{k: (v / 1e6 if k in money else v) for k, v in r.items()} for r in
            result.table.to_dict(orient="records")]  # fmt: skip
    print_table(rows, cols, title=f"{result.project}: cash flows [M {result.currency}/yr, "
                f"{result.terms}]")  # fmt: skip
    irr = result.irr.irr
    payback = "–" if result.payback_years is None else f"{result.payback_years:.1f}"
    console.print(
        f"NPV@{result.discount_rate:.0%} {_money(result.npv)} {result.currency} · IRR "
        f"{'–' if irr is None else f'{irr:.1%}'} · payback {payback} yr · "
        f"peak funding {_money(result.peak_funding)} · "
        f"host take {_money(result.host_take['total'])} · jobs {result.jobs['operations']}",
        highlight=False,
    )
    if result.irr.reason:
        console.print(f"IRR: {result.irr.reason}", highlight=False)
    _print_assumptions(result.assumptions, result.price_sources)
    say_recorded(doc)


@app.command("compare")
def compare(
    base: Path = typer.Argument(..., help="Export-concentrate project (A)."),
    alternative: Path = typer.Argument(..., help="Refine-at-home project (B)."),
    record: bool = RECORD_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Export concentrate (A) versus refine at home (B): incremental NPV, take, jobs."""
    a, b = _load(base), _load(alternative)
    result = _with_prices(a, b, func=lambda atlas: econ.compare(a, b, atlas))
    files = lambda: {"base": project_input(base), "alternative": project_input(alternative)}  # noqa: E731
    doc = record_if(record, "econ compare", files, to_document(result))
    if as_json:
        emit_json(doc)
        return
    print_comparison(doc, a.name, b.name)
    _print_assumptions(b.assumptions, result.alternative.price_sources)
    say_recorded(doc)


def print_comparison(doc: dict[str, Any], name_a: str, name_b: str) -> None:
    """Human table of an export-versus-refine comparison.

    The "B − A" column is the difference of the two columns (percentage points
    for IRR); the incremental IRR (the IRR of B's cash flows minus A's) is a
    different figure and gets its own labelled line.
    """
    cur = doc["currency"] or ""
    rate = doc.get("discount_rate")
    base, alt, inc = doc["base"], doc["alternative"], doc["incremental"]
    npv_label = f"NPV @ {percent(rate, 0)} [M {cur}]" if rate is not None else f"NPV [M {cur}]"

    def m(v: Any) -> str:
        return money(v).removesuffix(" M") if not is_missing(v) else money(v)

    def total(v: Any) -> Any:
        return v.get("total", v.get("operations")) if isinstance(v, dict) else v

    rows = [
        {"what": npv_label, "A": m(base["npv"]), "B": m(alt["npv"]), "d": m(inc["npv"])},
        {"what": "IRR [%]", "A": percent(base["irr"]), "B": percent(alt["irr"]),
         "d": points(_diff(alt["irr"], base["irr"]))},
        {"what": f"host-country take [M {cur}]", "A": m(total(base["host_take"])),
         "B": m(total(alt["host_take"])), "d": m(inc["host_take"])},
        {"what": "jobs (operations) [persons]", "A": number(total(base["jobs"])),
         "B": number(total(alt["jobs"])), "d": number(inc["jobs"])},
        {"what": f"export revenue [M {cur}]", "A": m(base["export_revenue"]),
         "B": m(alt["export_revenue"]), "d": m(inc["export_revenue"])},
    ]  # fmt: skip
    print_table(
        rows,
        [("what", ""), ("A", f"A: {name_a}"), ("B", f"B: {name_b}"), ("d", "B − A")],
        title=f"Export concentrate (A) versus refine at home (B), {cur}",
        caption="B − A: B's figure minus A's (IRR in percentage points). "
        "Source: the project files (labelled assumptions) and USGS MCS prices.",
    )
    inc_irr = percent(inc["irr"]) if not is_missing(inc["irr"]) else inc.get("irr_reason") or "–"
    say(
        f"Incremental IRR (IRR of B's cash flows minus A's, the return on the extra "
        f"investment in refining): {inc_irr}"
    )
    stop = doc["refining_stops_paying"]
    if stop and not is_missing(stop.get("price_multiplier")):
        prices = ", ".join(
            f"{name.split(' [')[0]} {number(v)} {name.partition('[')[2].rstrip(']')}".rstrip()
            for name, v in stop["prices"].items()
        )
        say(
            f"Refining stops paying (B − A NPV < 0) when deck prices fall below "
            f"{ratio(stop['price_multiplier'])} × the base deck: {prices}"
        )


def _diff(b: Any, a: Any) -> float | None:
    return None if is_missing(a) or is_missing(b) else float(b) - float(a)


@app.command("sensitivity")
def sensitivity(
    file: Path = FILE_ARG,
    pct: float = typer.Option(
        20.0, "--pct", help="Tornado change in each factor [%], 0 < pct ≤ 90."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Tornado (±pct % per factor), spider table and break-even factor levels."""
    check_pct(pct, "--pct")
    project = _load(file)
    report = _with_prices(project, func=lambda atlas: econ.sensitivity(project, atlas, pct))
    if as_json:
        emit_json(to_document(report))
        return
    base, bars = report.base_npv, report.tornado
    rows = [{**b.__dict__, "breakeven": report.breakevens[b.factor]} for b in bars]
    cols = [("factor", "factor"), ("low_npv", f"NPV at -{pct:g} %"), ("high_npv", f"+{pct:g} %")]
    print_table(rows, [*cols, ("swing", "swing"), ("breakeven", "NPV=0 at factor")],
                title=f"{project.name}: tornado, base NPV {_money(base)}")  # fmt: skip


@app.command("montecarlo")
def montecarlo_cmd(
    file: Path = FILE_ARG,
    draws: int = typer.Option(..., "--draws", "-n", min=1, max=MAX_DRAWS, help="Number of draws."),
    seed: int = typer.Option(0, "--seed", min=0, help="Master seed (same seed, same result)."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=MAX_WORKERS, help="Local worker processes for sampling."
    ),
    scheduler: str | None = typer.Option(None, "--scheduler", help="'synchronous' or tcp://…"),
    record: bool = RECORD_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Monte Carlo NPV over the project's uncertainty block: P10/P50/P90, P(NPV < 0)."""
    project = _load(file)
    doc = _with_prices(
        project,
        func=lambda atlas: econ.montecarlo_document(
            project, draws, seed=seed, atlas=atlas, workers=workers, scheduler=scheduler
        ),
    )
    files = lambda: {"project": project_input(file), "draws": draws, "seed": seed}  # noqa: E731
    doc = record_if(record, "econ montecarlo", files, doc)
    if as_json:
        emit_json(doc)
        return
    rows = [{"stat": k, "value": v} for k, v in doc["npv"].items()]
    title = f"{project.name}: {draws} draws, seed {seed}"
    print_table(rows, [("stat", "NPV"), ("value", project.currency)], title=title)
    say_recorded(doc)
