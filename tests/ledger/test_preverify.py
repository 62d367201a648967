"""Parallel signature pre-verification can save time but never admit a bad signature."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from ledger_helpers import signed

from orechain.errors import IntegrityError
from orechain.ledger import preverify
from orechain.ledger.envelope import open_envelope
from orechain.ledger.service import Ledger


def _assays(n: int, prefix: str) -> list[dict]:  # type: ignore[type-arg]
    return [signed("us-magnets", "assay", f"{prefix}{i}", "2026-03-04T00:00:00Z",
                   lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="l")
            for i in range(n)]  # fmt: skip


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preverify, "MIN_BATCH", 4)
    monkeypatch.setattr(preverify, "CHUNK", 3)
    monkeypatch.setenv("ORECHAIN_LEDGER_VERIFY_WORKERS", "2")


@pytest.mark.usefixtures("parallel")
def test_preverified_batch_is_accepted_and_marked(sample_ledger: Ledger) -> None:
    envs = [open_envelope(e) for e in _assays(10, "pv")]
    marked = preverify.preverify(sample_ledger.state, envs)
    public = sample_ledger.state.orgs["us-magnets"].keys[envs[0].key_id].public
    assert all(e.verified_key == public for e in marked)
    receipts = sample_ledger.submit_many(_assays(10, "pv"))
    assert len(receipts) == 10


@pytest.mark.usefixtures("parallel")
def test_one_bad_signature_in_a_parallel_batch_rejects_the_batch(sample_ledger: Ledger) -> None:
    batch = _assays(10, "bad")
    batch[7] = copy.deepcopy(batch[7])
    batch[7]["event"]["grades"] = {"Nd": 0.9}  # signed bytes changed
    envs = preverify.preverify(sample_ledger.state, [open_envelope(e) for e in batch])
    assert envs[7].verified_key is None
    before = sample_ledger.tree.size
    with pytest.raises(IntegrityError, match="bad signature on event 'bad7'"):
        sample_ledger.submit_many(batch)
    assert sample_ledger.tree.size == before


def test_a_key_checked_elsewhere_is_not_trusted(sample_ledger: Ledger) -> None:
    from dataclasses import replace

    from orechain.ledger import acceptance

    tampered = copy.deepcopy(_assays(1, "k")[0])
    tampered["event"]["grades"] = {"Nd": 0.9}
    bad = replace(open_envelope(tampered), verified_key=b"\0" * 32)  # not the signer's key
    stamped = bad.stamped(datetime(2026, 3, 5, tzinfo=UTC))
    with pytest.raises(IntegrityError, match="bad signature"):
        acceptance.check(copy.deepcopy(sample_ledger.state), stamped)


class _IdlePool:
    """A pool whose workers never start: every chunk can be cancelled and taken back."""

    def submit(self, *_args: object) -> object:
        from concurrent.futures import Future

        return Future()


@pytest.mark.usefixtures("parallel")
def test_chunks_no_worker_started_are_verified_by_the_writer(
    sample_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(preverify, "_pool", lambda: _IdlePool())
    batch = _assays(10, "idle")
    envs = preverify.preverify(sample_ledger.state, [open_envelope(e) for e in batch])
    assert all(e.verified_key is not None for e in envs)
    batch[4] = copy.deepcopy(batch[4])
    batch[4]["event"]["grades"] = {"Nd": 0.9}
    with pytest.raises(IntegrityError, match="bad signature on event 'idle4'"):
        sample_ledger.submit_many(batch)
    assert len(sample_ledger.submit_many(_assays(10, "idle"))) == 10
