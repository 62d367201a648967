"""Documents bound to events (issue 16 item 1): store, limits, references, audit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from ledger_helpers import signed
from typer.testing import CliRunner

from orechain.cli import app
from orechain.errors import InputError
from orechain.ledger.documents import (
    FolderDocumentStore,
    PostgresDocumentStore,
    audit_documents,
    check_document,
    open_document_store,
    resolve_ref,
    sniff_media_type,
)
from orechain.ledger.events import parse_event
from orechain.ledger.service import Ledger

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
runner = CliRunner()


def test_media_type_comes_from_the_bytes_not_the_name() -> None:
    assert sniff_media_type(PDF, "bl.txt") == "application/pdf"
    assert sniff_media_type(b"\x89PNG\r\n\x1a\n....", "x.bin") == "image/png"
    assert sniff_media_type(b'{"a": 1}', "cert.json") == "application/json"
    assert sniff_media_type(b"{not json", "cert.json") is None
    assert sniff_media_type(b"MZ\x90\x00\x03", "invoice.pdf") is None  # an executable
    assert sniff_media_type(b"a,b\n1,2\n", "weights.csv") == "text/csv"


@pytest.mark.parametrize(
    ("data", "name", "kind", "match"),
    [
        (PDF, "bl.pdf", "passport", "unknown document kind"),
        (b"", "bl.pdf", "bill-of-lading", "empty"),
        (PDF + b"x" * 100, "bl.pdf", "bill-of-lading", "more than the limit of 64"),
        (b"\x00\x01binary", "bl.bin", "bill-of-lading", "unknown media type"),
    ],
)
def test_bad_documents_are_refused(data: bytes, name: str, kind: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        check_document(data, name, kind, limit=64)


def test_folder_store_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = FolderDocumentStore(tmp_path / "docs")
    rec = store.put(PDF, "/somewhere/bl.pdf", "bill-of-lading")
    assert rec.sha256 == hashlib.sha256(PDF).hexdigest()
    assert store.put(PDF, "again.pdf", "bill-of-lading") == rec
    assert store.get(rec.sha256) == PDF
    assert resolve_ref(store, rec.sha256) == {
        "sha256": rec.sha256,
        "media_type": "application/pdf",
        "kind": "bill-of-lading",
    }
    assert store.get("00" * 32) is None


@pytest.mark.postgres
def test_postgres_store_keeps_documents_in_a_table(pg_url: str) -> None:
    store = PostgresDocumentStore(pg_url)
    try:
        rec = store.put(PDF, "bl.pdf", "bill-of-lading")
        assert store.put(PDF, "bl.pdf", "bill-of-lading") == rec
        assert store.get(rec.sha256) == PDF
        assert store.record(rec.sha256) == rec
    finally:
        store.close()


def test_reference_is_inside_the_signed_body() -> None:
    ref = {
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "media_type": "application/pdf",
        "kind": "bill-of-lading",
    }
    env = signed(
        "pk-mining",
        "certify",
        "c1",
        "2026-03-04T10:00:00Z",
        lot_id="L",
        scheme="s",
        claim="verified-origin",
        documents=[ref],
    )
    assert env["event"]["documents"] == [ref]
    with pytest.raises(InputError, match="kind"):
        parse_event({**env["event"], "documents": [{**ref, "kind": "selfie"}]})


def test_audit_reports_missing_and_mismatching_documents(sample_ledger: Ledger) -> None:
    url = sample_ledger.store.url
    store = open_document_store(url)
    rec = store.put(PDF, "cert.pdf", "assay-certificate")
    other = {"sha256": "cd" * 32, "media_type": "application/pdf", "kind": "invoice"}
    sample_ledger.submit(
        signed(
            "demo-lab",
            "assay",
            "a1",
            "2026-03-04T10:00:00Z",
            lot_id="US-REO-MIX-001",
            grades={"REO": 0.9},
            laboratory="lab",
            documents=[rec.ref(), other],
        )
    )
    report = audit_documents(sample_ledger.state, store)
    assert (report.referenced, report.present, report.ok) == (2, 1, True)
    assert [m["sha256"] for m in report.missing] == ["cd" * 32]
    if isinstance(store, FolderDocumentStore):  # tamper with the stored bytes
        path = store.root / rec.sha256[:2] / rec.sha256
        path.write_bytes(PDF.replace(b"1.4", b"1.5"))
        bad = audit_documents(sample_ledger.state, store)
        assert not bad.ok
        assert bad.mismatching[0]["event_id"] == "a1"
    store.close()


def test_cli_doc_add_bad_file_is_one_line_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    assert runner.invoke(app, ["ledger", "init", "--db", db]).exit_code == 0
    exe = tmp_path / "invoice.pdf"
    exe.write_bytes(b"MZ\x90\x00 not a pdf")
    result = runner.invoke(app, ["ledger", "doc", "add", str(exe), "--kind", "invoice", "--db", db])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "unknown media type" in result.output
    assert not (tmp_path / "l.db.docs").exists() or not any((tmp_path / "l.db.docs").rglob("*"))
    good = tmp_path / "bl.pdf"
    good.write_bytes(PDF)
    ok = runner.invoke(
        app, ["ledger", "doc", "add", str(good), "--kind", "bill-of-lading", "-q", "--db", db]
    )
    assert ok.output.strip() == hashlib.sha256(PDF).hexdigest()


def test_cli_doc_add_refuses_a_hash_mismatch(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    assert runner.invoke(app, ["ledger", "init", "--db", db]).exit_code == 0
    good = tmp_path / "bl.pdf"
    good.write_bytes(PDF)
    args = ["ledger", "doc", "add", str(good), "--kind", "bill-of-lading", "--db", db]
    bad = runner.invoke(app, [*args, "--expect-sha256", "00" * 32])
    assert bad.exit_code == 2
    assert "not the expected" in bad.output
    assert not (tmp_path / "l.db.docs").exists()
    ok = runner.invoke(app, [*args, "--expect-sha256", hashlib.sha256(PDF).hexdigest()])
    assert ok.exit_code == 0, ok.output
