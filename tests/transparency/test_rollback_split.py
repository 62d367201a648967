"""The attacks the witnesses and the monitor exist for: rollback, fork, split view, bad entry."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orechain.cli import build_app
from orechain.errors import IntegrityError, OreChainError
from orechain.ledger import keys, sample
from orechain.ledger.envelope import open_envelope, sign_event
from orechain.ledger.guards import Policy
from orechain.ledger.log import create_checkpoint, inclusion_bundle
from orechain.ledger.merkle import leaf_hash
from orechain.ledger.service import Ledger
from orechain.ledger.store import Entry
from orechain.transparency.monitor import MonitorState, TileSource, follow
from orechain.transparency.policy import (
    TrustPolicy,
    collect_cosignatures,
    parse_policy,
    verify_with_policy,
)
from orechain.transparency.publish import publish
from orechain.transparency.witness import Witness, serve_witness

ENVS = sample.stamped_envelopes()
"""The sample as its log recorded it (with ``received_at``): replicated, never resubmitted."""
VKEY_CLI = ["--vkey"]


def extra_events(n: int, tag: str) -> list[dict[str, Any]]:
    """Valid events the original log never had: new ore lots at the Chinese mine.

    Submitted fresh (the log stamps its receipt time now), so their times lie
    within the log's window and after every replicated sample entry.
    """
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    out = []
    for i in range(n):
        event = {
            "type": "extract", "event_id": f"{tag}-{i}", "actor": "cn-separator",
            "time": (base + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
            "site_id": "cn-mine",
            "lot": {"lot_id": f"{tag}-LOT-{i}", "product": "run-of-mine ore",
                    "commodity": "rare earths", "quantity_t": 10, "basis": "gross"},
        }  # fmt: skip
        out.append(sign_event(event, sample.org_key("cn-separator"), origin=sample.ORIGIN))
    return out


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[list[tuple[Witness, str]]]:
    """Two witnesses over HTTP, each with its own key and SQLite state, trusting the sample log."""
    out, servers = [], []
    vkey = Ledger.create(str(tmp_path / "probe.db"), sample.ORIGIN, sample.log_key()).vkey
    for n in ("w1", "w2"):
        w = Witness(tmp_path / f"{n}.db", f"witness.test/{n}", keys.demo_key(n))
        w.trust_log(vkey)
        server = serve_witness(w, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        out.append((w, f"http://127.0.0.1:{server.server_port}"))
    yield out
    for server in servers:
        server.shutdown()
        server.server_close()


def policy_text(led: Ledger, witnesses: list[tuple[Witness, str]]) -> str:
    lines = [f"log {led.vkey}"]
    lines += [f"witness {w.name.split('/')[-1]} {w.vkey} {url}" for w, url in witnesses]
    return "\n".join([*lines, "group both all w1 w2", "quorum both", ""])


def backup(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def cosigner(policy: TrustPolicy) -> Any:
    return lambda led, note, prev: collect_cosignatures(led, note, policy, prev)


def submit(led: Ledger, envs: list[dict[str, Any]]) -> None:
    """Sample entries are replicated with their receipt times; new events are stamped now."""
    led.submit_many(envs, replicate="received_at" in envs[0])


def checkpointed(url: Path, envs: list[dict[str, Any]]) -> Ledger:
    led = Ledger.open(str(url))
    submit(led, envs)
    create_checkpoint(led, sample.log_key())
    return led


def test_rollback_is_refused_by_witnesses_and_flagged(
    tmp_path: Path, witnesses: list[tuple[Witness, str]]
) -> None:
    db = tmp_path / "ledger.db"
    Ledger.create(str(db), sample.ORIGIN, sample.log_key()).close()
    led = checkpointed(db, ENVS[:31])
    policy = parse_policy(policy_text(led, witnesses))
    (tmp_path / "policy.txt").write_text(policy_text(led, witnesses))
    tiles = tmp_path / "tiles"
    publish(led, tiles, cosign=cosigner(policy))
    state, found, _ = follow(TileSource(str(tiles)), MonitorState(), led.vkey, policy=policy)
    assert found is None
    assert state.size == 31
    backup(db, tmp_path / "backup.db")  # the operator's backup at size N = 31
    submit(led, ENVS[31:])
    create_checkpoint(led, sample.log_key())
    publish(led, tiles, cosign=cosigner(policy))  # grows to 40, cosigned by both witnesses
    state, found, checked = follow(TileSource(str(tiles)), state, led.vkey, policy=policy)
    assert (found, state.size, checked) == (None, 40, 9)
    vkey = led.vkey
    led.close()

    backup(tmp_path / "backup.db", db)  # restore the backup, then append other events
    led = checkpointed(db, extra_events(2, "other"))
    assert led.tree.size == 33
    with pytest.raises(IntegrityError, match="rolled back"):
        publish(led, tiles)  # the log's own tile writer refuses to shrink the published tree
    with pytest.raises(IntegrityError, match="lacks the witness quorum"):
        publish(led, tmp_path / "fresh", cosign=cosigner(policy))
    assert [w.logs()[0][1] for w, _ in witnesses] == [40, 40]

    evil = tmp_path / "evil"
    publish(led, evil)  # without witnesses, as a dishonest operator would
    _, found, _ = follow(TileSource(str(evil)), state, vkey)
    assert found is not None
    assert found.kind == "rollback"
    with pytest.raises(IntegrityError, match="lacks the witness quorum"):
        follow(TileSource(str(evil)), state, vkey, policy=policy)
    res = CliRunner().invoke(
        build_app(), ["ledger", "verify-checkpoint", str(evil / "checkpoint"),
                      "--witness-policy", str(tmp_path / "policy.txt")],
    )  # fmt: skip
    assert res.exit_code == 2
    assert "lacks the witness quorum" in res.output
    good = CliRunner().invoke(
        build_app(), ["ledger", "verify-checkpoint", str(tiles / "checkpoint"),
                      "--witness-policy", str(tmp_path / "policy.txt")],
    )  # fmt: skip
    assert good.exit_code == 0, good.output
    assert "cosigned by w1, w2" in good.output
    bundle = tmp_path / "proof.json"
    with Ledger.open(str(tmp_path / "backup.db")) as old:  # any copy of the first 31 entries
        note = (tiles / "checkpoint").read_text()
        submit(old, ENVS[31:])
        bundle.write_text(json.dumps(inclusion_bundle(old, "demo-035-assay", note)))
    proved = CliRunner().invoke(
        build_app(), ["ledger", "verify-checkpoint", str(tiles / "checkpoint"),
                      "--witness-policy", str(tmp_path / "policy.txt"), "--proof", str(bundle)],
    )  # fmt: skip
    assert proved.exit_code == 0, proved.output
    assert "includes demo-035-assay at leaf 35" in proved.output
    policy_args = ["--witness-policy", str(tmp_path / "policy.txt")]
    verified = CliRunner().invoke(
        build_app(), ["ledger", "verify", "--proof", str(bundle), *policy_args]
    )  # the log key comes from the policy: no database needed
    assert verified.exit_code == 0, verified.output
    assert "witness quorum met: w1, w2" in verified.output
    refused = CliRunner().invoke(
        build_app(), ["ledger", "verify", "--proof", str(bundle), *policy_args,
                      "--checkpoint", str(evil / "checkpoint")],
    )  # fmt: skip
    assert refused.exit_code == 2
    assert "lacks the witness quorum" in refused.output

    submit(led, extra_events(10, "more"))  # the restored log overtakes size 40
    create_checkpoint(led, sample.log_key())
    with pytest.raises(IntegrityError, match="lacks the witness quorum"):
        publish(led, tmp_path / "fresh2", cosign=cosigner(policy))
    assert [w.refusals()[-1][1] for w, _ in witnesses] == [422, 422]
    evil2 = tmp_path / "evil2"
    publish(led, evil2)
    (tmp_path / "mon.json").write_text(json.dumps(state.__dict__))
    res = CliRunner().invoke(
        build_app(), ["ledger", "monitor", str(evil2), "--vkey", vkey,
                      "--state", str(tmp_path / "mon.json")],
    )  # fmt: skip
    assert res.exit_code == 1
    assert "LOG MISBEHAVED (fork)" in res.output
    evidence = json.loads((tmp_path / "mon.evidence.json").read_text())
    assert evidence["previous_checkpoint"].split("\n")[1] == "40"
    assert evidence["checkpoint"].split("\n")[1] == "43"
    led.close()


def test_split_view_is_detected_by_a_reader_that_asks_a_witness(
    tmp_path: Path, witnesses: list[tuple[Witness, str]]
) -> None:
    db = tmp_path / "a.db"
    Ledger.create(str(db), sample.ORIGIN, sample.log_key()).close()
    led = checkpointed(db, ENVS[:31])
    policy = parse_policy(policy_text(led, witnesses))
    backup(db, tmp_path / "b.db")
    submit(led, ENVS[31:33])
    create_checkpoint(led, sample.log_key())
    publish(led, tmp_path / "view-a", cosign=cosigner(policy))  # what reader A and witnesses see
    other = checkpointed(tmp_path / "b.db", extra_events(2, "split"))
    publish(other, tmp_path / "view-b")  # the same size, another root, shown to reader B
    assert led.tree.size == other.tree.size == 33
    assert led.tree.root() != other.tree.root()
    runner = CliRunner()
    args = ["ledger", "monitor", str(tmp_path / "view-b"), "--vkey", led.vkey]
    alone = runner.invoke(build_app(), [*args, "--state", str(tmp_path / "b1.json")])
    assert alone.exit_code == 0, alone.output  # without a witness, B cannot tell
    res = runner.invoke(
        build_app(), [*args, "--state", str(tmp_path / "b2.json"), "--witness", witnesses[0][1]]
    )
    assert res.exit_code == 1, res.output
    assert "split-view" in res.output
    cp, signed = verify_with_policy((tmp_path / "view-a" / "checkpoint").read_text(), policy)
    assert cp.tree_size == 33
    assert signed == ["w1", "w2"]
    # The witness is behind the view: the reader checks its own tree at the witness's size.
    submit(other, extra_events(2, "later"))
    create_checkpoint(other, sample.log_key())
    publish(other, tmp_path / "view-c")
    submit(led, ENVS[33:35])
    create_checkpoint(led, sample.log_key())
    publish(led, tmp_path / "view-a2")  # honest growth the witnesses have not seen yet
    for view, code in (("view-c", 1), ("view-a2", 0)):
        res = runner.invoke(
            build_app(), ["ledger", "monitor", str(tmp_path / view), "--vkey", led.vkey,
                          "--state", str(tmp_path / f"{view}.json"), "--witness", witnesses[1][1]],
        )  # fmt: skip
        assert res.exit_code == code, (view, res.output)
    assert "size 35" in res.output
    led.close()
    other.close()


def _later(stamp: str, **delta: float) -> str:
    t = datetime.fromisoformat(stamp) + timedelta(**delta)
    return t.isoformat().replace("+00:00", "Z")


def _bad_entry(kind: str) -> dict[str, Any]:
    """Envelope a dishonest operator slips in at leaf 20, stamped as the log would stamp it."""
    event, actor = ENVS[20]["event"], ENVS[20]["event"]["actor"]
    received = ENVS[20]["received_at"]
    if kind == "forged":  # signed by nobody's registered key
        env = sign_event({**event, "event_id": "forged"}, keys.demo_key("not-registered"),
                         origin=sample.ORIGIN)  # fmt: skip
    elif kind == "other-log":  # the actor's real signature, but made for another log
        env = sign_event(event, sample.org_key(actor), origin="other.orechain.invalid/log")
    else:
        env = sign_event(event, sample.org_key(actor), origin=sample.ORIGIN)
    if kind == "late":  # received 31 days after its event time: outside the 30-day window
        received = _later(event["time"], days=31)
    elif kind == "backdated":  # a receipt time before the previous entry's
        received = _later(ENVS[19]["received_at"], seconds=-1)
    return env if kind == "unstamped" else {**env, "received_at": received}


BAD_ENTRY_REASONS = {
    "forged": "does not belong to organisation",
    "other-log": "signed for log 'other.orechain.invalid/log'",
    "late": "more than 30 days before the log received it",
    "backdated": "goes back before",
    "unstamped": "no log receipt time",
}


@pytest.mark.parametrize("kind", sorted(BAD_ENTRY_REASONS))
def test_monitor_replays_entries_and_catches_a_bad_one(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "ledger.db"
    Ledger.create(str(db), sample.ORIGIN, sample.log_key()).close()
    led = checkpointed(db, ENVS[:20])
    publish(led, tmp_path / "ok", envelopes=True)
    state, found, checked = follow(TileSource(str(tmp_path / "ok")), MonitorState(), led.vkey,
                                   entries=True)  # fmt: skip
    assert found is None
    assert checked == 20
    # A dishonest operator writes a leaf the ledger's acceptance rules refuse.
    bad = _bad_entry(kind)
    refusal = "must carry the log's received_at" if kind == "unstamped" else BAD_ENTRY_REASONS[kind]
    with pytest.raises(OreChainError, match=refusal):
        led.submit_many([bad], replicate=True)  # the log's own acceptance refuses it
    leaf = open_envelope(bad).leaf
    assert leaf_hash(leaf) != leaf_hash(open_envelope(ENVS[20]).leaf)
    tree = led.tree
    h = leaf_hash(leaf)
    tree.append_hash(h)
    event = bad["event"]
    with led.store.writing() as writer:
        writer.append([Entry(20, event["event_id"], bad["idempotency_key"], event["type"],
                             event["actor"], event["time"], leaf, h, tree.root(),
                             bad.get("received_at"))])  # fmt: skip
    led.close()
    led = Ledger.open(str(db))
    create_checkpoint(led, sample.log_key())
    publish(led, tmp_path / "ok", envelopes=True)
    new, found, _ = follow(TileSource(str(tmp_path / "ok")), state, led.vkey, entries=True)
    assert found is not None
    assert found.kind == "bad-entry"
    assert found.index == 20
    assert BAD_ENTRY_REASONS[kind] in found.detail
    assert new is state
    led.close()


def test_monitor_replay_follows_the_log_time_window(tmp_path: Path) -> None:
    """The window is the log's (ledger metadata): a wider one accepts what 30 days refuses."""
    wide = Policy(max_past=timedelta(days=60))
    db = tmp_path / "ledger.db"
    Ledger.create(str(db), sample.ORIGIN, sample.log_key(), policy=wide).close()
    led = checkpointed(db, [*ENVS[:20], _bad_entry("late")])
    assert led.policy.max_past == timedelta(days=60)
    publish(led, tmp_path / "t", envelopes=True)
    src = TileSource(str(tmp_path / "t"))
    _, found, checked = follow(src, MonitorState(), led.vkey, entries=True, rules=led.policy)
    assert (found, checked) == (None, 21)
    _, found, _ = follow(src, MonitorState(), led.vkey, entries=True)  # the default 30 days
    assert found is not None
    assert (found.kind, found.index) == ("bad-entry", 20)
    args = ["ledger", "monitor", str(tmp_path / "t"), "--vkey", led.vkey, "--entries"]
    res = CliRunner().invoke(build_app(), [*args, "--db", str(db),
                                           "--state", str(tmp_path / "m1.json")])  # fmt: skip
    assert res.exit_code == 0, res.output  # the window read from the ledger copy
    res = CliRunner().invoke(build_app(), [*args, "--state", str(tmp_path / "m2.json")])
    assert res.exit_code == 1
    assert "more than 30 days before" in res.output
    led.close()
