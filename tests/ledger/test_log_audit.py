from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from ledger_helpers import fixed_clock, signed

from orechain.errors import IntegrityError
from orechain.ledger import sample
from orechain.ledger.audit import audit
from orechain.ledger.log import consistency_bundle, create_checkpoint, inclusion_bundle
from orechain.ledger.service import Ledger
from orechain.ledger.verify import verify_consistency_bundle, verify_inclusion_bundle

LATE = "2026-03-01T00:00:00Z"


def test_checkpoint_inclusion_consistency_offline(sample_ledger: Ledger) -> None:
    cp1 = create_checkpoint(sample_ledger, sample.log_key())
    n1 = sample_ledger.tree.size
    sample_ledger.submit(
        signed(
            "us-magnets",
            "assay",
            "x",
            LATE,
            lot_id="US-MAGNET-001",
            grades={"Nd": 0.2},
            laboratory="l",
        )
    )
    cp2 = create_checkpoint(sample_ledger, sample.log_key())
    vkey = sample_ledger.vkey
    for ref in ("demo-000-register-org", "demo-039-merge", n1 - 1, "x"):
        bundle = inclusion_bundle(sample_ledger, ref)
        assert verify_inclusion_bundle(bundle, vkey).leaf_index == sample_ledger.entry(ref).index
    bundle = inclusion_bundle(sample_ledger, 3)
    bundle["envelope"] = bundle["envelope"].replace("registry", "registrx")
    del bundle["leaf_hash"]
    with pytest.raises(IntegrityError, match="inclusion proof of leaf 3"):
        verify_inclusion_bundle(bundle, vkey)
    cons = consistency_bundle(sample_ledger, n1)
    old, new = verify_consistency_bundle(cons, vkey, cp1, cp2)
    assert (old.tree_size, new.tree_size) == (n1, n1 + 1)
    cons["consistency_path"] = cons["consistency_path"][::-1]
    with pytest.raises(IntegrityError, match="not consistent"):
        verify_consistency_bundle(cons, vkey, cp1, cp2)


def test_checkpoint_needs_log_key(sample_ledger: Ledger) -> None:
    with pytest.raises(IntegrityError, match="not the ledger's log key"):
        create_checkpoint(sample_ledger, sample.org_key("pk-mining"))


def test_audit_passes_on_sample(sample_ledger: Ledger) -> None:
    create_checkpoint(sample_ledger, sample.log_key())
    report = audit(sample_ledger)
    assert report.ok
    assert report.tree_size == 40
    assert report.checkpoints_checked == 1


def _sql(led: Ledger, *statements: str) -> None:
    conn = sqlite3.connect(led.store.url)
    with conn:
        for stmt in statements:
            conn.execute(stmt)
    conn.close()


TAMPERS = {
    "edit": [
        "UPDATE ledger_events SET envelope = CAST(REPLACE(CAST(envelope AS TEXT), "
        "'\"quantity_t\":100', '\"quantity_t\":120') AS BLOB) WHERE event_id = 'demo-017-transform'"
    ],
    "delete": [
        "DELETE FROM ledger_log WHERE leaf_index = 17",
        "DELETE FROM ledger_events WHERE event_id = 'demo-017-transform'",
    ],
    "reorder": [
        "UPDATE ledger_log SET leaf_index = -1 WHERE leaf_index = 17",
        "UPDATE ledger_log SET leaf_index = 17 WHERE leaf_index = 18",
        "UPDATE ledger_log SET leaf_index = 18 WHERE leaf_index = -1",
    ],
    "insert": [
        "UPDATE ledger_log SET leaf_index = leaf_index + 1000 WHERE leaf_index >= 17",
        "UPDATE ledger_log SET leaf_index = leaf_index - 999 WHERE leaf_index >= 1017",
        "INSERT INTO ledger_events SELECT 'forged', 'forged', event_type, actor, event_time,"
        " envelope, received_at FROM ledger_events WHERE event_id = 'demo-018-assay'",
        "INSERT INTO ledger_log SELECT 17, 'forged', leaf_hash, root_after FROM ledger_log"
        " WHERE event_id = 'demo-018-assay'",
    ],
    "orphan": [
        "INSERT INTO ledger_events SELECT 'forged', 'forged', event_type, actor, event_time,"
        " envelope, received_at FROM ledger_events WHERE event_id = 'demo-018-assay'"
    ],
}


