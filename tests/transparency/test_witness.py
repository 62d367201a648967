"""The tlog-witness add-checkpoint protocol, cosignatures and trust policies."""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transparency_helpers import LOG_KEY, LOG_VKEY, ORIGIN

from orechain.errors import InputError, IntegrityError
from orechain.ledger import keys, sample
from orechain.ledger.checkpoint import Checkpoint, encode_vkey, sign_checkpoint
from orechain.ledger.merkle import EMPTY_ROOT, MerkleLog
from orechain.transparency.cosignature import (
    Cosigner,
    cosign,
    cosignature_key_id,
    encode_witness_vkey,
    parse_witness_vkey,
    verify_cosignature,
)
from orechain.transparency.policy import (
    add_checkpoint_body,
    parse_policy,
    verify_with_policy,
)
from orechain.transparency.witness import Witness, WitnessError


def tree(n: int, tag: bytes = b"a") -> MerkleLog:
    return MerkleLog.from_leaves(tag + i.to_bytes(4, "big") for i in range(n))


def note(log: MerkleLog, size: int, key: keys.Ed25519PrivateKey = LOG_KEY) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, log.root(size)), ORIGIN, key)


def request(log: MerkleLog, old: int, new: int) -> bytes:
    proof = log.consistency_proof(old, new) if old else []
    return add_checkpoint_body(old, proof, note(log, new))


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    w = Witness(tmp_path / "w.db", "witness.test/w1", keys.demo_key("w1"))
    w.trust_log(LOG_VKEY)
    return w


def status(w: Witness, body: bytes) -> int:
    try:
        w.add_checkpoint(body)
    except WitnessError as exc:
        return exc.status
    return 200


def test_cosignature_verifies_and_binds_the_body(witness: Witness) -> None:
    log = tree(10)
    line = witness.add_checkpoint(request(log, 0, 10))
    cosigner = parse_witness_vkey(witness.vkey)
    cosigned = note(log, 10) + line
    assert verify_cosignature(cosigned, cosigner) is not None
    other = note(tree(10, b"b"), 10)
    with pytest.raises(IntegrityError):
        verify_cosignature(other + line, cosigner)
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == cosignature_key_id("witness.test/w1", cosigner.public)
    assert int.from_bytes(raw[4:12], "big") > 1_600_000_000  # a POSIX timestamp


def test_log_key_and_witness_key_types_differ() -> None:
    pub = keys.public_bytes(LOG_KEY)
    assert cosignature_key_id(ORIGIN, pub) != encode_vkey(ORIGIN, pub).split("+")[1]
    with pytest.raises(InputError, match="type 0x04"):
        parse_witness_vkey(encode_vkey(ORIGIN, pub))


def test_add_checkpoint_status_codes(witness: Witness) -> None:
    log = tree(20)
    assert status(witness, request(log, 0, 8)) == 200
    assert status(witness, request(log, 8, 12)) == 200
    with pytest.raises(WitnessError) as stale:
        witness.add_checkpoint(request(log, 8, 16))
    assert (stale.value.status, stale.value.body, stale.value.content_type) == (
        409, "12\n", "text/x.tlog.size",
    )  # fmt: skip
    assert status(witness, request(log, 12, 12)) == 200  # same size, same root: cosigned again
    fork = tree(20, b"b")
    assert status(witness, add_checkpoint_body(12, log.consistency_proof(12, 16),
                                               note(fork, 16))) == 422  # fmt: skip
    assert status(witness, add_checkpoint_body(12, [], note(fork, 12))) == 422
    assert status(witness, add_checkpoint_body(16, [], note(log, 14))) == 400
    assert status(witness, request(log, 12, 16)[:-3] + b"xx\n") == 403  # bad log signature
    other = keys.demo_key("not-the-log")
    assert status(witness, add_checkpoint_body(12, [], note(log, 12, other))) == 403
    unknown = sign_checkpoint(Checkpoint("elsewhere", 1, EMPTY_ROOT), "elsewhere", LOG_KEY)
    assert status(witness, add_checkpoint_body(0, [], unknown)) == 404
    assert status(witness, b"old 012\n\n" + note(log, 12).encode()) == 400
    assert [r[1] for r in witness.refusals()] == [409, 422, 422]
    assert witness.logs() == [(ORIGIN, 12)]


