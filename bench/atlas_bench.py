"""Benchmark: atlas rebuild and `risk overview`, as a user runs them.

Times the CLI commands end to end in fresh processes (median of several runs)
and the in-process Python call, against a private atlas file so the user's
cache is untouched. Prints a markdown section and writes bench/out/atlas.md.

Usage: python bench/atlas_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "out" / "atlas.md"


def timed_cli(args: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "orechain.cli", *args],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return times


def timed_call(runs: int, atlas_path: Path) -> list[float]:
    from orechain.atlas.store import open_atlas
    from orechain.risk.overview import risk_overview
    from orechain.settings import Settings

    atlas = open_atlas(Settings(atlas_path=atlas_path), read_only=True)
    times = []
    try:
        for _ in range(runs):
            start = time.perf_counter()
            risk_overview(atlas)
            times.append(time.perf_counter() - start)
    finally:
        atlas.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        atlas_path = Path(tmp) / "atlas.duckdb"
        env = {**os.environ, "ORECHAIN_ATLAS": str(atlas_path)}
        rebuild = timed_cli(["atlas", "rebuild"], env, max(3, args.runs // 2))
        overview_cli = timed_cli(["risk", "overview", "--json"], env, args.runs)
        overview_call = timed_call(args.runs, atlas_path)
        size_mb = atlas_path.stat().st_size / 1e6
    lines = [
        f"### Atlas (run {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()})",
        "",
        "| what | median s | min s | runs |",
        "| --- | ---: | ---: | ---: |",
        row("`orechain atlas rebuild` (CLI, fresh process)", rebuild),
        row("`orechain risk overview --json` (CLI, fresh process)", overview_cli),
        row("`risk_overview(atlas)` (in-process call)", overview_call),
        "",
        f"Atlas file size: {size_mb:.1f} MB.",
    ]
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


def row(label: str, times: list[float]) -> str:
    return f"| {label} | {statistics.median(times):.3f} | {min(times):.3f} | {len(times)} |"


if __name__ == "__main__":
    main()
