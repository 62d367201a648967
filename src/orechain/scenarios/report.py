"""Scenario reports: the run, its comparison variant and Monte Carlo, as one JSON document.

:func:`run_report` is the one builder of a scenario run document: ``orechain
scenario run --json`` prints it, ``POST /api/scenarios/runs`` returns it as the
job's result and the dashboard draws it (``docs/scenarios.md``):
``{scenario, years: [...], summary, assumptions, sankey, without?, history?, monte_carlo?}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orechain.scenarios.results import YearResult, to_json
from orechain.scenarios.solve import build_network, run_scenario

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.scenarios.montecarlo import MonteCarloResult
    from orechain.scenarios.spec import Scenario


def run_report(
    scn: Scenario,
    atlas: Atlas | None,
    *,
    draws: int = 0,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    on_progress: Callable[[float, str], None] | None = None,
    explain: bool = False,
    precision: float | None = None,
) -> tuple[dict[str, Any], MonteCarloResult | None]:
    """Run a scenario (and its ``report.compare_without`` variant, and draws if asked).

    Parameters
    ----------
    progress
        Show the Monte Carlo progress bar (terminal).
    on_progress
        Called with (fraction done, phase) between phases; a background job
        raises from it to cancel the run.
    precision
        Run the draws in batches until every percentile's 95 % interval is
        within ± this share of it, ``draws`` being the most (None: all draws).

    Returns
    -------
    tuple
        The JSON document and, with draws, the Monte Carlo result (its draw
        table is built on demand or written in blocks by ``write_parquet``).
    """
    report = on_progress or (lambda _fraction, _message: None)
    report(0.05, "building the network")
    net = build_network(scn, atlas)
    report(0.2, "solving the scenario as specified")
    result = run_scenario(scn, net=net)
    doc = to_json(result)
    if scn.observed is not None:
        from orechain.scenarios.observed import observed_labels, observed_rows

        doc["observed"] = observed_rows(scn, net)
        doc["assumptions"] += observed_labels(doc["observed"], scn.observed.ledger)
    last = result.years[-1]
    doc["sankey"] = {"year": last.year, "links": sankey_links(last)}
    doc["sankey_by_year"] = [{"year": y.year, "links": sankey_links(y)} for y in result.years]
    removed = scn.report.compare_without
    if removed:
        label = f"without {', '.join(removed)}"
        report(0.6, f"solving the comparison run ({label})")
        other = run_scenario(scn.without(removed), net=net, variant=label)
        alt = to_json(other)
        doc["without"] = {
            "removed": list(removed),
            "variant": label,
            "years": alt["years"],
            "summary": alt["summary"],
        }
    if scn.report.history and atlas is not None and scn.commodity_id:
        doc["history"] = salient_history(atlas, scn.commodity_id)
    if explain:
        from orechain.scenarios.explain import explain as tornado

        doc["explain"] = tornado(scn, atlas)
    table = None
    if draws > 0:
        from orechain.scenarios.montecarlo import run_monte_carlo

        mc = run_monte_carlo(
            net,
            scn,
            draws,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            precision=precision,
        )
        doc["monte_carlo"] = {**mc.summary, "seed": seed, "fast_path_share": mc.fast_share}
        table = mc
    report(1.0, "done")
    return doc, table


def sankey_links(year: YearResult) -> list[dict[str, Any]]:
    """Links ``{source, target, tonnes, origin}`` of one year [t], summed over link kinds.

    ``origin`` is ``{ISO3: tonnes}`` of the mined origin of the material on the
    link (:func:`orechain.scenarios.results.link_origins`), largest first.
    """
    out: dict[tuple[str, str], float] = {}
    mix: dict[tuple[str, str], dict[str, float]] = {}
    for flow in year.link_flows:
        if flow.tonnes > 0:
            key = (flow.source, flow.target)
            out[key] = out.get(key, 0.0) + flow.tonnes
            acc = mix.setdefault(key, {})
            for iso, t in flow.origin.items():
                acc[iso] = acc.get(iso, 0.0) + t
    return [
        {
            "source": s,
            "target": t,
            "tonnes": v,
            "origin": dict(sorted(mix[(s, t)].items(), key=lambda kv: (-kv[1], kv[0]))),
        }
        for (s, t), v in sorted(out.items())
    ]


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Year-by-year difference of two reports' focus-region shortfall and China shares."""
    by_year = {y["year"]: y for y in b["years"]}
    rows = []
    for ya in a["years"]:
        yb = by_year.get(ya["year"])
        if yb is None:
            continue
        stages = sorted(set(ya["supply_share_by_origin"]) | set(yb["supply_share_by_origin"]))
        rows.append(
            {
                "year": ya["year"],
                "a_shortfall_t": ya["shortfall_t"],
                "b_shortfall_t": yb["shortfall_t"],
                "delta_t": yb["shortfall_t"] - ya["shortfall_t"],
                "chn_share": {
                    s: [
                        ya["supply_share_by_origin"].get(s, {}).get("CHN", 0.0),
                        yb["supply_share_by_origin"].get(s, {}).get("CHN", 0.0),
                    ]
                    for s in stages
                },
            }
        )
    return {
        "a": a["scenario"],
        "b": b["scenario"],
        "years": rows,
        "summary": [a["summary"], b["summary"]],
    }


def salient_history(atlas: Atlas, cid: str) -> dict[str, Any]:
    """US imports, consumption and price by year from the latest USGS salient vintage.

    Shown beside a scenario's predictions so that a modelled shortfall can be
    read against what was actually imported and paid (USGS MCS salient tables).
    """
    frame = atlas.query(
        """
        SELECT year, variable, item, value, unit FROM salient
        WHERE commodity = ? AND variable IN ('imports', 'consumption', 'price')
        QUALIFY source_id = max(source_id) OVER (PARTITION BY year, item)
        ORDER BY year, variable, item
        """,
        [cid],
    )
    years: dict[int, dict[str, Any]] = {}
    for row in frame.itertuples():
        entry = years.setdefault(int(row.year), {"imports_t": 0.0})
        if row.variable == "imports" and row.unit == "t" and row.value == row.value:
            entry["imports_t"] += float(row.value)
        elif row.value == row.value:
            entry[str(row.item)] = {"value": float(row.value), "unit": row.unit}
    source = "USGS Mineral Commodity Summaries salient statistics (latest vintage per year)"
    return {"source": source, "region": "USA", "years": years}
