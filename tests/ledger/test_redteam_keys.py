"""Red-team tests of issue #11 item 6 (key commands, encrypted keys) and the ledger's bad-input
items of issue #10 (mistyped --db, unsupported schemes, import --expect-root)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orechain.cli import app
from orechain.errors import InputError
from orechain.ledger import keys, sample
from orechain.ledger.events import format_time

runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", *args], env=env)
    return result.exit_code, result.output


@pytest.fixture
def sample_db(tmp_path: Path) -> str:
    db = str(tmp_path / "s.db")
    assert _run("init", "--sample", "--db", db)[0] == 0
    return db


def test_item6_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "k.pem"
    assert _run("keygen", "--out", str(out))[0] == 0
    before = out.read_bytes()
    code, text = _run("keygen", "--out", str(out))
    assert code == 2
    assert "refusing to overwrite" in text
    assert out.read_bytes() == before


def test_item6_encrypted_key_with_env_passphrase(tmp_path: Path) -> None:
    out = tmp_path / "enc.pem"
    env = {keys.PASSPHRASE_ENV: "correct horse"}
    code, text = _run("keygen", "--out", str(out), "--encrypt", "--json", env=env)
    assert code == 0, text
    assert json.loads(text)["encrypted"] is True
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in out.read_bytes()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    key = keys.load_private_key(out, b"correct horse")
    assert keys.key_id(keys.public_bytes(key)) == json.loads(text)["key_id"]
    with pytest.raises(InputError, match="wrong passphrase"):
        keys.load_private_key(out, b"wrong")
    with pytest.raises(InputError, match="encrypted"):
        keys.load_private_key(out)


def test_item6_rotate_then_revoke_from_the_cli(sample_db: str, tmp_path: Path) -> None:
    old = tmp_path / "old.pem"
    keys.save_private_key(sample.org_key("us-magnets"), old)
    new = tmp_path / "new.pem"
    env = {keys.PASSPHRASE_ENV: "s3cret"}
    assert _run("keygen", "--out", str(new), "--encrypt", env=env)[0] == 0
    code, text = _run("rotate-key", "us-magnets", "--new-key", str(new), "--key", str(old),
                      "--db", sample_db, "--json", env=env)  # fmt: skip
    assert code == 0, text
    assert json.loads(text)["received_at"]
    old_id = keys.key_id(keys.public_bytes(sample.org_key("us-magnets")))
    code, text = _run("revoke-key", "us-magnets", old_id, "--reason", "stolen", "--key",
                      str(new), "--db", sample_db, env=env)  # fmt: skip
    assert code == 0, text
    event = {"type": "assay", "event_id": "after-revoke", "actor": "us-magnets",
             "time": format_time(datetime.now(UTC)), "lot_id": "US-MAGNET-001",
             "grades": {"Nd": 0.2}, "laboratory": "l"}  # fmt: skip
    (tmp_path / "e.jsonl").write_text(json.dumps(event) + "\n")
    code, text = _run("submit", str(tmp_path / "e.jsonl"), "--key", str(old), "--db", sample_db)
    assert code == 2
    assert "revoked" in text
    code, text = _run("submit", str(tmp_path / "e.jsonl"), "--key", str(new), "--db", sample_db,
                      env=env)  # fmt: skip
    assert code == 0, text


@pytest.mark.parametrize("cmd", [["audit"], ["lot", "show", "X"], ["export"], ["checkpoint"]])
def test_issue10_mistyped_db_creates_nothing(tmp_path: Path, cmd: list[str]) -> None:
    db = tmp_path / "no" / "such" / "dir" / "ledger.db"
    code, text = _run(*cmd, "--db", str(db))
    assert code == 2
    assert "no ledger at" in text
    assert len(text.strip().splitlines()) == 1
    assert not (tmp_path / "no").exists()


def test_issue10_db_is_a_directory_or_a_text_file(tmp_path: Path) -> None:
    code, text = _run("audit", "--db", str(tmp_path))
    assert code == 2
    assert "is a directory" in text
    notes = tmp_path / "notes.txt"
    notes.write_text("hello, this is not a database\n" * 50)
    code, text = _run("audit", "--db", str(notes))
    assert code == 2
    assert "not a SQLite ledger database" in text
    assert notes.read_text().startswith("hello")


def test_issue10_unsupported_url_scheme() -> None:
    for cmd in (["audit"], ["init"]):
        code, text = _run(*cmd, "--db", "mysql://user@localhost/ledger")
        assert code == 2
        assert "unsupported database URL scheme 'mysql'" in text
    assert not Path("mysql:").exists()


def test_issue10_import_expect_root_checks_before_commit(sample_db: str, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    assert _run("export", "--out", str(dump), "--db", sample_db)[0] == 0
    fresh = str(tmp_path / "fresh.db")
    assert _run("init", "--db", fresh, "--origin", sample.ORIGIN)[0] == 0
    code, text = _run("import", str(dump), "--batch", "7", "--expect-root", "00" * 32,
                      "--db", fresh)  # fmt: skip
    assert code == 2
    assert "expected 0000" in text
    code, text = _run("audit", "--db", fresh, "--json")
    assert json.loads(text)["tree_size"] == 0  # nothing was committed
    code, text = _run("import", str(dump), "--expect-root", "xyz", "--db", fresh)
    assert code == 2
    assert "64 hex digits" in text


def test_issue10_proof_of_huge_index_is_not_found(sample_db: str) -> None:
    code, text = _run("proof", "inclusion", "99999999999999999999", "--db", sample_db)
    assert code == 2
    assert "no log entry" in text


def _deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "does not exist"), ("DIR", "is a directory"), ("[1, 2]", "got a JSON array"),
     (b"\xff\xfe\x00binary", "not UTF-8"), (_deep(50_000), "nested too deeply"),
     ("", "no events")],
)  # fmt: skip
def test_issue10_submit_bad_files_write_nothing(
    sample_db: str, tmp_path: Path, content: str | bytes | None, reason: str
) -> None:
    target = tmp_path / "input.json"
    if content == "DIR":
        target.mkdir()
    elif isinstance(content, bytes):
        target.write_bytes(content)
    elif content is not None:
        target.write_text(content)
    code, text = _run("submit", str(target), "--db", sample_db)
    assert code == 2, text
    assert reason in text
    assert len(text.strip().splitlines()) == 1
    assert json.loads(_run("audit", "--db", sample_db, "--json")[1])["tree_size"] == 40


def test_issue10_extract_of_unknown_commodity_is_refused(sample_db: str, tmp_path: Path) -> None:
    key = tmp_path / "pk.pem"
    keys.save_private_key(sample.org_key("pk-mining"), key)
    event = {"type": "extract", "event_id": "x-unob", "actor": "pk-mining",
             "time": format_time(datetime.now(UTC)), "site_id": "pk-mine",
             "lot": {"lot_id": "UNOB-1", "product": "ore", "commodity": "unobtainium",
                     "quantity_t": 1.0, "basis": "gross"}}  # fmt: skip
    (tmp_path / "e.json").write_text(json.dumps(event))
    code, text = _run("submit", str(tmp_path / "e.json"), "--key", str(key), "--db", sample_db)
    assert code == 2
    assert "unknown commodity 'unobtainium'" in text


def test_issue10_import_of_missing_file(sample_db: str, tmp_path: Path) -> None:
    code, text = _run("import", str(tmp_path / "none.jsonl"), "--db", sample_db)
    assert code == 2
    assert "does not exist" in text


@pytest.mark.parametrize("period", ["0000", "9999-Q4"])
def test_issue10_massbalance_period_out_of_range(sample_db: str, period: str) -> None:
    code, text = _run("massbalance", "us-magnet", "--period", period, "--db", sample_db)
    assert code == 2
    assert "year must be from" in text