def test_empty_tree_checkpoint_needs_the_empty_root(witness: Witness) -> None:
    bad = sign_checkpoint(Checkpoint(ORIGIN, 0, b"\x01" * 32), ORIGIN, LOG_KEY)
    assert status(witness, add_checkpoint_body(0, [], bad)) == 422
    assert status(witness, add_checkpoint_body(0, [b"\x00" * 32], note(tree(3), 3))) == 422


def test_state_survives_reopening(tmp_path: Path, witness: Witness) -> None:
    log = tree(9)
    witness.add_checkpoint(request(log, 0, 9))
    witness.close()
    again = Witness(tmp_path / "w.db", "witness.test/w1", keys.demo_key("w1"))
    assert status(again, request(tree(9, b"b"), 0, 9)) == 409
    assert again.latest(ORIGIN) is not None


POLICY = """
# example of tlog-policy
log {log}
witness X1 {x1}
witness X2 {x2}
witness Y1 {y1}
group X 2 X1 X2
group XY all X Y1
quorum XY
"""


def _wkeys() -> dict[str, keys.Ed25519PrivateKey]:
    return {n: keys.demo_key(n) for n in ("X1", "X2", "Y1")}


def _policy_text() -> str:
    ks = _wkeys()
    vk = {n.lower(): encode_witness_vkey(f"w/{n}", keys.public_bytes(k)) for n, k in ks.items()}
    return POLICY.format(log=LOG_VKEY, **vk)


def test_policy_quorum_needs_every_group() -> None:
    pol = parse_policy(_policy_text())
    log = tree(5)
    base = note(log, 5)
    ks = _wkeys()
    lines = {n: cosign(base, f"w/{n}", k) for n, k in ks.items()}
    with pytest.raises(IntegrityError, match="lacks the witness quorum"):
        verify_with_policy(base + lines["X1"] + lines["Y1"], pol)
    cp, signed = verify_with_policy(base + lines["X1"] + lines["X2"] + lines["Y1"], pol)
    assert cp.tree_size == 5
    assert sorted(signed) == ["X1", "X2", "Y1"]
    forged = note(log, 5, keys.demo_key("impostor"))
    with pytest.raises(IntegrityError, match="not signed by any log"):
        verify_with_policy(forged + lines["X1"] + lines["X2"] + lines["Y1"], pol)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("quorum nobody\n", "undefined"),
        ("witness a {x1}\ngroup g 3 a\nquorum g\n", "threshold"),
        ("witness a {x1}\nwitness b {x1}\nquorum a\n", "duplicate"),
        ("witness a {x1}\n", "no quorum"),
        ("frobnicate\nquorum none\n", "cannot read"),
        ("group g any a\nquorum g\n", "not defined on a preceding line"),
    ],
)
def test_policy_errors_name_the_line(text: str, reason: str) -> None:
    x1 = encode_witness_vkey("w/X1", keys.public_bytes(keys.demo_key("X1")))
    with pytest.raises(InputError, match=reason):
        parse_policy(text.format(x1=x1), source="p.txt")


@given(st.sets(st.integers(0, 5)), st.integers(1, 6))
def test_threshold_group_counts_members(signed: set[int], k: int) -> None:
    names = [f"w{i}" for i in range(6)]
    lines = [f"witness {n} {encode_witness_vkey(n, keys.public_bytes(keys.demo_key(n)))}"
             for n in names]  # fmt: skip
    pol = parse_policy("\n".join([*lines, f"group g {k} {' '.join(names)}", "quorum g"]))
    assert pol.witnessed({names[i] for i in signed}) == (len(signed) >= k)


def test_cosigner_dataclass_key_id() -> None:
    c = Cosigner("w", keys.public_bytes(keys.demo_key("w")))
    assert c.key_id == cosignature_key_id("w", c.public)
    assert sample.ORIGIN  # the sample log origin is a valid key name


