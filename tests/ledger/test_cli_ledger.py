from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from orechain.cli import app
from orechain.ledger.events import format_time

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", *args])
    return result.exit_code, result.output


def test_sample_end_to_end(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    code, out = _run("init", "--sample", "--db", db, "--json")
    assert code == 0, out
    info = json.loads(out)
    assert info["tree_size"] == 40
    assert "ASSUMPTION" in info["label"]
    code, out = _run("check", "US-MAGNET-001", "--rule", "dfars-2027", "--db", db)
    assert code == 0
    assert out.startswith("PASS"), out
    code, out = _run("check", "BLEND-NDPR-OX-001", "--rule", "dfars-2027", "--db", db)
    assert code == 1
    assert "FAIL" in out
    assert "CN-NDPR-OX-001" in out
    code, out = _run("provenance", "BLEND-NDPR-OX-001", "--db", db, "--json")
    assert json.loads(out)["origin_shares"]["mining"] == {"PAK": 0.5, "CHN": 0.5}
    code, out = _run("lot", "US-MAGNET-001", "--db", db, "--json")
    assert json.loads(out)["custodian"] == "us-magnets"
    code, out = _run("proof", "inclusion", "demo-039-merge", "--db", db)
    assert code == 0, out
    (tmp_path / "proof.json").write_text(out)
    code, out = _run("verify", "--proof", str(tmp_path / "proof.json"), "--vkey", info["vkey"])
    assert code == 0
    assert out.startswith("OK"), out
    code, out = _run("audit", "--db", db)
    assert code == 0
    assert "OK: 40 entries" in out


def test_submit_signs_with_key_and_audit_fails_after_edit(tmp_path: Path) -> None:
    from orechain.ledger import keys, sample

    db = str(tmp_path / "l.db")
    assert _run("init", "--sample", "--db", db)[0] == 0
    key = tmp_path / "k.pem"
    keys.save_private_key(sample.org_key("us-magnets"), key)
    event = {
        "type": "assay",
        "event_id": "cli-1",
        "actor": "us-magnets",
        "time": format_time(datetime.now(UTC)),
        "lot_id": "US-MAGNET-001",
        "grades": {"Nd": 0.2},
        "laboratory": "l",
    }
    (tmp_path / "e.jsonl").write_text(json.dumps(event) + "\n")
    code, out = _run("submit", str(tmp_path / "e.jsonl"), "--key", str(key), "--db", db, "--json")
    assert code == 0, out
    assert json.loads(out)[0]["leaf_index"] == 40
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE ledger_events SET actor = actor, envelope = CAST(REPLACE(CAST("
            "envelope AS TEXT), '0.2', '0.3') AS BLOB) WHERE event_id = 'cli-1'"
        )
    conn.close()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from orechain.cli import main; main()",
            "ledger",
            "audit",
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: audit failed at index 40")


def test_bad_input_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    _run("init", "--sample", "--db", db)
    (tmp_path / "bad.json").write_text('{"event": ')
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from orechain.cli import main; main()",
            "ledger",
            "submit",
            str(tmp_path / "bad.json"),
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "not valid JSON" in proc.stderr
