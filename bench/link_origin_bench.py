"""Cost of per-link mined origins beside the origin trace they reuse, and beside a year solve.

Run: ``.venv/bin/python bench/link_origin_bench.py [--reps N]``. On every year of
``pakistan-us-corridor`` (price mode, origin-traced restrictions) it solves the
year once, then times in the same run: ``trace_origins`` (every stage, every
sink; what ``origin_mix`` costs), ``link_origins`` (the new per-link mined
origin) and ``solve_year`` (one year's programme). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from orechain.atlas.store import open_atlas
from orechain.scenarios.inputs import demand_points, stockpiles, year_inputs
from orechain.scenarios.origin import link_pool_edges, pool_edges
from orechain.scenarios.results import link_origins, trace_origins
from orechain.scenarios.solve import (
    build_network,
    market_prices,
    restriction_bases,
    solve_year,
)
from orechain.scenarios.spec import load_scenario


def per_second(fn: Callable[[], object], reps: int) -> float:
    """Calls of ``fn()`` per second over ``reps`` calls."""
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return reps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    atlas = open_atlas(read_only=True)
    scn = load_scenario("pakistan-us-corridor")
    net = build_network(scn, atlas)
    points = demand_points(net, scn)
    ref = market_prices(net, scn, points)
    stock = np.array([s.tonnes for s in stockpiles(scn)], dtype=float)  # each year alone
    rows = []
    for year in scn.horizon.years:
        inp = year_inputs(net, scn, points, year, stock)
        if inp.restrictions:
            inp.restriction_base = restriction_bases(net, scn, points, year, stock, ref)
        solved = solve_year(net, scn, points, inp, ref=ref)
        sol, lay = solved.sol, solved.lay
        by_link = link_pool_edges(net, sol.x[lay.flow], lay.origin, sol.x, lay.flow)
        edges = pool_edges(by_link)
        trace = per_second(partial(trace_origins, net, edges, {}), args.reps)
        links = per_second(partial(link_origins, net, by_link), args.reps)
        solve = per_second(partial(solve_year, net, scn, points, inp, ref=ref), 2)
        rows.append((year, trace, links, solve))
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, {args.reps} reps"
    )
    print("| year | trace_origins per s | link_origins per s | solve_year per s |")
    print("|---|---|---|---|")
    for year, trace, links, solve in rows:
        print(f"| {year} | {trace:,.0f} | {links:,.0f} | {solve:,.1f} |")
    t = np.array([[1 / r[1], 1 / r[2], 1 / r[3]] for r in rows]).sum(axis=0)
    print(
        f"\nhorizon: link_origins / trace_origins time {t[1] / t[0]:.2f}×; "
        f"link_origins / solve_year time {t[1] / t[2]:.3f}×"
    )


if __name__ == "__main__":
    main()
