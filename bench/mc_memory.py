"""Peak memory of the Monte Carlo for N draws of the corridor.

By default this measures what grows with the number of draws — the draws
sent back, the draw table and its summary — on synthetic draw outcomes of
the right shapes (random shortfalls and prices). Each measurement runs in a
fresh process and reports its peak RSS (this tree: summary from the stacked
arrays and the draw table written to Parquet in blocks, as ``scenario run
--out`` does); ``--peer-src`` measures another source tree (its
``draws_frame`` takes a list of per-draw objects) in the same run.

``--solve`` runs the draws for real on ``--workers`` local worker processes
(100,000 draws take about 3 minutes on two) and samples the peak RSS and PSS
(proportional set size: shared pages split between the processes sharing
them, so the processes' PSS add up) of the parent and of its workers.

Usage: python bench/mc_memory.py [--draws 100000] [--peer-src DIR]
       python bench/mc_memory.py --solve [--draws 100000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq


def measure(draws: int) -> dict[str, float]:
    """Build the draw table and summary for ``draws`` synthetic draws; peak RSS [MB]."""
    from orechain.atlas.store import open_atlas
    from orechain.scenarios import montecarlo as mc
    from orechain.scenarios.solve import build_network
    from orechain.scenarios.spec import load_scenario

    scn = load_scenario("pakistan-us-corridor")
    atlas = open_atlas(read_only=True)
    net = build_network(scn, atlas)
    atlas.close()
    ctx = mc.make_context(net, scn)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rng = np.random.default_rng(0)
    n_y, n_p, n_s = len(scn.horizon.years), len(ctx.points), len(net.stages)
    short = np.maximum(0.0, rng.normal(0, 100, (draws, n_y, n_p)))
    fast = np.zeros((draws, n_y), dtype=bool)
    occurs = rng.random((draws, n_y, len(ctx.uncertain))) < 0.5
    price = rng.lognormal(0, 0.2, (draws, n_y, n_s))
    rows = 0.0
    if hasattr(mc, "PARQUET_BLOCK"):  # this tree: lazy tables, Parquet written in blocks
        out = mc.Draws(short, fast, occurs, price)
        result = mc.MonteCarloResult(mc.summarise_arrays(ctx, out), 0.0, ctx, out)
        summary = result.summary
        with tempfile.TemporaryDirectory() as tmp:
            path = mc.write_parquet(result, Path(tmp) / "draws.parquet")
            rows = float(pq.ParquetFile(path).metadata.num_rows)
    elif hasattr(mc, "Draws"):  # stacked arrays, summary from them, whole table
        out = mc.Draws(short, fast, occurs, price)
        summary = mc.summarise_arrays(ctx, out)
        frame = mc.draws_frame(ctx, out)
        prices = mc.prices_frame(ctx, out)
    else:  # the peer: one object per draw, summary from the long table
        out = [mc.Draw(short[i], fast[i], occurs[i], price[i]) for i in range(draws)]
        del short, fast, occurs, price
        frame = mc.draws_frame(ctx, out)
        prices = mc.prices_frame(ctx, out)
        summary = mc.summarise_draws(frame, scn.focus_region, prices)
    assert summary["draws"] == draws
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mb": peak, "before_mb": base, "rows": rows or float(len(frame))}


def solved(draws: int, workers: int) -> dict[str, float]:
    """Peak RSS and PSS [MB] of this process and its workers over a real run of ``draws``."""
    import threading
    import time

    import psutil  # with dask[distributed]

    from orechain.atlas.store import open_atlas
    from orechain.scenarios.montecarlo import run_monte_carlo
    from orechain.scenarios.solve import build_network
    from orechain.scenarios.spec import load_scenario

    scn = load_scenario("pakistan-us-corridor")
    atlas = open_atlas(read_only=True)
    net = build_network(scn, atlas)
    atlas.close()
    me = psutil.Process()
    peak = dict.fromkeys(("parent_rss", "workers_rss", "parent_pss", "workers_pss", "pss"), 0.0)
    running = True

    def sample() -> None:
        while running:
            try:
                kids = me.children(recursive=True)
                now = {
                    "parent_rss": me.memory_info().rss,
                    "workers_rss": sum(c.memory_info().rss for c in kids),
                    "parent_pss": me.memory_full_info().pss,
                    "workers_pss": sum(c.memory_full_info().pss for c in kids),
                }
            except psutil.Error:  # a worker came or went mid-sample
                continue
            now["pss"] = now["parent_pss"] + now["workers_pss"]
            for k, v in now.items():
                peak[k] = max(peak[k], v / 2**20)
            time.sleep(0.3)

    watch = threading.Thread(target=sample)
    watch.start()
    start = time.perf_counter()
    result = run_monte_carlo(net, scn, draws, seed=7, workers=workers)
    seconds = time.perf_counter() - start
    running = False
    watch.join()
    assert result.summary["draws"] == draws
    return {**peak, "seconds": seconds}


def child(src: Path | None, draws: int) -> dict[str, float]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run(
        [sys.executable, __file__, "--draws", str(draws), "--json-only"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--peer-src", type=Path)
    parser.add_argument("--json-only", action="store_true")
    parser.add_argument("--solve", action="store_true", help="a real run, workers included")
    parser.add_argument("--workers", type=int, default=2, help="local workers of --solve")
    args = parser.parse_args()
    if args.solve:
        r = solved(args.draws, args.workers)
        print(f"| {args.draws:,} draws solved on {args.workers} workers | parent | workers "
              "| sum |")  # fmt: skip
        print("| --- | ---: | ---: | ---: |")
        print(f"| peak RSS [MB] | {r['parent_rss']:,.0f} | {r['workers_rss']:,.0f} | "
              f"{r['parent_rss'] + r['workers_rss']:,.0f} (each at its own peak) |")  # fmt: skip
        print(f"| peak PSS [MB] | {r['parent_pss']:,.0f} | {r['workers_pss']:,.0f} | "
              f"{r['pss']:,.0f} (at the same moment) |")  # fmt: skip
        print(f"\n({r['seconds']:.1f} s)")
        return
    if args.json_only:
        print(json.dumps(measure(args.draws)))
        return
    rows = [("this tree", child(None, args.draws))]
    if args.peer_src:
        rows.append((f"peer {args.peer_src}", child(args.peer_src, args.draws)))
    print(f"| {args.draws:,} synthetic draws | rows | RSS before [MB] | peak RSS [MB] |")
    print("| --- | ---: | ---: | ---: |")
    for name, r in rows:
        print(f"| {name} | {r['rows']:,.0f} | {r['before_mb']:,.0f} | {r['peak_mb']:,.0f} |")


if __name__ == "__main__":
    main()
