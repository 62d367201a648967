"""Scenario engine benchmarks: one rare-earth LP year, and Monte Carlo draws.

Run: ``.venv/bin/python bench/scenarios_bench.py [--draws N] [--peer-src DIR]``.
Times the Monte Carlo on the warm path (build once, solve many; each draw's
bounds written into the year's template programme), on the warm path that
rebuilds each draw-year's programme (``bounds=False``) and on the cold path
(a fresh model per draw-year) in the same run, on 1 and 2 workers,
and extrapolates linearly to 10,000 draws; with ``--peer-src`` (e.g. the main
tree's ``src``) also the code there, on 1 worker. Prints a markdown table and
writes it to ``bench/out/scenarios.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import time
from pathlib import Path

import highspy
import numpy as np
from peer import run_peer

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


def mc_time(net, scn, draws: int, workers: int, **kw: bool) -> tuple[float, float, float]:
    """Wall time [s], fast-path share and P50 of the last year's shortfall."""
    start = time.perf_counter()
    res = run_monte_carlo(net, scn, draws, seed=7, workers=workers, **kw)
    last = res.summary["shortfall_t"][scn.horizon.end]  # type: ignore[index]
    return time.perf_counter() - start, res.fast_share, float(last["p50"])


def peer_args(args: argparse.Namespace) -> list[str]:
    """The peer's command line: the same draws and market mode."""
    return ["--draws", str(args.draws), *(["--market", args.market] if args.market else [])]


