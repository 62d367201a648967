"""Benchmark: Monte Carlo of the bundled refinery project (issue 5: 100,000 draws < 5 s).

Times, in this process against a private atlas file: one project evaluation,
the export-vs-refine comparison, the tornado, and the Monte Carlo (sampling on
the shared Dask runner, NPV evaluated vectorised). Prints markdown with date
and machine to stdout.

With ``--peer-src DIR`` the Monte Carlo is also timed on the code in DIR
(e.g. the main tree's ``src``) in the same run, and the ratio printed.

Usage: python bench/economics_bench.py [--draws 100000] [--runs 3] [--peer-src DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peer import run_peer

from orechain.atlas.sources import data_dir
from orechain.atlas.store import build_atlas, open_atlas
from orechain.economics.compare import compare_projects
from orechain.economics.production import prepare
from orechain.economics.project import load_project
from orechain.economics.results import evaluate_project
from orechain.economics.sensitivity import montecarlo, tornado
from orechain.settings import Settings

PROJECTS = data_dir() / "projects"


def timed(func: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return times, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-src", type=Path, help="source tree of the same-run peer")
    parser.add_argument("--json-only", action="store_true", help="time the Monte Carlo only")
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "atlas.duckdb"
    build_atlas(path)
    atlas = open_atlas(Settings(atlas_path=path), read_only=True)
    a = load_project(PROJECTS / "pakistan-concentrate-export.yaml")
    b = load_project(PROJECTS / "pakistan-polymetallic-refinery.yaml")
    if args.json_only:
        t, mc = timed(lambda: montecarlo(b, args.draws, seed=1, atlas=atlas), args.runs)
        print(json.dumps({"times": t, "p50": mc.summary()["p50"]}))
        return
    rows = []
    t, res = timed(lambda: evaluate_project(b, atlas), args.runs)
    rows.append(("evaluate refinery project (incl. break-even)", t))
    t, cmp_ = timed(lambda: compare_projects(a, b, atlas), args.runs)
    rows.append(("compare export vs refine", t))
    prep = prepare(b, atlas)
    t, _ = timed(lambda: tornado(prep), args.runs)
    rows.append(("tornado (7 factors x 2)", t))
    t_mc, mc = timed(lambda: montecarlo(b, args.draws, seed=1, atlas=atlas), args.runs)
    rows.append((f"Monte Carlo {args.draws:,} draws (1 worker, vectorised NPV)", t_mc))
    t2, _ = timed(lambda: montecarlo(b, args.draws, seed=1, atlas=atlas, workers=2), 1)
    rows.append((f"Monte Carlo {args.draws:,} draws (2 local processes)", t2))
    atlas.close()
    peer = None
    if args.peer_src:
        peer = run_peer(
            __file__, args.peer_src, ["--draws", str(args.draws), "--runs", str(args.runs)]
        )
        rows.append(
            (f"peer ({args.peer_src}): Monte Carlo {args.draws:,} draws, 1 worker", peer["times"])
        )
    print(f"## Economics benchmark — {dt.datetime.now().isoformat(timespec='minutes')}\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, "
          f"Python {platform.python_version()}\n")  # fmt: skip
    print("| task | median [s] | runs [s] |\n| --- | ---: | --- |")
    for name, times in rows:
        runs = ", ".join(f"{x:.2f}" for x in times)
        print(f"| {name} | {statistics.median(times):.2f} | {runs} |")
    s = mc.summary()
    print(f"\nRefinery NPV@10 %: {res.npv / 1e6:,.1f} M USD; Monte Carlo (seed 1): "
          f"P10 {s['p10'] / 1e6:,.1f} M, P50 {s['p50'] / 1e6:,.1f} M, P90 {s['p90'] / 1e6:,.1f} M, "
          f"P(NPV<0) {s['prob_npv_negative']:.3f}. Incremental NPV of refining "
          f"{cmp_.incremental_npv / 1e6:,.1f} M USD. All project inputs are ASSUMPTIONS "
          "except USGS prices.")  # fmt: skip
    if peer is not None:
        ratio = statistics.median(peer["times"]) / statistics.median(t_mc)
        print(f"\nSame-run ratio, peer / this tree (1 worker, median): {ratio:.2f}x; peer P50 "
              f"{peer['p50'] / 1e6:,.1f} M (its draws use other random streams).")  # fmt: skip


if __name__ == "__main__":
    main()
