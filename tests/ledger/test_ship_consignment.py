"""Issue 16 acceptance: a Pakistan → Karachi → US consignment built only with the commands.

``docs/examples/pakistan-consignment.sh`` runs once per module (real ``orechain``
processes, about 40 s); the tests then check its evidence pack offline, tamper
with one byte of a document, an envelope, a proof and a key, require a witness
quorum, and validate the UNTP credentials against the UNTP JSON schemas.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from orechain.cli import app
from orechain.errors import IntegrityError
from orechain.ledger import keys
from orechain.ledger.canonical import canonicalize
from orechain.ledger.pack import verify_pack
from orechain.ledger.untp import verify_credential
from orechain.transparency.cosignature import cosign, encode_witness_vkey
from orechain.transparency.policy import TrustPolicy, parse_policy, verify_with_policy

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "examples" / "pakistan-consignment.sh"
UNTP = ROOT / "tests" / "data" / "untp"
LOT = "PK-CONC-1A"
runner = CliRunner()
pytestmark = pytest.mark.slow  # runs the example script: ~40 s of real CLI processes


@contextmanager
def _scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder in memory (``/dev/shm``) when there is one, else pytest's temporary folder.

    Each of the script's ~46 processes commits with SQLite ``synchronous=FULL``;
    on tmpfs the fsyncs cost nothing (16 s instead of 20 s for the script here).
    Durability is what ``test_reliability.py`` tests, not this walkthrough.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        work = Path(tempfile.mkdtemp(prefix="orechain-consignment-", dir=shm))
        try:
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("consignment")


@pytest.fixture(scope="module")
def consignment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with _scratch(tmp_path_factory) as work:
        yield _run_script(work)


def _run_script(work: Path) -> Path:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        ["bash", str(SCRIPT), str(work / "c")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "OK lot PK-CONC-1A" in done.stdout
    return work / "c"


def _vkey(c: Path) -> str:
    return (c / "log.vkey").read_text().strip()


def _pack(c: Path) -> bytes:
    return (c / f"{LOT}.zip").read_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_pack_verifies_offline_with_signers_and_documents(consignment: Path) -> None:
    report = verify_pack(_pack(consignment), _vkey(consignment))
    assert report.lot_id == LOT
    assert report.documents_included == 6
    assert report.documents_withheld == 0
    assert report.signers["register-org-registry"] == "registry"
    types = {
        json.loads(m)["event"]["type"]
        for n, m in _members(_pack(consignment)).items()
        if n.startswith("envelopes/")
    }
    assert {
        "extract",
        "merge",
        "transform",
        "split",
        "ship",
        "receive",
        "assay",
        "certify",
        "transfer",
    } <= types
    html = _members(_pack(consignment))["summary.html"].decode()
    assert LOT in html
    assert "dfars-2027" in html


def _tamper_document(m: dict[str, bytes]) -> str:
    name = next(n for n in sorted(m) if n.startswith("documents/"))
    m[name] = _flip(m[name], 3)
    return name


def _tamper_envelope(m: dict[str, bytes]) -> str:
    name = next(n for n in sorted(m) if n.startswith("envelopes/"))
    m[name] = m[name].replace(b'"time":"2', b'"time":"1', 1)
    return name


def _tamper_proof(m: dict[str, bytes]) -> str:
    name = "proofs/5.json"
    proof = json.loads(m[name])
    first = base64.b64decode(proof["inclusion_path"][0])
    proof["inclusion_path"][0] = base64.b64encode(_flip(first, 0)).decode()
    m[name] = json.dumps(proof).encode()
    return "envelopes/5.json"


def _tamper_key(m: dict[str, bytes]) -> str:
    doc = json.loads(m["keys.json"])
    org = sorted(doc)[1]
    kid = next(iter(doc[org]))
    doc[org][kid] = base64.b64encode(_flip(base64.b64decode(doc[org][kid]), 7)).decode()
    m["keys.json"] = json.dumps(doc).encode()
    return "keys.json"


def _tamper_checkpoint(m: dict[str, bytes]) -> str:
    m["checkpoint.txt"] = m["checkpoint.txt"].replace(b"\n", b" \n", 1)
    return "checkpoint.txt"


@pytest.mark.parametrize(
    "tamper",
    [_tamper_document, _tamper_envelope, _tamper_proof, _tamper_key, _tamper_checkpoint],
    ids=["document", "envelope", "proof", "key", "checkpoint"],
)
def test_one_changed_byte_fails_naming_the_member(
    consignment: Path, tamper: Callable[[dict[str, bytes]], str]
) -> None:
    members = _members(_pack(consignment))
    named = tamper(members)
    with pytest.raises(IntegrityError) as err:
        verify_pack(_rezip(members), _vkey(consignment))
    assert str(err.value).startswith(named + ":")


def test_verify_pack_cli_names_the_failure_in_one_line(consignment: Path, tmp_path: Path) -> None:
    members = _members(_pack(consignment))
    named = _tamper_document(members)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_rezip(members))
    result = runner.invoke(app, ["ledger", "verify-pack", str(bad), "--vkey", _vkey(consignment)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert named in lines[0]
    assert "does not hash" in lines[0]


def test_wrong_log_key_is_refused(consignment: Path) -> None:
    other = keys.generate_key()
    from orechain.ledger.checkpoint import encode_vkey

    with pytest.raises(IntegrityError, match="^checkpoint.txt:"):
        verify_pack(
            _pack(consignment), encode_vkey("example.invalid/pk-us", keys.public_bytes(other))
        )


def _policy(vkey: str, witnesses: dict[str, keys.Ed25519PrivateKey], quorum: str) -> Any:
    lines = [f"log {vkey}"]
    lines += [
        f"witness {n} {encode_witness_vkey(n, keys.public_bytes(k))}" for n, k in witnesses.items()
    ]
    lines += [f"group two 2 {' '.join(witnesses)}", f"quorum {quorum}"]
    return parse_policy("\n".join(lines) + "\n")


def _quorum(policy: TrustPolicy) -> Callable[[str], Any]:
    return lambda note: verify_with_policy(note, policy)


def test_witness_policy_requires_the_quorum_cosignatures(consignment: Path, tmp_path: Path) -> None:
    wits = {"w1.example": keys.generate_key(), "w2.example": keys.generate_key()}
    policy = _policy(_vkey(consignment), wits, "two")
    with pytest.raises(IntegrityError, match="lacks the witness quorum"):
        verify_pack(_pack(consignment), _vkey(consignment), _quorum(policy))  # log-signed only
    note = _members(_pack(consignment))["checkpoint.txt"].decode()
    one = note + cosign(note, "w1.example", wits["w1.example"], 1_800_000_000)
    both = one + cosign(note, "w2.example", wits["w2.example"], 1_800_000_001)
    db = str(consignment / "ledger.db")
    for text, ok in ((one, False), (both, True)):
        cp = tmp_path / "cosigned.txt"
        cp.write_text(text)
        out = tmp_path / "witnessed.zip"
        result = runner.invoke(
            app, ["ledger", "pack", LOT, "--out", str(out), "--checkpoint", str(cp), "--db", db]
        )
        assert result.exit_code == 0, result.output
        if ok:
            report = verify_pack(out.read_bytes(), _vkey(consignment), _quorum(policy))
            assert report.witnesses == ["w1.example", "w2.example"]
        else:
            with pytest.raises(IntegrityError, match="lacks the witness quorum"):
                verify_pack(out.read_bytes(), _vkey(consignment), _quorum(policy))


def test_withheld_documents_leave_only_their_hash(consignment: Path, tmp_path: Path) -> None:
    out = tmp_path / "withheld.zip"
    args = [
        "ledger",
        "pack",
        LOT,
        "--out",
        str(out),
        "--withhold",
        "invoice",
        "--db",
        str(consignment / "ledger.db"),
    ]
    assert runner.invoke(app, args).exit_code == 0
    report = verify_pack(out.read_bytes(), _vkey(consignment))
    assert (report.documents_included, report.documents_withheld) == (5, 1)
    manifest = json.loads(_members(out.read_bytes())["manifest.json"])
    invoice = next(d for d in manifest["documents"] if d["kind"] == "invoice")
    assert invoice["status"] == "withheld"
    assert f"documents/{invoice['sha256']}" not in _members(out.read_bytes())


def _validator(schema: str) -> jsonschema.Draft202012Validator:
    doc = json.loads((UNTP / schema).read_text())
    return jsonschema.Draft202012Validator(
        doc, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_untp_credentials_validate_and_their_signatures_verify(consignment: Path) -> None:
    dpp = json.loads((consignment / "untp" / "dpp.json").read_text())
    dte = json.loads((consignment / "untp" / "dte.json").read_text())
    assert not list(_validator("untp-dpp-schema.json").iter_errors(dpp))
    assert not list(_validator("untp-dte-schema.json").iter_errors(dte))
    exporter = keys.load_private_key(consignment / "keys" / "pk-exporter.pem")
    from orechain.ledger.untp import did_key

    did = did_key(keys.public_bytes(exporter))
    assert verify_credential(dpp) == did
    assert verify_credential(dte) == did
    kinds = {e["type"][0] for e in dte["credentialSubject"]}
    assert {"TransformationEvent", "ObjectEvent", "AggregationEvent", "TransactionEvent"} <= kinds
    link = dpp["credentialSubject"]["traceabilityInformation"][0]["traceabilityEvent"][0]
    assert link["hashDigest"] == hashlib.sha256(canonicalize(dte)).hexdigest()
    shares = dpp["credentialSubject"]["materialsProvenance"]
    assert [(m["originCountry"], m["massFraction"]) for m in shares] == [("PK", 1.0)]
    dpp["credentialSubject"]["product"]["name"] = "something else"
    with pytest.raises(IntegrityError, match="does not verify"):
        verify_credential(dpp)


def test_audit_checks_the_consignment_documents(consignment: Path) -> None:
    result = runner.invoke(app, ["ledger", "audit", "--db", str(consignment / "ledger.db")])
    assert result.exit_code == 0, result.output
    assert "documents: 6 referenced, 6 present" in result.output
