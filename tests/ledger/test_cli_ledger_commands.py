"""Ledger CLI of issue 3 item 9: keygen, org/site add, lot, massbalance, proofs, export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orechain.cli import app
from orechain.ledger.events import format_time

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", *args])
    return result.exit_code, result.output


def _json(*args: str) -> Any:
    code, out = _run(*args, "--json")
    assert code == 0, out
    return json.loads(out)


@pytest.fixture
def sample_db(tmp_path: Path) -> str:
    db = str(tmp_path / "s.db")
    assert _run("init", "--sample", "--db", db)[0] == 0
    return db


def test_keygen_org_site_from_scratch(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    info = _json("init", "--db", db)
    assert info["tree_size"] == 0
    reg, miner = tmp_path / "reg.pem", tmp_path / "miner.pem"
    key = _json("keygen", "--out", str(reg))
    assert len(key["key_id"]) == 16
    _json("keygen", "--out", str(miner))
    t = format_time(datetime.now(UTC) - timedelta(hours=1))
    first = _json("org", "add", "reg", "--name", "Registry", "--country", "USA", "--role",
                  "registrar", "--key", str(reg), "--time", t, "--db", db)  # fmt: skip
    assert first["leaf_index"] == 0
    _json("org", "add", "miner", "--name", "Miner", "--country", "PAK", "--role", "miner",
          "--actor", "reg", "--key", str(reg), "--public-key", str(miner), "--time", t,
          "--db", db)  # fmt: skip
    site = _json("site", "add", "m1", "--name", "Mine 1", "--kind", "mine", "--country", "PAK",
                 "--operator", "miner", "--key", str(miner), "--lat", "30.1", "--lon", "70.2",
                 "--time", t, "--db", db)  # fmt: skip
    assert site["tree_size"] == 3
    code, out = _run("site", "add", "m2", "--name", "x", "--kind", "mine", "--country", "PAK",
                     "--operator", "miner", "--key", str(reg), "--db", db)  # fmt: skip
    assert code == 2  # signed with the registry's key on behalf of the miner
    assert "does not belong to organisation 'miner'" in out


def test_lot_show_trace_origin(sample_db: str) -> None:
    shown = _json("lot", "show", "US-MAGNET-001", "--db", sample_db)
    assert shown == _json("lot", "US-MAGNET-001", "--db", sample_db)  # old form still works
    trace = _json("lot", "trace", "PK-CONC-001", "--db", sample_db)
    assert {e["child"] for e in trace["downstream"]} >= {"US-MAGNET-001"}
    assert trace["upstream"][0]["parent"] == "PK-ORE-001"
    origin = _json("lot", "origin", "BLEND-NDPR-OX-001", "--db", sample_db)
    assert origin["origin_shares"]["separation"] == {"USA": 0.5, "CHN": 0.5}
    code, out = _run("lot", "origin", "NOPE", "--db", sample_db)
    assert code == 2


def test_massbalance_report(sample_db: str) -> None:
    report = _json("massbalance", "us-magnet", "--period", "2026-Q1", "--db", sample_db)
    assert report["credits_t"] == pytest.approx(6.4)  # iron and ferroboron earn nothing
    assert report["models"]["segregated"]["conforms"] is False
    code, out = _run("massbalance", "us-magnet", "--period", "2026-Q1", "--db", sample_db)
    assert code == 0
    assert "closing balance 6.4 t" in out
    assert _run("massbalance", "us-magnet", "--period", "Q1", "--db", sample_db)[0] == 2


def test_proofs_and_offline_verify(sample_db: str, tmp_path: Path) -> None:
    cp1 = tmp_path / "cp1.txt"
    cp1.write_text(_run("checkpoint", "--db", sample_db)[1])
    incl = tmp_path / "incl.json"
    incl.write_text(_run("proof", "inclusion", "17", "--db", sample_db)[1])
    vkey = _vkey(sample_db)
    ok = _json("verify", "--checkpoint", str(cp1), "--proof", str(incl), "--vkey", vkey)
    assert {k: ok[k] for k in ("ok", "event_id", "leaf_index", "tree_size", "event_type")} == {
        "ok": True, "event_id": "demo-017-transform", "leaf_index": 17, "tree_size": 40,
        "event_type": "transform",
    }  # fmt: skip
    cons = tmp_path / "cons.json"
    cons.write_text(_run("proof", "consistency", "20", "40", "--db", sample_db)[1])
    code, out = _run("verify", "--proof", str(cons), "--vkey", vkey)
    assert code == 2  # no checkpoint was signed at size 20
    assert "no old checkpoint" in out
    bundle = json.loads(cons.read_text())
    assert bundle["checkpoint"] == cp1.read_text()
    bundle["old_size"], bundle["old_root"] = 40, bundle["new_root"]
    bundle["consistency_path"] = []
    cons.write_text(json.dumps(bundle))
    ok = _json("verify", "--proof", str(cons), "--old-checkpoint", str(cp1), "--checkpoint",
               str(cp1), "--db", sample_db)  # fmt: skip
    assert ok == {"ok": True, "old_size": 40, "new_size": 40}
    incl.write_text(incl.read_text().replace("pk-conc", "pk-xxxx"))
    code, out = _run("verify", "--proof", str(incl), "--vkey", vkey)
    assert code == 2
    assert "leaf_hash is not the hash of its envelope" in out
    tampered = json.loads(incl.read_text())
    del tampered["leaf_hash"]
    incl.write_text(json.dumps(tampered))
    code, out = _run("verify", "--proof", str(incl), "--vkey", vkey)
    assert code == 2
    assert "inclusion proof of leaf 17 fails" in out


def _vkey(db: str) -> str:
    from orechain.ledger.service import Ledger

    with Ledger.open(db) as led:
        return str(led.vkey)


def test_export_import_same_roots(sample_db: str, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    info = _json("export", "--out", str(dump), "--db", sample_db)
    code, out = _run("export", "--db", sample_db)
    assert out.encode() == dump.read_bytes()
    assert len(dump.read_bytes().splitlines()) == 40
    fresh = str(tmp_path / "fresh.db")
    _json("init", "--db", fresh, "--origin", "demo.orechain.invalid/ledger/pk-us-corridor")
    got = _json("import", str(dump), "--batch", "7", "--expect-root", info["root_hash"],
                "--db", fresh)  # fmt: skip
    assert got == {"lines": 40, "appended": 40, "tree_size": 40, "root_hash": info["root_hash"]}
    again = _json("import", str(dump), "--db", fresh)
    assert again["appended"] == 0
    dump.write_text(dump.read_text().replace('{"event":', '{ "event":', 1))
    code, out = _run("import", str(dump), "--db", str(tmp_path / "fresh.db"))
    assert code == 2
    assert "not in RFC 8785 canonical form" in out


def test_every_command_takes_db_and_json() -> None:
    from typer.main import get_command

    root = get_command(app).commands["ledger"]
    stack = [(name, cmd) for name, cmd in root.commands.items()]
    leaves = []
    while stack:
        name, cmd = stack.pop()
        if hasattr(cmd, "commands"):
            stack += [(f"{name} {n}", c) for n, c in cmd.commands.items()]
        elif not cmd.hidden:
            leaves.append(name)
            opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
            # keygen touches no database; proof bundles are always JSON (no no-op flags)
            want = {"--db", "--json"} - ({"--db"} if name == "keygen" else set())
            want -= {"--json"} if name.startswith("proof ") else set()
            assert want <= opts, name
            if name == "keygen" or name.startswith("proof "):
                assert not ({"--db", "--json"} - want) & opts, name
    assert {"keygen", "org add", "site add", "lot show", "lot trace", "lot origin",
            "massbalance", "proof inclusion", "proof consistency", "verify", "export",
            "import"} <= set(leaves)  # fmt: skip
