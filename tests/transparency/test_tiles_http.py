"""Acceptance: a client written only from tlog-tiles recomputes roots and proofs over HTTP."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import tlog_spec_client as spec
from transparency_helpers import free_port, stop, wait_http
from typer.testing import CliRunner

from orechain.cli import build_app
from orechain.ledger import sample
from orechain.ledger.checkpoint import Checkpoint, encode_vkey, sign_checkpoint
from orechain.ledger.keys import public_bytes
from orechain.ledger.merkle import MerkleLog, leaf_hash
from orechain.transparency.tiles import TileWriter

VKEY = encode_vkey(sample.ORIGIN, public_bytes(sample.log_key()))


def _static_server(root: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    cmd = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
           "--directory", str(root)]  # fmt: skip
    log = (root.parent / f"http-server-{port}.log").open("wb")  # a pipe nobody reads fills up
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/", proc)
    return url, proc


def _check_tree(prefix: str, vkey: str, probe: list[int]) -> tuple[int, list[bytes]]:
    origin, size, root = spec.verify_note(spec.fetch(prefix, "checkpoint").decode(), vkey)
    leaves = spec.leaf_hashes(prefix, size)
    assert spec.mth(leaves) == root
    for i in probe:
        proof = spec.path(i, leaves)
        assert spec.verify_inclusion(leaves[i], i, size, proof, root)
        assert not spec.verify_inclusion(leaves[i], i ^ 1, size, proof, root)
    return size, leaves


def test_spec_client_reads_the_served_log(api_server: str) -> None:
    size, leaves = _check_tree(api_server, VKEY, [0, 7])
    records = spec.entry_bundle(api_server, 0, size, kind="public-entries")
    assert [base64.b64decode(json.loads(r)["leaf_hash"]) for r in records] == leaves
    assert "envelope" not in records[0].decode()
    assert "actor" not in json.loads(records[0])
    stamps = [json.loads(r)["received_at"] for r in records]  # the log's receipt times
    assert stamps == [e["received_at"] for e in sample.stamped_envelopes()]
    with urllib.request.urlopen(f"{api_server}/tile/0/000.p/{size}") as resp:
        assert "immutable" in resp.headers["Cache-Control"]
        assert resp.headers["Content-Type"] == "application/octet-stream"
    with urllib.request.urlopen(f"{api_server}/checkpoint") as resp:
        assert resp.headers["Content-Type"].startswith("text/plain")
        assert "max-age=2" in resp.headers["Cache-Control"]
    with pytest.raises(urllib.error.HTTPError) as err:  # envelopes are confidential
        urllib.request.urlopen(f"{api_server}/tile/entries/000.p/{size}")
    assert err.value.code == 401
    err.value.close()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{api_server}/tile/0/0001")  # not the canonical 3-digit form
    assert err.value.code == 404
    err.value.close()


def test_monitor_follows_the_served_log(api_server: str, tmp_path: Path) -> None:
    state = tmp_path / "monitor.json"
    args = ["ledger", "monitor", api_server, "--vkey", VKEY, "--state", str(state)]
    res = CliRunner().invoke(build_app(), args)
    assert res.exit_code == 0, res.output
    assert f"OK {sample.ORIGIN}: size 40 (+40 verified)" in res.output
    again = CliRunner().invoke(build_app(), [*args, "--json"])
    assert json.loads(again.output)["new_entries"] == 0


def test_monitor_replays_envelopes_with_an_auditor_token(
    api_server: str, ledger_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orechain.services.tokens import TokenStore

    store = TokenStore(str(ledger_path))
    token, _ = store.create("demo-registry", "auditor", "monitor")
    store.close()
    args = ["ledger", "monitor", api_server, "--vkey", VKEY, "--entries",
            "--state", str(tmp_path / "m.json")]  # fmt: skip
    res = CliRunner().invoke(build_app(), args)
    assert res.exit_code == 2  # envelopes are confidential: 401 without a token
    assert "401" in res.output
    monkeypatch.setenv("ORECHAIN_TOKEN", token)
    res = CliRunner().invoke(build_app(), args)
    assert res.exit_code == 0, res.output
    assert "size 40 (+40 verified)" in res.output


def test_spec_client_on_a_static_multi_level_tree(tmp_path: Path) -> None:
    """70,000 leaves: full and partial tiles on three levels, written in two increments."""
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(70_000)]
    writer = TileWriter(tmp_path, envelopes=False, public_entries=False)
    writer.extend_hashes(hashes[:300])
    TileWriter(tmp_path).extend_hashes(hashes[300:])  # resumes from the files
    cp = Checkpoint(sample.ORIGIN, 70_000, MerkleLog.from_hashes(hashes).root())
    (tmp_path / "checkpoint").write_text(sign_checkpoint(cp, sample.ORIGIN, sample.log_key()))
    url, proc = _static_server(tmp_path)
    try:
        size, leaves = _check_tree(url, VKEY, [0, 255, 256, 65_535, 65_536, 69_999])
        assert leaves == hashes
        assert size == 70_000
        assert len(spec.fetch(url, "tile/2/000.p/1")) == 32
        assert len(spec.fetch(url, "tile/1/001.p/17")) == 17 * 32
        _monitor_with_fetches_in_flight(url, tmp_path, hashes)
    finally:
        stop(proc)


def _monitor_with_fetches_in_flight(url: str, root: Path, hashes: list[bytes]) -> None:
    """The monitor's concurrent fetches keep tile order: same state as one at a time, and a
    tile changed in the middle of the run is still caught."""
    from orechain.transparency.monitor import MonitorState, TileSource, follow

    early = root.parent / "early"  # the log as the monitor saw it at 300 leaves
    TileWriter(early, envelopes=False, public_entries=False).extend_hashes(hashes[:300])
    cp = Checkpoint(sample.ORIGIN, 300, MerkleLog.from_hashes(hashes[:300]).root())
    (early / "checkpoint").write_text(sign_checkpoint(cp, sample.ORIGIN, sample.log_key()))
    half, found, _ = follow(TileSource(str(early)), MonitorState(), VKEY)
    assert found is None
    assert half.size == 300
    states = []
    for connections in (1, 4):
        src = TileSource(url, connections=connections)
        for start in (MonitorState(), half):
            state, found, checked = follow(src, start, VKEY)
            assert found is None
            assert state.size == 70_000
            assert checked == 70_000 - start.size
            states.append(state)
        src.close()
    assert all(s == states[0] for s in states)
    tile = root / "tile/0/100"
    good = tile.read_bytes()
    tile.write_bytes(good[:32] + bytes(32) + good[64:])
    try:
        _, found, _ = follow(TileSource(url, connections=4), MonitorState(), VKEY)
    finally:
        tile.write_bytes(good)
    assert found is not None
    assert found.kind == "fork"


def test_cli_tiles_writes_the_same_tree_as_static_files(ledger_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "static"
    res = CliRunner().invoke(
        build_app(), ["ledger", "tiles", "--db", str(ledger_path), "--out", str(out),
                      "--with-envelopes"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Published size" in res.output
    url, proc = _static_server(out)
    try:
        size, leaves = _check_tree(url, VKEY, [3])
        envs = spec.entry_bundle(url, 0, size)
        assert [spec.H(b"\x00" + e) for e in envs] == leaves
    finally:
        stop(proc)
    again = CliRunner().invoke(
        build_app(), ["ledger", "tiles", "--db", str(ledger_path), "--out", str(out)]
    )
    assert again.exit_code == 0, again.output  # idempotent; the directory remembers envelopes


def test_cli_tiles_are_public_unless_asked(ledger_path: Path, tmp_path: Path) -> None:
    """A static tree written without --with-envelopes holds no confidential envelope."""
    out = tmp_path / "public"
    res = CliRunner().invoke(
        build_app(), ["ledger", "tiles", "--db", str(ledger_path), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert not (out / "tile" / "entries").exists()
    assert any((out / "tile" / "public-entries").iterdir())


def _json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url) as resp:
        return dict(json.loads(resp.read()))


def test_entries_api_lets_an_auditor_mirror_the_log(api_server: str) -> None:
    first = _json(f"{api_server}/api/log/entries?limit=15")
    assert (first["total"], len(first["items"]), first["next_offset"]) == (40, 15, 15)
    rest = _json(f"{api_server}/api/log/entries?limit=500&offset=15")
    items = first["items"] + rest["items"]
    assert [e["index"] for e in items] == list(range(40))
    assert rest["next_offset"] is None
    size, leaves = _check_tree(api_server, VKEY, [])
    assert [base64.b64decode(e["leaf_hash"]) for e in items] == leaves
    assert items[39]["event_id"] == "demo-039-merge"
    assert all(e["received_at"] for e in items)  # the time key validity is judged at
    orgs = _json(f"{api_server}/api/log/orgs?limit=2&offset=1")
    assert orgs["total"] == 7
    org = orgs["items"][0]
    assert set(org) == {"org_id", "name", "country", "roles", "keys"}
    assert org["keys"][0]["valid_until"] is None
    assert len(base64.b64decode(org["keys"][0]["public_key"])) == 32
    cps = _json(f"{api_server}/api/log/checkpoints")
    assert cps["items"][0]["tree_size"] == 40
    assert cps["items"][0]["cosigned"] == spec.fetch(api_server, "checkpoint").decode()


def test_server_keeps_the_published_tree_when_its_store_is_rolled_back(
    api_server: str, ledger_path: Path, tmp_path: Path
) -> None:
    import sqlite3
    import time

    from orechain.ledger.log import create_checkpoint
    from orechain.ledger.service import Ledger

    first = spec.fetch(api_server, "checkpoint").decode()
    assert first.split("\n")[1] == "40"
    old = tmp_path / "old.db"
    with Ledger.create(str(old), sample.ORIGIN, sample.log_key()) as led:
        led.submit_many(sample.stamped_envelopes()[:20], replicate=True)
        create_checkpoint(led, sample.log_key())
    with sqlite3.connect(old) as src, sqlite3.connect(ledger_path) as dst:
        src.backup(dst)  # the operator restores an old backup under the running server
    src.close()
    dst.close()
    time.sleep(1.2)  # past the refresh interval
    assert spec.fetch(api_server, "checkpoint").decode() == first
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{api_server}/tile/0/001")  # a full tile that does not exist
    assert err.value.code == 404
    err.value.close()
