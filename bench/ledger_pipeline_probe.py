"""Short pipeline probe: bulk (parallel verification) and serial, one store, 4,000 events.

Meant for same-run comparisons of two source trees on a shared machine, e.g.::

    PYTHONPATH=/path/to/main/src  python bench/ledger_pipeline_probe.py [--pg]
    PYTHONPATH=/path/to/branch/src python bench/ledger_pipeline_probe.py [--pg]

run back to back. The workload is :func:`ledger_bench.signed_events` (assays of
the sample magnet lot with varying grades); ``--pg`` uses a fresh schema on the
test PostgreSQL. Prints one line: bulk and serial rates, the CPU time the
submitting (writer) process spent per event in each, and the load average. On a
shared machine the wall-clock rates swing with other work; the writer's CPU per
event does not, and bounds the rate the single writer can sustain on a free core
(PostgreSQL's own server CPU is not included).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import ledger_bench as lb

from orechain.ledger import sample
from orechain.ledger.service import Ledger

N = 4000


def probe(url: str) -> str:
    """Bulk then serial submission of N events each into a fresh sample ledger at ``url``."""
    bulk, serial = lb.signed_events(N, "b"), lb.signed_events(N, "q")
    with Ledger.create(url, sample.ORIGIN, sample.log_key(), clock=lambda: lb.BENCH_NOW) as led:
        sample.load(led)
        led.submit_many(lb.signed_events(1000, "w"))  # start the verification workers
        cpu = time.process_time()
        t_bulk = lb.timed(lambda: [led.submit_many(bulk[i : i + 1000]) for i in range(0, N, 1000)])
        cpu_bulk, cpu = time.process_time() - cpu, time.process_time()
        os.environ["ORECHAIN_LEDGER_VERIFY_WORKERS"] = "1"
        try:
            t_serial = lb.timed(
                lambda: [led.submit_many(serial[i : i + 1000]) for i in range(0, N, 1000)]
            )
        finally:
            del os.environ["ORECHAIN_LEDGER_VERIFY_WORKERS"]
        cpu_serial = time.process_time() - cpu
    load = os.getloadavg()[0]
    return (
        f"bulk {N / t_bulk:,.0f}/s (writer CPU {cpu_bulk / N * 1e6:.0f} µs/event) "
        f"serial {N / t_serial:,.0f}/s (writer CPU {cpu_serial / N * 1e6:.0f} µs/event) "
        f"load {load:.2f}"
    )


def main() -> None:
    if "--pg" in sys.argv:
        pg = lb.pg_schema_url()
        if pg is None:
            return
        url, drop = pg
        try:
            print(probe(url))
        finally:
            drop()
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(probe(str(Path(tmp) / "probe.db")))


if __name__ == "__main__":
    main()
