"""Red-team tests of issue #11, items 1-4: proofs bound to what they prove, every column audited.

Each test plays a dishonest participant or a database-level attacker and
must fail on a ledger that trusts labels instead of the proven bytes.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from ledger_helpers import fixed_clock, signed
from typer.testing import CliRunner

from orechain.cli import app
from orechain.errors import InputError, IntegrityError, NotFoundError
from orechain.ledger import sample
from orechain.ledger.audit import audit
from orechain.ledger.log import create_checkpoint, inclusion_bundle
from orechain.ledger.service import Ledger
from orechain.ledger.verify import verify_inclusion_bundle

runner = CliRunner()


def _sql(led: Ledger, *statements: str) -> None:
    conn = sqlite3.connect(led.store.url)
    with conn:
        for stmt in statements:
            conn.execute(stmt)
    conn.close()


@pytest.fixture
def sqlite_sample(tmp_path: Path) -> Ledger:
    led = Ledger.create(str(tmp_path / "l.db"), sample.ORIGIN, sample.log_key(), clock=fixed_clock)
    sample.load(led)
    create_checkpoint(led, sample.log_key())
    return led


def test_item1_relabelled_bundle_event_id_is_refused(sqlite_sample: Ledger) -> None:
    bundle = inclusion_bundle(sqlite_sample, "demo-018-assay")
    bundle["event_id"] = "demo-039-merge"
    with pytest.raises(IntegrityError, match="names event 'demo-039-merge'"):
        verify_inclusion_bundle(bundle, sqlite_sample.vkey)


def test_item1_verifier_derives_id_and_signer_from_the_leaf(sqlite_sample: Ledger) -> None:
    bundle = inclusion_bundle(sqlite_sample, "demo-018-assay")
    del bundle["event_id"]
    got = verify_inclusion_bundle(bundle, sqlite_sample.vkey)
    assert got.event_id == "demo-018-assay"
    assert got.event_type == "assay"
    assert got.key_id is not None
    assert got.leaf_index == sqlite_sample.entry("demo-018-assay").index
    bundle["leaf_index"] = got.leaf_index + 1
    with pytest.raises(IntegrityError, match="inclusion proof"):
        verify_inclusion_bundle(bundle, sqlite_sample.vkey)


def test_item1_non_canonical_envelope_in_bundle_is_refused(sqlite_sample: Ledger) -> None:
    bundle = inclusion_bundle(sqlite_sample, "demo-018-assay")
    bundle["envelope"] = json.dumps(json.loads(bundle["envelope"]), indent=1)
    with pytest.raises(InputError, match="canonical"):
        verify_inclusion_bundle(bundle, sqlite_sample.vkey)


def test_item2_public_bundle_verifies_with_cli(sqlite_sample: Ledger, tmp_path: Path) -> None:
    bundle = inclusion_bundle(sqlite_sample, "demo-018-assay")
    bundle["envelope"] = None  # what the REST API serves to the public
    path = tmp_path / "public.json"
    path.write_text(json.dumps(bundle))
    result = runner.invoke(
        app, ["ledger", "verify", "--proof", str(path), "--vkey", sqlite_sample.vkey]
    )
    assert result.exit_code == 0, result.output
    assert "leaf hash" in result.output
    assert "not proven" in result.output
    result = runner.invoke(
        app, ["ledger", "verify", "--proof", str(path), "--vkey", sqlite_sample.vkey, "--json"]
    )
    out = json.loads(result.output)
    assert out["event_id"] is None
    assert out["leaf_hash"] == bundle["leaf_hash"]


def test_item2_public_bundle_with_wrong_leaf_hash_fails(sqlite_sample: Ledger) -> None:
    bundle = inclusion_bundle(sqlite_sample, "demo-018-assay")
    other = inclusion_bundle(sqlite_sample, "demo-039-merge")
    bundle["envelope"], bundle["leaf_hash"] = None, other["leaf_hash"]
    with pytest.raises(IntegrityError, match="inclusion proof"):
        verify_inclusion_bundle(bundle, sqlite_sample.vkey)


COLUMN_TAMPERS = {
    "event_id": [
        "UPDATE ledger_log SET event_id = 'renamed' WHERE event_id = 'demo-018-assay'",
        "UPDATE ledger_events SET event_id = 'renamed' WHERE event_id = 'demo-018-assay'",
    ],
    "idempotency_key": [
        "UPDATE ledger_events SET idempotency_key = 'x' WHERE event_id = 'demo-018-assay'"
    ],
    "actor": ["UPDATE ledger_events SET actor = 'us-magnets' WHERE event_id = 'demo-018-assay'"],
    "event_type": [
        "UPDATE ledger_events SET event_type = 'certify' WHERE event_id = 'demo-018-assay'"
    ],
    "event_time": [
        "UPDATE ledger_events SET event_time = '2020-01-01T00:00:00Z' "
        "WHERE event_id = 'demo-018-assay'"
    ],
}


@pytest.mark.parametrize("column", sorted(COLUMN_TAMPERS))
def test_item3_audit_checks_every_stored_column(sqlite_sample: Ledger, column: str) -> None:
    index = sqlite_sample.entry("demo-018-assay").index
    _sql(sqlite_sample, *COLUMN_TAMPERS[column])
    report = audit(sqlite_sample)
    assert not report.ok
    assert report.first_bad_index == index
    assert column.split(".")[-1] in report.reason


def test_item3_renamed_row_gets_no_proof(sqlite_sample: Ledger) -> None:
    _sql(sqlite_sample, *COLUMN_TAMPERS["event_id"])
    with pytest.raises(IntegrityError, match="does not match its envelope"):
        inclusion_bundle(sqlite_sample, "renamed")


def test_item3_non_canonical_leaf_after_last_checkpoint_fails_audit(
    sqlite_sample: Ledger,
) -> None:
    sqlite_sample.submit(
        signed("us-magnets", "assay", "late-1", "2026-03-01T00:00:00Z",
               lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="l")
    )  # fmt: skip
    entry = sqlite_sample.entry("late-1")
    pretty = json.dumps(json.loads(entry.envelope), indent=2).encode()
    from orechain.ledger.merkle import MerkleLog, leaf_hash

    tree = MerkleLog.from_hashes(
        e.leaf_hash for e in sqlite_sample.entries() if e.index < entry.index
    )
    tree.append_hash(leaf_hash(pretty))
    conn = sqlite3.connect(sqlite_sample.store.url)
    with conn:
        conn.execute("UPDATE ledger_events SET envelope = ? WHERE event_id = 'late-1'", (pretty,))
        conn.execute(
            "UPDATE ledger_log SET leaf_hash = ?, root_after = ? WHERE event_id = 'late-1'",
            (leaf_hash(pretty), tree.root()),
        )
    conn.close()
    report = audit(sqlite_sample)
    assert not report.ok
    assert report.first_bad_index == entry.index
    assert "canonical" in report.reason


def test_item4_all_digit_event_id_is_refused(sqlite_sample: Ledger) -> None:
    env = signed("us-magnets", "assay", "12", "2026-03-01T00:00:00Z",
                 lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="l")  # fmt: skip
    with pytest.raises(InputError, match="all digits"):
        sqlite_sample.submit(env)
    assert sqlite_sample.entry("12").index == 12


@pytest.mark.parametrize("ref", ["99999999999999999999", "40", 10**30])
def test_item4_huge_leaf_index_is_not_found(sqlite_sample: Ledger, ref: str | int) -> None:
    with pytest.raises(NotFoundError, match="leaf indices run from 0"):
        sqlite_sample.entry(ref)
    result = runner.invoke(
        app, ["ledger", "proof", "inclusion", str(ref), "--db", sqlite_sample.store.url]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
