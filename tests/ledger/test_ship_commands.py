"""Custody commands of issue 16 item 3: options, --from-file batches, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orechain.cli import app
from orechain.errors import InputError
from orechain.ledger import keys, sample
from orechain.ledger.commands import complete, parse_amounts, parse_draws, weighing
from orechain.ledger.service import Ledger

runner = CliRunner()


def test_option_parsers() -> None:
    assert parse_amounts(["Nd=0.07", "Pr = 0.02"], "grade") == {"Nd": 0.07, "Pr": 0.02}
    with pytest.raises(InputError, match="not NAME=VALUE"):
        parse_amounts(["Nd"], "grade")
    with pytest.raises(InputError, match="not a number"):
        parse_amounts(["Nd=lots"], "grade")
    assert parse_draws(["A", "B=4"]) == [{"lot_id": "A"}, {"lot_id": "B", "quantity_t": 4.0}]
    assert weighing(61.2, 0.02) == {"wet_t": 61.2, "moisture": 0.02, "dry_t": 59.976}
    with pytest.raises(InputError, match="both"):
        weighing(61.2, None)


def test_complete_fills_actor_time_id_and_documents() -> None:
    ref = {"sha256": "ab" * 32, "media_type": "application/pdf", "kind": "invoice"}
    body = {"lot_ids": ["L1"], "to_org": "b", "documents": ["ab" * 32], "incoterm": None}
    event = complete(body, "transfer", "seller", lambda _h: ref)
    assert event["actor"] == "seller"
    assert event["documents"] == [ref]
    assert "incoterm" not in event
    assert event["event_id"].startswith("transfer-L1-")
    assert (
        complete(body, "transfer", "seller", lambda _h: ref)["event_id"]
        != complete({**body, "to_org": "c"}, "transfer", "seller", lambda _h: ref)["event_id"]
    )
    with pytest.raises(InputError, match="records 'transfer' events"):
        complete({"type": "ship"}, "transfer", "seller", lambda _h: ref)


@pytest.fixture
def demo(tmp_path: Path) -> tuple[str, Path]:
    db = str(tmp_path / "s.db")
    assert runner.invoke(app, ["ledger", "init", "--sample", "--db", db]).exit_code == 0
    pem = tmp_path / "us-refiner.pem"
    keys.save_private_key(sample.org_key("us-refiner"), pem)
    return db, pem


def _size(db: str) -> int:
    with Ledger.open(db) as led:
        return led.tree.size


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--container", "MSKU9070324:S1"), "check digit"),
        (("--wet-t", "31"), "give both the wet weight"),
        (("--port-of-loading", "Houston"), "port_of_loading"),
        (("--hs-code", "26"), "hs_code"),
    ],
)
def test_bad_trade_fields_one_line_exit_2_nothing_written(
    demo: tuple[str, Path], args: tuple[str, ...], reason: str
) -> None:
    db, pem = demo
    before = _size(db)
    code, out = _run(
        "ship",
        "US-REO-MIX-001",
        "--from",
        "us-sep",
        "--to",
        "us-magnet",
        "--mode",
        "road",
        "--bl",
        "CMR-9",
        *args,
        "--key",
        str(pem),
        "--db",
        db,
    )
    assert code == 2
    assert len(out.strip().splitlines()) == 1
    assert reason in out
    assert _size(db) == before


def test_transfer_and_ship_print_receipts(demo: tuple[str, Path]) -> None:
    db, pem = demo
    code, out = _run(
        "ship",
        "US-REO-MIX-001",
        "--from",
        "us-sep",
        "--to",
        "us-magnet",
        "--mode",
        "road",
        "--bl",
        "CMR-9",
        "--wet-t",
        "31",
        "--moisture",
        "0.03",
        "--container",
        "MSKU9070323:S1",
        "--key",
        str(pem),
        "--db",
        db,
        "--json",
    )
    assert code == 0, out
    receipt = json.loads(out)
    assert receipt["event_id"].startswith("ship-US-REO-MIX-001-")
    with Ledger.open(db) as led:
        ship = led.state.events[receipt["event_id"]]
    assert ship.weight.dry_t == pytest.approx(30.07)  # type: ignore[attr-defined]


def test_from_file_batch_is_all_or_nothing(demo: tuple[str, Path], tmp_path: Path) -> None:
    db, pem = demo
    batch = tmp_path / "transfers.jsonl"
    good = {"lot_ids": ["US-REO-MIX-001"], "to_org": "us-magnets", "incoterm": "EXW"}
    bad = {"lot_ids": ["US-REO-MIX-001"], "to_org": "us-magnets", "incoterm": "FOB Karachi"}
    batch.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    before = _size(db)
    code, out = _run("transfer", "--from-file", str(batch), "--key", str(pem), "--db", db)
    assert code == 2
    assert f"{batch}:2" in out
    assert "incoterm" in out
    assert _size(db) == before
    batch.write_text(json.dumps(good) + "\n")
    code, out = _run("transfer", "--from-file", str(batch), "--key", str(pem), "--db", db)
    assert code == 0, out
    assert _size(db) == before + 1


@pytest.mark.postgres
def test_commands_documents_and_pack_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    from orechain.ledger.pack import verify_pack

    reg, miner = tmp_path / "reg.pem", tmp_path / "miner.pem"
    assert _run("init", "--db", pg_url, "--log-key", str(tmp_path / "log.pem"))[0] == 0
    for pem in (reg, miner):
        assert _run("keygen", "--out", str(pem))[0] == 0
    steps = [
        ("org", "add", "reg", "--name", "R", "--country", "USA", "--role", "registrar",
         "--key", str(reg)),
        ("org", "add", "mx", "--name", "M", "--country", "PAK", "--role", "miner", "--actor",
         "reg", "--public-key", str(miner), "--key", str(reg)),
        ("site", "add", "m1", "--name", "Mine", "--kind", "mine", "--country", "PAK",
         "--operator", "mx", "--key", str(miner)),
    ]  # fmt: skip
    for step in steps:
        code, out = _run(*step, "--db", pg_url)
        assert code == 0, out
    permit = tmp_path / "permit.txt"
    permit.write_text("Export permit EX-1 (ASSUMPTION: illustrative)\n")
    code, sha = _run("doc", "add", str(permit), "--kind", "export-permit", "-q", "--db", pg_url)
    assert code == 0, sha
    code, out = _run("extract", "L1", "--site", "m1", "--commodity", "antimony",
                     "--quantity-t", "20", "--doc", sha.strip(), "--key", str(miner),
                     "--db", pg_url)  # fmt: skip
    assert code == 0, out
    assert _run("checkpoint", "--db", pg_url, "--log-key", str(tmp_path / "log.pem"))[0] == 0
    out_zip = tmp_path / "L1.zip"
    assert _run("pack", "L1", "--out", str(out_zip), "--db", pg_url)[0] == 0
    with Ledger.open(pg_url) as led:
        vkey = led.vkey
    report = verify_pack(out_zip.read_bytes(), vkey)
    assert report.documents_included == 1
    extract = next(e for e in report.signers if e.startswith("extract-L1-"))
    assert report.signers[extract] == "mx"
    assert report.signers["register-org-mx"] == "reg"