@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_audit_names_first_bad_index(tmp_path: object, kind: str) -> None:
    url = str(tmp_path / "t.db")  # type: ignore[operator]
    with Ledger.create(url, sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
        create_checkpoint(led, sample.log_key())
        _sql(led, *TAMPERS[kind])
        report = audit(led)
    assert not report.ok
    assert report.first_bad_index == (40 if kind == "orphan" else 17), report.reason


def test_consistent_rewrite_caught_by_checkpoint(tmp_path: object) -> None:
    """Rewrite a row and recompute every stored hash: only the signed checkpoint catches it."""
    from orechain.ledger.merkle import MerkleLog, leaf_hash

    url = str(tmp_path / "t.db")  # type: ignore[operator]
    envs = sample.stamped_envelopes()
    with Ledger.create(url, sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        led.submit_many(envs[:20], replicate=True)
        create_checkpoint(led, sample.log_key())
        led.submit_many(envs[20:], replicate=True)
        create_checkpoint(led, sample.log_key())
        conn = sqlite3.connect(url)
        with conn:
            conn.execute("DELETE FROM ledger_log WHERE leaf_index = 39")
            conn.execute("DELETE FROM ledger_events WHERE event_id = 'demo-039-merge'")
            conn.execute("DELETE FROM ledger_checkpoints WHERE tree_size = 40")
        conn.close()
        assert audit(led).ok  # truncation to an earlier signed size is not visible here …
        conn = sqlite3.connect(url)
        rows = conn.execute(
            "SELECT envelope FROM ledger_events e JOIN ledger_log l USING (event_id) "
            "ORDER BY leaf_index"
        ).fetchall()
        tree = MerkleLog()
        with conn:
            for i, (env,) in enumerate(rows[:19]):
                tree.append_hash(leaf_hash(env))
                conn.execute(
                    "UPDATE ledger_log SET root_after = ? WHERE leaf_index = ?", (tree.root(), i)
                )
            conn.execute("DELETE FROM ledger_log WHERE leaf_index >= 19")
            conn.execute(
                "DELETE FROM ledger_events WHERE event_id NOT IN (SELECT event_id FROM ledger_log)"
            )
        conn.close()
        report = audit(led)
    assert not report.ok
    assert "checkpoint at size 20" in report.reason  # … a rollback below it is


@pytest.mark.postgres
def test_concurrent_submissions_one_entry(pg_url: str) -> None:
    with Ledger.create(pg_url, sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
    env = signed(
        "us-magnets", "assay", "c", LATE, lot_id="US-MAGNET-001", grades={"Nd": 0.2}, laboratory="l"
    )

    def one(_: int) -> int:
        with Ledger.open(pg_url, clock=fixed_clock) as other:
            return other.submit(env).leaf_index

    with ThreadPoolExecutor(max_workers=10) as pool:
        indices = set(pool.map(one, range(50)))
    assert indices == {40}
    with Ledger.open(pg_url, clock=fixed_clock) as led:
        assert led.store.size() == 41
        assert audit(led).ok


PG_EDIT = (
    "UPDATE ledger_events SET envelope = convert_to(replace(convert_from(envelope, 'UTF8'), "
    "'\"quantity_t\":100', '\"quantity_t\":120'), 'UTF8') WHERE event_id = 'demo-017-transform'"
)


@pytest.mark.postgres
@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_audit_names_first_bad_index_postgres(pg_url: str, kind: str) -> None:
    import psycopg

    with Ledger.create(pg_url, sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
        create_checkpoint(led, sample.log_key())
        with psycopg.connect(pg_url) as conn:
            for stmt in [PG_EDIT] if kind == "edit" else TAMPERS[kind]:
                conn.execute(stmt)
        report = audit(led)
    assert not report.ok
    assert report.first_bad_index == (40 if kind == "orphan" else 17), report.reason
