"""Ledger benchmarks (issue 3): the Merkle layer against pymerkle, and the event pipeline.

Run with ``make bench`` (or ``.venv/bin/python bench/ledger_bench.py``). Prints a
markdown section and writes it to ``bench/out/ledger.md``. Sizes can be reduced
for a smoke run with ``LEDGER_BENCH_LEAVES`` and ``LEDGER_BENCH_EVENTS``;
``LEDGER_BENCH_ONLY=pipeline`` skips the Merkle part.

* Merkle, in memory: ``MerkleLog.append`` per leaf and ``MerkleLog.extend`` vs
  pymerkle ``InmemoryTree.append_entry``, N leaves of 32 bytes.
* Merkle, durable: batches of 10,000 leaf hashes inserted into SQLite (WAL,
  ``synchronous=FULL``) and committed, with a fresh root per batch, vs pymerkle
  ``SqliteTree.append_entries`` + ``get_root`` per batch.
* Proof latency at N leaves: ours from the node hashes held in memory (rebuilt
  from storage at open; the rebuild time is reported), pymerkle in memory and on
  SQLite.
* Pipeline: signed envelopes (pre-signed; signing is the client's cost) parsed,
  canonicalised, verified, authorised, mass-balanced, appended and committed,
  in batches of 1,000 and one per transaction, on SQLite and PostgreSQL. The
  bulk figure uses parallel signature pre-verification
  (:mod:`orechain.ledger.preverify`); the peer column is the same run verifying
  serially (``ORECHAIN_LEDGER_VERIFY_WORKERS=1``).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pymerkle import InmemoryTree, SqliteTree

from orechain.ledger import keys, sample
from orechain.ledger.envelope import open_envelope, sign_event
from orechain.ledger.merkle import MerkleLog
from orechain.ledger.service import Ledger

N = int(os.environ.get("LEDGER_BENCH_LEAVES", "1000000"))
EVENTS = int(os.environ.get("LEDGER_BENCH_EVENTS", "6000"))
SINGLES = 300
BATCH = 10_000
PG_URL = os.environ.get("ORECHAIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
OUT = Path(__file__).parent / "out" / "ledger.md"
ROWS: list[tuple[str, str, str, str]] = []


def row(what: str, ours: str, peer: str = "", ratio: str = "") -> None:
    ROWS.append((what, ours, peer, ratio))
    print(f"  {what}: {ours} {peer} {ratio}", file=sys.stderr)


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s"


def leaves(n: int) -> list[bytes]:
    return [i.to_bytes(32, "big") for i in range(n)]


# --- Merkle layer ------------------------------------------------------------------


def bench_inmemory(data: list[bytes]) -> MerkleLog:
    log = MerkleLog()
    t_append = timed(lambda: [log.append(d) for d in data])
    bulk = MerkleLog()
    t_extend = timed(lambda: bulk.extend(data))
    peer = InmemoryTree(algorithm="sha256")
    t_peer = timed(lambda: [peer.append_entry(d) for d in data])
    assert log.root() == bulk.root() == peer.get_root()
    n = len(data)
    row(
        "in-memory append, per leaf",
        rate(n, t_append),
        rate(n, t_peer),
        f"{t_peer / t_append:.1f}×",
    )
    row(
        "in-memory append, `extend`",
        rate(n, t_extend),
        rate(n, t_peer),
        f"{t_peer / t_extend:.1f}×",
    )
    bench_proofs(bulk, peer, "in memory", samples=1000, peer_samples=200)
    return bulk


def _sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE leaves (leaf_index INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL)")
    return conn


def durable_ours(data: list[bytes], path: Path) -> tuple[float, int]:
    conn, log, roots = _sqlite(path), MerkleLog(), 0
    t = time.perf_counter()
    for start in range(0, len(data), BATCH):
        log.extend(data[start : start + BATCH])
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO leaves VALUES (?, ?)",
                         enumerate(log.levels[0][start:], start))  # fmt: skip
        conn.execute("COMMIT")
        roots += len(log.root()) > 0
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed, roots


def reload_ours(path: Path) -> tuple[float, MerkleLog]:
    t = time.perf_counter()
    conn = sqlite3.connect(path)
    log = MerkleLog.from_hashes(
        h for (h,) in conn.execute("SELECT leaf_hash FROM leaves ORDER BY 1")
    )
    conn.close()
    return time.perf_counter() - t, log


def durable_peer(data: list[bytes], path: Path) -> tuple[float, SqliteTree]:
    tree = SqliteTree(str(path))
    t = time.perf_counter()
    for start in range(0, len(data), BATCH):
        tree.append_entries(data[start : start + BATCH], chunksize=BATCH)
        tree.get_root()
    return time.perf_counter() - t, tree


def bench_durable(data: list[bytes], tmp: Path) -> None:
    n = len(data)
    t_ours, _ = durable_ours(data, tmp / "ours.db")
    t_peer, peer = durable_peer(data, tmp / "pymerkle.db")
    row(f"durable batched append ({BATCH:,}/batch, root per batch)", rate(n, t_ours),
        rate(n, t_peer), f"{t_peer / t_ours:.1f}×")  # fmt: skip
    t_load, log = reload_ours(tmp / "ours.db")
    row(f"open: rebuild tree from {n:,} stored leaf hashes", f"{t_load:.2f} s")
    bench_proofs(log, peer, "stored tree", samples=1000, peer_samples=10)
    peer.con.close()


def _latency(fn: Callable[[int], Any], args: list[int]) -> float:
    t = time.perf_counter()
    for a in args:
        fn(a)
    return (time.perf_counter() - t) / len(args) * 1e6


def bench_proofs(log: MerkleLog, peer: Any, where: str, samples: int, peer_samples: int) -> None:
    n, rng = log.size, random.Random(7)
    idx = [rng.randrange(n) for _ in range(samples)]
    olds = [rng.randrange(1, n) for _ in range(samples)]
    ours_i = _latency(lambda i: log.inclusion_proof(i, n), idx)
    ours_c = _latency(lambda m: log.consistency_proof(m, n), olds)
    peer_i = _latency(lambda i: peer.prove_inclusion(i + 1, n), idx[:peer_samples])
    peer_c = _latency(lambda m: peer.prove_consistency(m, n), olds[:peer_samples])
    label = "pymerkle SQLite" if isinstance(peer, SqliteTree) else "pymerkle in-memory"
    row(f"inclusion proof at {n:,} ({where}; peer: {label})", f"{ours_i:.1f} µs",
        f"{peer_i:,.1f} µs", f"{peer_i / ours_i:.0f}×")  # fmt: skip
    row(f"consistency proof at {n:,} ({where}; peer: {label})", f"{ours_c:.1f} µs",
        f"{peer_c:,.1f} µs", f"{peer_c / ours_c:.0f}×")  # fmt: skip


# --- event pipeline ------------------------------------------------------------------


BENCH_NOW = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
"""Receipt clock of the benchmark ledger (its events are dated 2026-03-01)."""


def signed_events(n: int, prefix: str) -> list[dict[str, Any]]:
    """``n`` assays of the sample magnet lot by its custodian, signed in advance.

    Each reports a slightly different Nd grade, so every one changes the lot and
    runs the element-balance re-check over the lot graph (issue 11); identical
    re-assays would skip it (they change nothing).
    """
    key = sample.org_key("us-magnets")
    return [
        sign_event({"type": "assay", "event_id": f"{prefix}{i}", "actor": "us-magnets",
                    "time": "2026-03-01T00:00:00Z", "lot_id": "US-MAGNET-001",
                    "grades": {"Nd": 0.2 + (i % 997) * 1e-5, "Pr": 0.06},
                    "laboratory": "bench lab"}, key, origin=sample.ORIGIN)
        for i in range(n)
    ]  # fmt: skip


def pipeline(url: str, label: str) -> None:
    """Bulk with parallel pre-verification, the same serially (the peer), then singles."""
    from orechain.ledger import preverify

    bulk, serial = signed_events(EVENTS, "b"), signed_events(EVENTS, "q")
    singles = signed_events(SINGLES, "s")
    clock = lambda: BENCH_NOW  # noqa: E731 - the log clock a few days after the events
    with Ledger.create(url, sample.ORIGIN, sample.log_key(), clock=clock) as led:
        sample.load(led)
        led.submit_many(signed_events(1000, "w"))  # start the verification workers
        t_bulk = timed(
            lambda: [led.submit_many(bulk[i : i + 1000]) for i in range(0, EVENTS, 1000)]
        )
        os.environ["ORECHAIN_LEDGER_VERIFY_WORKERS"] = "1"
        try:
            t_serial = timed(
                lambda: [led.submit_many(serial[i : i + 1000]) for i in range(0, EVENTS, 1000)]
            )
        finally:
            del os.environ["ORECHAIN_LEDGER_VERIFY_WORKERS"]
        t_one = timed(lambda: [led.submit(env) for env in singles])
        assert led.store.size() == 40 + 1000 + 2 * EVENTS + SINGLES
    workers = preverify.workers()
    row(f"pipeline, {label}, bulk (1,000 per commit), {workers} verify workers",
        rate(EVENTS, t_bulk), rate(EVENTS, t_serial), f"{t_serial / t_bulk:.2f}×")  # fmt: skip
    row(f"pipeline, {label}, one event per commit", rate(SINGLES, t_one))


def pg_schema_url() -> tuple[str, Callable[[], None]] | None:
    try:
        import psycopg

        schema = f"ledger_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # benchmark skips PostgreSQL when absent
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None

    def drop() -> None:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")

    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", drop


def bench_crypto() -> None:
    envs = [open_envelope(e) for e in signed_events(3000, "v")]
    public = keys.public_bytes(sample.org_key("us-magnets"))
    t = timed(lambda: [keys.verify(public, e.message, e.signature) for e in envs])
    row("Ed25519 verification alone", rate(len(envs), t))
    raws = signed_events(3000, "p")
    t = timed(lambda: [open_envelope(r) for r in raws])
    row("envelope parse + schema + RFC 8785 alone", rate(len(raws), t))


# --- report ---------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    if info.exists():
        names = [ln.split(":", 1)[1].strip() for ln in info.read_text().splitlines()
                 if ln.startswith("model name")]  # fmt: skip
        cpu = names[0] if names else cpu
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def report(load_before: tuple[float, ...], seconds: float) -> str:
    load_after = os.getloadavg()
    lines = [
        "## Ledger (issue 3)",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
        f"(shared machine); {seconds:.0f} s in all. N = {N:,} leaves, {EVENTS:,} bulk events.",
        "",
        "| measure | OreChain | pymerkle 7.0.0 | ratio |",
        "| --- | --- | --- | --- |",
        *(f"| {w} | {o} | {p} | {r} |" for w, o, p, r in ROWS),
        "",
        "Aims (issue 3): in-memory append ≥ 750k leaves/s, durable batched ≥ 200k leaves/s, "
        "inclusion ≤ 50 µs and consistency ≤ 100 µs at 1 M leaves, pipeline ≥ 5,000 events/s "
        "in bulk. pymerkle's SQLite backend uses its default rollback journal; ours WAL + "
        "`synchronous=FULL`. Pipeline events are assays of one lot (signature, custody, "
        "time-order checks, element-balance re-check over the lot graph), pre-signed.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    load_before, start = os.getloadavg(), time.perf_counter()
    only_pipeline = os.environ.get("LEDGER_BENCH_ONLY") == "pipeline"
    with tempfile.TemporaryDirectory() as tmp:
        if not only_pipeline:
            data = leaves(N)
            bench_inmemory(data)
            bench_durable(data, Path(tmp))
            del data
        bench_crypto()
        pipeline(str(Path(tmp) / "pipeline.db"), "SQLite")
    pg = pg_schema_url()
    if pg is not None:
        url, drop = pg
        try:
            pipeline(url, "PostgreSQL")
        finally:
            drop()
    text = report(load_before, time.perf_counter() - start)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
