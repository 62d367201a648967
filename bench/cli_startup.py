"""Benchmark: whole-process wall time of CLI calls a user scripts (issue 14).

Runs each command in a fresh process, several times, and reports the median,
for this tree and for a peer tree (default: the main checkout) in the same run,
with a bare ``python -c pass`` as the floor. The atlas must be built already
(``orechain atlas rebuild``); both trees read the same atlas file.

Usage: python bench/cli_startup.py [--runs N] [--peer-src PATH] [--atlas FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"
COMMANDS = {
    "orechain --help": ["--help"],
    "orechain risk antimony --json": ["risk", "antimony", "--json"],
    "orechain atlas show copper --json": ["atlas", "show", "copper", "--json"],
}


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time of ``argv`` in fresh processes [s]."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--peer-src", type=Path, default=Path("/work/main/src"))
    parser.add_argument("--atlas", type=Path, required=True)
    args = parser.parse_args()
    base = {**os.environ, "ORECHAIN_ATLAS": str(args.atlas)}
    floor = timed([sys.executable, "-c", "pass"], base, args.runs)
    load = os.getloadavg()[0]
    print("## CLI start-up (issue 14) — `bench/cli_startup.py`\n")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{load:.1f}; median of {args.runs} runs; bare `python -c pass` {floor:.3f} s.\n"
    )
    print("| command | this tree [s] | peer tree [s] | ratio peer/this |")
    print("| --- | ---: | ---: | ---: |")
    for label, cmd in COMMANDS.items():
        argv = [sys.executable, "-m", "orechain.cli", *cmd]
        mine = timed(argv, {**base, "PYTHONPATH": str(HERE)}, args.runs)
        peer = timed(argv, {**base, "PYTHONPATH": str(args.peer_src)}, args.runs)
        print(f"| `{label}` | {mine:.3f} | {peer:.3f} | {peer / mine:.2f} |")


if __name__ == "__main__":
    main()
