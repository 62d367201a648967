"""Benchmark: what recording and bands cost next to the plain figure (issue 18).

Times, in this process against a private atlas file and a private run log: the
rare-earth risk profile (the peer: the same command without the option), the
same with ``--bands``, the parts of a run record (source digests, atlas build
digest, code digest), recording the profile, and verifying it (which
re-executes it). Prints markdown with date, machine and same-run ratios.

Usage: python bench/runs_bench.py [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orechain.atlas.store import build_atlas, open_atlas
from orechain.runs import record as rec
from orechain.services.risk import risk_document
from orechain.services.runs import record_run, verify_run
from orechain.settings import Settings


def timed(func: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(atlas_path=tmp / "atlas.duckdb")
    build_atlas(settings.resolved_atlas_path())
    atlas = open_atlas(settings, read_only=True)
    inputs = {"commodity": "rare earths", "measure": "mine", "year": 2024, "source": "usgs-mcs",
              "product": None, "bands": False}  # fmt: skip
    doc = risk_document(atlas, **inputs)  # type: ignore[arg-type]
    rows = [
        ("risk profile, rare earths 2024 (peer: no option)",
         timed(lambda: risk_document(atlas, **inputs), args.runs)),  # type: ignore[arg-type]
        ("risk profile with --bands (4,000 draws, supply-risk band)",
         timed(lambda: risk_document(atlas, **{**inputs, "bands": True}), args.runs)),  # type: ignore[arg-type]
        ("source digests (26 provenance sources, 21 MB)", timed(rec.source_digests, args.runs)),
        ("atlas build digest (11 tables, 1.38 M rows)",
         timed(lambda: rec.atlas_build_digest(atlas), args.runs)),
        ("code digest", timed(rec.code_digest, args.runs)),
    ]  # fmt: skip
    atlas.close()
    folder = tmp / "runs"
    record = lambda: record_run("risk", inputs, doc, folder=folder, settings=settings)  # noqa: E731
    rows.append(("record the profile (sign, append, checkpoint)", timed(record, args.runs)))
    rows.append(
        ("verify run 1 (re-execute, prove inclusion)",
         timed(lambda: verify_run(1, folder, settings), args.runs))
    )  # fmt: skip
    med = {name: statistics.median(t) for name, t in rows}
    base = med[rows[0][0]]
    load = os.getloadavg()[0]
    print(f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f} "
          "(shared machine).\n")  # fmt: skip
    print("| what | median s | runs s | × plain profile |\n| --- | ---: | --- | ---: |")
    for name, t in rows:
        runs = ", ".join(f"{x:.3f}" for x in t)
        print(f"| {name} | {med[name]:.3f} | {runs} | {med[name] / base:.2f} |")


if __name__ == "__main__":
    main()
