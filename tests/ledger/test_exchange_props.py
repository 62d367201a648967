"""Property: replaying an export into a fresh ledger gives the same leaves and roots."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import fixed_clock, lot, signed

from orechain.ledger import keys, sample
from orechain.ledger.exchange import export_lines, import_lines
from orechain.ledger.service import Ledger

SAMPLE = sample.stamped_envelopes()


def _extra(ops: list[tuple[str, float]]) -> list[dict[str, Any]]:
    """Random splits and assays of the magnet lot's descendants at the magnet plant."""
    live, mass, out = "US-MAGNET-001", 14.0, []
    for n, (kind, f) in enumerate(ops):
        t = f"2026-03-01T00:00:{n:02d}Z"
        if kind == "assay":
            out.append(signed("us-magnets", "assay", f"x{n}", t, lot_id=live,
                              grades={"Nd": round(f / 3, 6)}, laboratory="lab"))  # fmt: skip
            continue
        a, b = round(mass * f, 9), round(mass - round(mass * f, 9), 9)
        parts = [lot(f"L{n}a", a), lot(f"L{n}b", b)]
        out.append(signed("us-magnets", "split", f"x{n}", t, site_id="us-magnet", lot_id=live,
                          outputs=parts))  # fmt: skip
        live, mass = f"L{n}a", a
    return out


def _roots(led: Ledger) -> list[bytes]:
    return [e.root_after for e in led.entries()]


@settings(max_examples=10, deadline=None)
@given(
    prefix=st.one_of(st.just(len(SAMPLE)), st.integers(1, len(SAMPLE))),
    ops=st.lists(st.tuples(st.sampled_from(["split", "assay"]), st.floats(0.1, 0.9)), max_size=6),
    batch=st.integers(1, 50),
)
def test_replaying_export_gives_same_roots(
    prefix: int, ops: list[tuple[str, float]], batch: int
) -> None:
    extra = _extra(ops) if prefix == len(SAMPLE) else []
    envs = SAMPLE[:prefix] + extra
    with tempfile.TemporaryDirectory() as tmp:
        with Ledger.create(
            str(Path(tmp) / "a.db"), sample.ORIGIN, sample.log_key(), clock=fixed_clock
        ) as src:
            for i in range(0, prefix, batch):
                src.submit_many(SAMPLE[i : min(i + batch, prefix)], replicate=True)
            for i in range(0, len(extra), batch):
                src.submit_many(extra[i : i + batch])
            lines = list(export_lines(src))
            want = _roots(src)
        other_key = keys.demo_key("another log key")  # roots depend on the leaves only
        with Ledger.create(
            str(Path(tmp) / "b.db"), sample.ORIGIN, other_key, clock=fixed_clock
        ) as dst:
            expect = want[-1].hex() if batch % 2 else None  # one transaction vs batches
            summary = import_lines(dst, lines, batch_size=batch, expect_root=expect)
            assert summary.appended == len(envs)
            assert _roots(dst) == want
            assert list(export_lines(dst)) == lines