def test_witness_cli_init_trust_show(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from orechain.cli import build_app

    db = str(tmp_path / "w.db")
    run = CliRunner().invoke
    res = run(build_app(), ["witness", "init", "--db", db, "--name", "w.example/w9"])
    assert res.exit_code == 0, res.output
    vkey = res.output.strip().splitlines()[-1]
    assert parse_witness_vkey(vkey).name == "w.example/w9"
    again = run(build_app(), ["witness", "init", "--db", db, "--name", "w.example/w9"])
    assert again.exit_code == 2
    assert "already exists" in again.output
    res = run(build_app(), ["witness", "trust-log", LOG_VKEY, "--db", db])
    assert f"Witness now follows {ORIGIN}" in res.output
    from orechain.ledger.keys import load_private_key

    w = Witness(Path(db), "w.example/w9", load_private_key(Path(db + ".key.pem")))
    w.add_checkpoint(request(tree(4), 0, 4))
    assert status(w, add_checkpoint_body(4, [], note(tree(4, b"b"), 4))) == 422
    w.close()
    shown = run(build_app(), ["witness", "show", "--db", db])
    assert shown.exit_code == 0, shown.output
    assert ORIGIN in shown.output
    assert "refused checkpoints" in shown.output
    assert "422" in shown.output
    missing = run(build_app(), ["witness", "show", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2
    assert "orechain witness init" in missing.output


COSIGN_COUNTS: list[int] = []
FORKS = {tag: MerkleLog.from_leaves([b"s0", b"s1", b"s2"] + [tag + bytes([i]) for i in range(40)])
         for tag in (b"A", b"B")}  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([b"A", b"B"]), st.integers(0, 43), st.integers(0, 43)),
                max_size=25))  # fmt: skip
def test_witness_never_cosigns_both_sides_of_a_fork(steps: list[tuple[bytes, int, int]]) -> None:
    """Whatever a dishonest log submits (any old size, any fork), cosignatures stay on one path."""
    folder = tempfile.mkdtemp(prefix="witness-prop-")
    w = Witness(Path(folder) / "w.db", "w.test/p", keys.demo_key("p"))
    w.trust_log(LOG_VKEY)
    cosigned: list[tuple[bytes, int]] = []
    believed = 0
    for tag, old, new in steps:
        log = FORKS[tag]
        old = believed if old % 2 else old  # half the time, the size the witness reported
        proof = log.consistency_proof(old, new) if 0 < old <= new else []
        try:
            w.add_checkpoint(add_checkpoint_body(old, proof, note(log, new)))
        except WitnessError as exc:
            if exc.status == 409:
                believed = int(exc.body)
            continue
        cosigned.append((tag, new))
        believed = new
    w.close()
    shutil.rmtree(folder)
    COSIGN_COUNTS.append(len(cosigned))
    assert len({tag for tag, size in cosigned if size > 3}) <= 1
    sizes = [size for _, size in cosigned]
    assert sizes == sorted(sizes)


def test_the_fork_property_saw_cosignatures() -> None:
    """Guard against a vacuous property: the generated runs did cosign checkpoints."""
    test_witness_never_cosigns_both_sides_of_a_fork()
    assert sum(COSIGN_COUNTS) > 20


def test_witness_http_refuses_malformed_requests(witness: Witness) -> None:
    import http.client
    import threading

    from orechain.transparency.witness import serve_witness

    server = serve_witness(witness, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        conn.request("POST", "/add-checkpoint", b"x" * 70_000)
        assert conn.getresponse().status == 413
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        conn.putrequest("POST", "/add-checkpoint")
        conn.putheader("Content-Length", "-5")
        conn.endheaders()
        assert conn.getresponse().status == 400
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        conn.request("POST", "/add-checkpoint", request(tree(3), 0, 3))
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.read().decode().startswith("\u2014 witness.test/w1 ")
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
        conn.request("GET", f"/{origin_hash}/checkpoint")
        resp = conn.getresponse()
        body = resp.read().decode()
        assert resp.status == 200
        assert verify_cosignature(body, parse_witness_vkey(witness.vkey)) is not None
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
