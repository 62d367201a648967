"""Scenario engine benchmarks: one rare-earth LP year, and 10,000 Monte Carlo draws.

Run: ``ORECHAIN_ATLAS=... .venv/bin/python bench/scenarios_bench.py [--draws N]``.
Prints a markdown table and writes it to ``bench/out/scenarios.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from pathlib import Path

import highspy
import numpy as np

from orechain.atlas.store import open_atlas
from orechain.scenarios.constraints import build_lp
from orechain.scenarios.highs import solve_lp
from orechain.scenarios.inputs import demand_points, year_inputs
from orechain.scenarios.montecarlo import run_monte_carlo
from orechain.scenarios.solve import build_network, market_prices, restriction_bases, solve_year
from orechain.scenarios.spec import load_scenario

OUT = Path(__file__).parent / "out" / "scenarios.md"


def lp_rate(net, scn, n: int, lexicographic: bool) -> float:
    points = demand_points(net, scn)
    stock = np.zeros(0)
    inp = year_inputs(net, scn, points, 2025, stock)
    inp.restriction_base = restriction_bases(net, scn, points, 2025, stock)
    start = time.perf_counter()
    for _ in range(n):
        lp, _ = build_lp(net, scn, points, inp)
        solve_lp(lp, lexicographic=lexicographic)
    return n / (time.perf_counter() - start)


def year_rate(net, scn, n: int, market: str) -> float:
    """Year-solves per second through solve_year, as run_scenario does (price or quantity)."""
    scn = scn.model_copy(update={"options": scn.options.model_copy(update={"market": market})})
    points = demand_points(net, scn)
    ref = market_prices(net, scn, points)
    stock = np.zeros(0)
    inp = year_inputs(net, scn, points, 2025, stock)
    inp.restriction_base = restriction_bases(net, scn, points, 2025, stock, ref)
    start = time.perf_counter()
    for _ in range(n):
        solve_year(net, scn, points, inp, ref=ref)
    return n / (time.perf_counter() - start)


def with_trace(scn, trace: str):
    """The scenario with every export restriction ``trace: origin`` or ``direct``."""
    return scn.model_copy(
        update={"disruptions": [d.model_copy(update={"trace": trace}) for d in scn.disruptions]}
    )


def horizon_rate(net, scn, n: int) -> float:
    """Year-solves per second over every year of the horizon (stock left ignored)."""
    points = demand_points(net, scn)
    ref = market_prices(net, scn, points)
    stock = np.zeros(0)
    inputs = []
    for year in scn.horizon.years:
        inp = year_inputs(net, scn, points, year, stock)
        inp.restriction_base = restriction_bases(net, scn, points, year, stock, ref)
        inputs.append(inp)
    start = time.perf_counter()
    for _ in range(n):
        for inp in inputs:
            solve_year(net, scn, points, inp, ref=ref)
    return n * len(inputs) / (time.perf_counter() - start)


def mc_time(net, scn, draws: int, workers: int) -> tuple[float, float]:
    start = time.perf_counter()
    res = run_monte_carlo(net, scn, draws, seed=7, workers=workers)
    return time.perf_counter() - start, res.fast_share


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--solves", type=int, default=300)
    args = parser.parse_args()
    scn = load_scenario("pakistan-us-corridor")
    atlas = open_atlas(read_only=True)
    net = build_network(scn, atlas)
    atlas.close()
    load_before = os.getloadavg()
    price = year_rate(net, scn, args.solves, "price")
    direct = year_rate(net, with_trace(scn, "direct"), args.solves, "price")
    reps = max(1, args.solves // 30)
    horizon_origin = horizon_rate(net, scn, reps)
    horizon_direct = horizon_rate(net, with_trace(scn, "direct"), reps)
    quantity = year_rate(net, scn, args.solves, "quantity")
    lex = lp_rate(net, scn, args.solves, True)
    one_stage = lp_rate(net, scn, args.solves, False)
    t1, fast = mc_time(net, scn, args.draws, 1)
    t2, _ = mc_time(net, scn, args.draws, 2)
    load_after = os.getloadavg()
    years = scn.horizon.end - scn.horizon.start + 1
    rows = [
        (
            "rare-earth network size",
            f"{len(net.nodes)} nodes, {len(net.links)} links, {len(net.sinks)} sinks",
        ),
        ("year solve 2025, price mode, origin-traced (default)", f"{price:.0f} per s"),
        ("peer: year solve 2025, price mode, trace: direct", f"{direct:.0f} per s"),
        ("ratio origin / direct, 2025 (same run)", f"{price / direct:.2f}×"),
        ("year solves over 2025-2035, origin-traced", f"{horizon_origin:.0f} per s"),
        ("peer: year solves over 2025-2035, trace: direct", f"{horizon_direct:.0f} per s"),
        ("ratio origin / direct, horizon (same run)", f"{horizon_origin / horizon_direct:.2f}×"),
        ("year solve, quantity mode (LP + tie QP + cost LP)", f"{quantity:.0f} per s"),
        ("LP build + solve, lexicographic (2 HiGHS solves)", f"{lex:.0f} per s"),
        ("LP build + solve, served only (1 HiGHS solve)", f"{one_stage:.0f} per s"),
        (f"Monte Carlo {args.draws:,} draws × {years} years, 1 worker", f"{t1:.1f} s"),
        (f"Monte Carlo {args.draws:,} draws × {years} years, 2 workers", f"{t2:.1f} s"),
        ("speed-up 2 workers vs 1 (same run)", f"{t1 / t2:.2f}×"),
        ("draw-years settled by the fast path (no LP)", f"{fast:.0%}"),
        ("load average before / after (1 min)", f"{load_before[0]:.2f} / {load_after[0]:.2f}"),
    ]
    head = (
        f"# Scenario engine benchmarks\n\n"
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, HiGHS {highspy.Highs().version()}\n"
        f"- scenario: pakistan-us-corridor (bundled), seed 7; machine shared with other "
        f"engineers, so timings carry their load\n\n"
    )
    table = "| measure | value |\n| --- | --- |\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    text = head + table + "\n"
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