def interleaved(net, scn, args: argparse.Namespace) -> None:
    """Rounds of warm, cold and peer runs back to back: each ratio pairs runs of one round."""
    print("| round | load (1 min) | warm [s] | cold [s] | peer [s] | cold / warm | peer / warm |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    cold_ratio, peer_ratio = [], []
    for k in range(args.interleave):
        load = os.getloadavg()[0]
        warm, _, _ = mc_time(net, scn, args.draws, 1)
        cold, _, _ = mc_time(net, scn, args.draws, 1, warm=False)
        peer = float("nan")
        if args.peer_src:
            peer = run_peer(__file__, args.peer_src, peer_args(args))["seconds"]
        cold_ratio.append(cold / warm)
        peer_ratio.append(peer / warm)
        print(f"| {k + 1} | {load:.1f} | {warm:.1f} | {cold:.1f} | {peer:.1f} | "
              f"{cold / warm:.2f}× | {peer / warm:.2f}× |")  # fmt: skip
    print(f"\nmedian ratios: cold / warm {np.median(cold_ratio):.2f}×, "
          f"peer / warm {np.median(peer_ratio):.2f}× ({args.draws} draws per run)")  # fmt: skip


def scaling(net, scn, args: argparse.Namespace) -> None:
    """1 and 2 local workers for this tree and the peer, back to back: each tree's speed-up."""
    last = scn.horizon.end
    print(f"| tree | load (1 min) | 1 worker [s] | 2 workers [s] | speed-up | P50 {last} [t] |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    trees = [
        ("this tree", None),
        ("this tree, one draw at a time (batched off)", "unbatched"),
        ("this tree, kept bases off (every draw-year solved by HiGHS)", "no-vertices"),
        *([(f"peer {args.peer_src}", args.peer_src)] if args.peer_src else []),
    ]
    if args.this_only:
        trees = trees[:1]
    elif args.no_variants:
        trees = [trees[0], *trees[3:]]
    for name, src in trees:
        load = os.getloadavg()[0]
        if src in (None, "no-vertices", "unbatched"):
            kw = {"no-vertices": {"vertices": False}, "unbatched": {"batched": False}}.get(src, {})
            one, _, p50 = mc_time(net, scn, args.draws, 1, **kw)
            two, _, _ = mc_time(net, scn, args.draws, 2, **kw)
        else:
            base = peer_args(args)
            first = run_peer(__file__, src, [*base, "--workers", "1"])
            one, p50 = first["seconds"], first["p50"]
            two = run_peer(__file__, src, [*base, "--workers", "2"])["seconds"]
        print(f"| {name} | {load:.1f} | {one:.1f} | {two:.1f} | {one / two:.2f}× | {p50:,.3f} |")
    print(f"\n({args.draws:,} draws × {len(scn.horizon.years)} years per run, seed 7)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--solves", type=int, default=300)
    parser.add_argument("--peer-src", type=Path, help="source tree of the same-run peer")
    parser.add_argument("--json-only", action="store_true", help="time Monte Carlo only")
    parser.add_argument("--workers", type=int, default=1, help="workers of --json-only")
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="only 1 and 2 workers, this tree and --peer-src, in one run (speed-up of each)",
    )
    parser.add_argument(
        "--this-only", action="store_true", help="with --scaling: this tree alone (long runs)"
    )
    parser.add_argument(
        "--no-variants",
        action="store_true",
        help="with --scaling: this tree and --peer-src only (not batched off, kept bases off)",
    )
    parser.add_argument(
        "--market", choices=["price", "quantity"], help="override the scenario's market mode"
    )
    parser.add_argument(
        "--interleave",
        type=int,
        default=0,
        help="only alternate warm / cold / peer 1-worker runs this many rounds (ratios under "
        "changing load)",
    )
    args = parser.parse_args()
    scn = load_scenario("pakistan-us-corridor")
    if args.market:
        options = scn.options.model_copy(update={"market": args.market})
        scn = scn.model_copy(update={"options": options})
    atlas = open_atlas(read_only=True)
    net = build_network(scn, atlas)
    atlas.close()
    if args.json_only:
        t, _, p50 = mc_time(net, scn, args.draws, args.workers)
        print(json.dumps({"seconds": t, "p50": p50}))
        return
    if args.scaling:
        scaling(net, scn, args)
        return
    if args.interleave:
        interleaved(net, scn, args)
        return
    load_before = os.getloadavg()
    price = year_rate(net, scn, args.solves, "price")
    direct = year_rate(net, with_trace(scn, "direct"), args.solves, "price")
    reps = max(1, args.solves // 30)
    horizon_origin = horizon_rate(net, scn, reps)
    horizon_direct = horizon_rate(net, with_trace(scn, "direct"), reps)
    quantity = year_rate(net, scn, args.solves, "quantity")
    lex = lp_rate(net, scn, args.solves, True)
    one_stage = lp_rate(net, scn, args.solves, False)
    t1, fast, p50 = mc_time(net, scn, args.draws, 1)
    t2, _, _ = mc_time(net, scn, args.draws, 2)
    r1, _, p50_rebuild = mc_time(net, scn, args.draws, 1, bounds=False)
    c1, _, p50_cold = mc_time(net, scn, args.draws, 1, warm=False)
    c2, _, _ = mc_time(net, scn, args.draws, 2, warm=False)
    peer = None
    if args.peer_src:
        peer = run_peer(__file__, args.peer_src, peer_args(args))
    load_after = os.getloadavg()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
        (f"Monte Carlo {args.draws:,} draws × {years} years, warm, 1 worker", f"{t1:.1f} s"),
        (f"Monte Carlo {args.draws:,} draws × {years} years, warm, 2 workers", f"{t2:.1f} s"),
        (
            f"Monte Carlo {args.draws:,} draws × {years} years, warm, rebuilding each draw-year "
            "(bounds=False: the path before drawbounds), 1 worker",
            f"{r1:.1f} s",
        ),
        ("ratio rebuilding / bounds-only, 1 worker (same run)", f"{r1 / t1:.2f}×"),
        (f"Monte Carlo {args.draws:,} draws × {years} years, cold, 1 worker", f"{c1:.1f} s"),
        (f"Monte Carlo {args.draws:,} draws × {years} years, cold, 2 workers", f"{c2:.1f} s"),
        ("ratio cold / warm, 1 worker (same run)", f"{c1 / t1:.2f}×"),
        ("ratio cold / warm, 2 workers (same run)", f"{c2 / t2:.2f}×"),
        ("speed-up 2 workers vs 1, warm (same run)", f"{t1 / t2:.2f}×"),
        (
            "extrapolated 10,000 draws, warm, 1 / 2 workers",
            f"{t1 * 10_000 / args.draws:,.0f} s / {t2 * 10_000 / args.draws:,.0f} s",
        ),  # fmt: skip
        (
            f"P50 shortfall {scn.horizon.end}, warm / rebuilding / cold",
            f"{p50:,.6f} t / {p50_rebuild:,.6f} t / {p50_cold:,.6f} t",
        ),
        ("draw-years settled by the fast path (no LP)", f"{fast:.0%}"),
        ("peak RSS of the bench process", f"{rss_mb:,.0f} MB"),
        ("load average before / after (1 min)", f"{load_before[0]:.2f} / {load_after[0]:.2f}"),
    ]
    if peer is not None:
        rows += [
            (f"peer {args.peer_src}: {args.draws:,} draws, 1 worker", f"{peer['seconds']:.1f} s"),
            ("ratio peer / warm, 1 worker (same run)", f"{peer['seconds'] / t1:.2f}×"),
            (f"peer P50 shortfall {scn.horizon.end}", f"{peer['p50']:,.6f} t"),
        ]
    head = (
        f"# Scenario engine benchmarks\n\n"
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, HiGHS {highspy.Highs().version()}\n"
        f"- scenario: pakistan-us-corridor (bundled, {scn.options.market} mode), seed 7; "
        f"machine shared with other "
        f"engineers, so timings carry their load\n\n"
    )
    table = "| measure | value |\n| --- | --- |\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    text = head + table + "\n"
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
