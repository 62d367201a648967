"""Reliability: writers killed with SIGKILL mid-submit, and several writer processes at once.

Writers are forked children (no interpreter start-up, so 20+ kills take a few
seconds). A child reports an event as acknowledged only after ``submit_many``
has returned, i.e. after the commit; the parent waits for the child's first
acknowledgement (so the kill cannot land before the writer works, however busy
the machine), kills it a seeded random moment later, and then checks that
every acknowledged event is in the log, that batches were atomic and that
``audit`` recomputes a clean log.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest
from ledger_helpers import fixed_clock, lot, signed

from orechain.ledger import sample
from orechain.ledger.audit import audit
from orechain.ledger.service import Ledger

BATCH = 5
KILLS = 20


def _events(n: int, prefix: str = "k") -> list[dict[str, Any]]:
    """Alternating assays and splits down a chain of lots cut from the sample magnet lot."""
    live, mass, out = "US-MAGNET-001", 14.0, []
    for i in range(n):
        t = f"2026-03-01T00:{i // 60:02d}:{i % 60:02d}Z"
        if i % 2 == 0:
            out.append(signed("us-magnets", "assay", f"{prefix}{i}", t, lot_id=live,
                              grades={"Nd": 0.2}, laboratory="lab"))  # fmt: skip
            continue
        keep = mass * 0.99
        parts = [lot(f"{prefix}L{i}a", keep), lot(f"{prefix}L{i}b", mass - keep)]
        out.append(signed("us-magnets", "split", f"{prefix}{i}", t, site_id="us-magnet",
                          lot_id=live, outputs=parts))  # fmt: skip
        live, mass = f"{prefix}L{i}a", keep
    return out


def _fork(work: Callable[[int], None]) -> tuple[int, int]:
    """Run ``work(write_fd)`` in a forked child; return (pid, read fd)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        os.close(r)
        code = 0
        try:
            work(w)
        except BaseException as exc:  # reported to the parent
            os.write(w, f"ERR {exc}\n".encode())
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def _read_all(fd: int, first: bytes = b"") -> list[str]:
    chunks = [first]
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    text = b"".join(chunks).decode()
    assert "ERR" not in text, text
    return [ln for ln in text.split("\n") if ln]  # a torn last line cannot occur: see _writer


def _writer(url: str, envs: list[dict[str, Any]]) -> Callable[[int], None]:
    def work(fd: int) -> None:
        with Ledger.open(url, clock=fixed_clock) as led:
            for i in range(0, len(envs), BATCH):
                receipts = led.submit_many(envs[i : i + BATCH])
                # one write() under PIPE_BUF bytes is atomic, so lines are never torn
                os.write(fd, "".join(f"{r.event_id}\n" for r in receipts).encode())

    return work


def test_sigkill_during_bulk_submit(ledger_url: str) -> None:
    with Ledger.create(ledger_url, sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
    envs = _events(3000)  # far more than 20 short runs can write, so no run ends on its own
    rng = random.Random(20261126)
    acked: set[str] = set()
    killed_mid_run = 0
    for _ in range(KILLS):
        with Ledger.open(ledger_url, clock=fixed_clock) as led:  # closed before the fork
            done = led.store.size() - 40
        pid, fd = _fork(_writer(ledger_url, envs[done:]))
        first = os.read(fd, 65536)  # blocks until the writer has committed a batch
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        killed_mid_run += os.WIFSIGNALED(status)
        acked |= set(_read_all(fd, first))
    assert killed_mid_run >= KILLS // 2  # most kills landed while the writer was working
    with Ledger.open(ledger_url, clock=fixed_clock) as led:
        stored = [e.event_id for e in led.entries(40)]
        assert acked <= set(stored)  # nothing acknowledged was lost
        assert stored == [e["event"]["event_id"] for e in envs[: len(stored)]]  # no gaps
        assert len(stored) % BATCH == 0  # batches are all-or-nothing
        report = audit(led)
    assert report.ok, report.reason
    assert len(acked) > 0


@pytest.mark.postgres
def test_writer_processes_never_fork_the_log(pg_url: str) -> None:
    with Ledger.create(pg_url, sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
    common = signed("us-magnets", "assay", "common", "2026-03-01T00:00:00Z",
                    lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="lab")  # fmt: skip

    def own(p: int) -> list[dict[str, Any]]:
        return [signed("us-magnets", "assay", f"p{p}-{i}", "2026-03-01T00:00:00Z",
                       lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="lab")
                for i in range(8)]  # fmt: skip

    def work(p: int) -> Callable[[int], None]:
        def run(fd: int) -> None:
            with Ledger.open(pg_url, clock=fixed_clock) as mine:
                for env in [*own(p)[:4], common, *own(p)[4:]]:
                    r = mine.submit(env)
                    os.write(fd, f"{r.event_id} {r.leaf_index} {r.root_hash}\n".encode())

        return run

    children = [_fork(work(p)) for p in range(4)]
    lines = []
    for pid, fd in children:
        lines += _read_all(fd)
        assert os.waitpid(pid, 0)[1] == 0
    with Ledger.open(pg_url, clock=fixed_clock) as led:
        entries = list(led.entries())
        assert [e.index for e in entries] == list(range(40 + 4 * 8 + 1))
        assert len({e.event_id for e in entries}) == len(entries)  # one entry per event
        by_id = {e.event_id: e for e in entries}
        for line in lines:  # every receipt names the one stored entry and its root
            event_id, index, root = line.split()
            assert (by_id[event_id].index, by_id[event_id].root_after.hex()) == (int(index), root)
        assert {ln.split()[1] for ln in lines if ln.startswith("common ")} == {
            str(by_id["common"].index)
        }
        assert audit(led).ok
