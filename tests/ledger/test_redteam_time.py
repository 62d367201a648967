"""Red-team tests of issue #11, items 5 and 7: the log's own receipt time; one log per signature."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ledger_helpers import TEST_NOW, fixed_clock, lot, signed

from orechain.errors import InputError, IntegrityError
from orechain.ledger import keys, sample
from orechain.ledger.audit import audit
from orechain.ledger.canonical import parse_json
from orechain.ledger.envelope import sign_event
from orechain.ledger.guards import Policy
from orechain.ledger.service import Ledger


def _rotate_and_revoke(led: Ledger) -> keys.Ed25519PrivateKey:
    new_key = keys.demo_key("rotated for red team")
    pub = base64.b64encode(keys.public_bytes(new_key)).decode()
    led.submit(signed("us-magnets", "rotate-key", "rt-rot", "2026-03-04T00:00:00Z",
                      org_id="us-magnets", public_key=pub))  # fmt: skip
    old = keys.key_id(keys.public_bytes(sample.org_key("us-magnets")))
    led.submit(
        sign_event(
            {"type": "revoke-key", "event_id": "rt-rev", "actor": "us-magnets",
             "time": "2026-03-04T01:00:00Z", "org_id": "us-magnets", "key_id": old,
             "reason": "stolen"},
            new_key,
            origin=sample.ORIGIN,
        )
    )  # fmt: skip
    return new_key


def test_item5_backdated_event_under_revoked_key_is_refused(sample_ledger: Ledger) -> None:
    _rotate_and_revoke(sample_ledger)
    fake = signed("us-magnets", "extract", "rt-fake", "2026-03-01T00:00:00Z",
                  site_id="us-magnet", lot=lot("FAKE-ORE", 5000))  # fmt: skip
    before = sample_ledger.tree.size
    with pytest.raises(IntegrityError, match="revoked"):
        sample_ledger.submit(fake)
    assert sample_ledger.tree.size == before


def test_item5_key_added_later_is_judged_at_receipt(sample_ledger: Ledger) -> None:
    new_key = _rotate_and_revoke(sample_ledger)
    event = {"type": "assay", "event_id": "rt-ok", "actor": "us-magnets",
             "time": "2026-03-01T00:00:00Z", "lot_id": "US-MAGNET-001",
             "grades": {"Nd": 0.2}, "laboratory": "l"}  # fmt: skip
    receipt = sample_ledger.submit(sign_event(event, new_key, origin=sample.ORIGIN))
    assert receipt.event_time == "2026-03-01T00:00:00Z"
    assert receipt.received_at == "2026-03-05T00:00:00Z"


@pytest.mark.parametrize(
    ("time", "reason"),
    [("2031-01-01T00:00:00Z", "after the log received it"),
     ("2026-03-06T00:00:01Z", "after the log received it"),
     ("2026-02-01T00:00:00Z", "before the log received it")],
)  # fmt: skip
def test_item5_event_time_outside_window_is_refused(
    sample_ledger: Ledger, time: str, reason: str
) -> None:
    env = signed("us-magnets", "assay", "rt-w", time, lot_id="US-MAGNET-001",
                 grades={"Nd": 0.2}, laboratory="l")  # fmt: skip
    with pytest.raises(InputError, match=reason):
        sample_ledger.submit(env)


def test_item5_window_policy_lives_in_ledger_metadata(tmp_path: Path) -> None:
    url = str(tmp_path / "w.db")
    policy = Policy(max_future=timedelta(minutes=5), max_past=timedelta(days=2))
    Ledger.create(url, sample.ORIGIN, sample.log_key(), policy, clock=fixed_clock).close()
    with Ledger.open(url, clock=fixed_clock) as led:
        assert led.meta["max_future_s"] == "300"
        assert led.policy.max_past == timedelta(days=2)
        sample.load(led)
        env = signed("us-magnets", "assay", "rt-p", "2026-03-02T00:00:00Z",
                     lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="l")  # fmt: skip
        with pytest.raises(InputError, match="2 days before"):
            led.submit(env)


def test_item5_receipt_time_is_in_the_leaf_and_cannot_be_supplied(sample_ledger: Ledger) -> None:
    env = signed("us-magnets", "assay", "rt-s", "2026-03-04T00:00:00Z",
                 lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="l")  # fmt: skip
    with pytest.raises(InputError, match="stamped by the log"):
        sample_ledger.submit({**env, "received_at": "2026-03-04T00:00:00Z"})
    sample_ledger.submit(env)
    leaf = parse_json(sample_ledger.entry("rt-s").envelope)
    assert leaf["received_at"] == "2026-03-05T00:00:00Z"
    assert leaf["event"]["time"] == "2026-03-04T00:00:00Z"
    assert audit(sample_ledger).ok


def test_item5_receipt_times_never_go_backwards(sample_ledger: Ledger) -> None:
    sample_ledger.clock = lambda: TEST_NOW - timedelta(days=1)  # log clock stepped back
    receipt = sample_ledger.submit(
        signed("us-magnets", "assay", "rt-b", "2026-03-03T00:00:00Z",
               lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="l")
    )  # fmt: skip
    assert receipt.received_at >= "2026-01-14"
    assert datetime.fromisoformat(receipt.received_at) <= TEST_NOW.astimezone(UTC)


def test_item7_envelope_is_refused_by_another_log(tmp_path: Path) -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    other = Ledger.create(str(tmp_path / "o.db"), "other.invalid/log",
                          keys.demo_key("other log"), clock=lambda: start)  # fmt: skip
    genesis = sample.sample_envelopes()[0]
    with pytest.raises(IntegrityError, match="signed for log"):
        other.submit(genesis)
    forged = {**genesis, "log": "other.invalid/log"}  # relabelled: the signature breaks
    with pytest.raises(IntegrityError, match="bad signature"):
        other.submit(forged)
    assert other.tree.size == 0
    other.close()


def test_a_ledger_of_the_old_format_is_refused_with_a_reason(tmp_path: Path) -> None:
    from orechain.errors import ConflictError

    url = str(tmp_path / "v1.db")
    Ledger.create(url, sample.ORIGIN, sample.log_key(), clock=fixed_clock).close()
    import sqlite3

    conn = sqlite3.connect(url)
    with conn:
        conn.execute("UPDATE ledger_meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(ConflictError, match="schema version 1"):
        Ledger.open(url)
