"""``oc.add_document``, ``oc.pack_lot``, ``oc.verify_pack`` (with a witness policy), UNTP.

Over the sample corridor ledger (SQLite and, marked, PostgreSQL): the same
checks the CLI faces run, called as an analyst would.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import orechain as oc
from orechain.errors import InputError, IntegrityError
from orechain.ledger import keys, sample
from orechain.ledger.documents import open_document_store
from orechain.ledger.log import create_checkpoint
from orechain.ledger.service import Ledger
from orechain.ledger.untp import verify_credential
from orechain.transparency.cosignature import cosign, encode_witness_vkey

LOT = "US-MAGNET-001"


def _witness_policy(vkey: str, witnesses: dict[str, keys.Ed25519PrivateKey]) -> str:
    lines = [f"log {vkey}"]
    lines += [
        f"witness {n} {encode_witness_vkey(n, keys.public_bytes(k))}" for n, k in witnesses.items()
    ]
    return "\n".join([*lines, f"group both 2 {' '.join(witnesses)}", "quorum both"]) + "\n"


def _rezip(data: bytes, name: str, change: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for member in src.namelist():
            out.writestr(member, change if member == name else src.read(member))
    return buf.getvalue()


@pytest.fixture
def checkpointed(sample_ledger: Ledger) -> tuple[Ledger, str]:
    return sample_ledger, create_checkpoint(sample_ledger, sample.log_key())


def test_pack_verifies_and_a_changed_envelope_is_named(checkpointed: tuple[Ledger, str]) -> None:
    led, _ = checkpointed
    data = oc.pack_lot(led, LOT)
    report = oc.verify_pack(data, led.vkey)
    assert report.lot_id == LOT
    members = zipfile.ZipFile(io.BytesIO(data)).namelist()
    envelopes = sorted(n for n in members if n.startswith("envelopes/"))
    assert report.events == len(envelopes)
    body = zipfile.ZipFile(io.BytesIO(data)).read(envelopes[-1])
    tampered = _rezip(data, envelopes[-1], body.replace(b'"time"', b'"tIme"', 1))
    with pytest.raises(IntegrityError, match=f"^{envelopes[-1]}:"):
        oc.verify_pack(tampered, led.vkey)


def test_witness_policy_needs_the_quorum(checkpointed: tuple[Ledger, str], tmp_path: Path) -> None:
    sample_ledger, note = checkpointed
    wits = {"w1.example": keys.generate_key(), "w2.example": keys.generate_key()}
    policy = _witness_policy(sample_ledger.vkey, wits)
    path = tmp_path / "lot.zip"
    path.write_bytes(oc.pack_lot(sample_ledger, LOT))
    with pytest.raises(IntegrityError, match="lacks the witness quorum"):
        oc.verify_pack(path, sample_ledger.vkey, policy=policy)
    one = note + cosign(note, "w1.example", wits["w1.example"], 1_800_000_000)
    both = one + cosign(note, "w2.example", wits["w2.example"], 1_800_000_001)
    half = oc.pack_lot(sample_ledger, LOT, checkpoint=one)
    with pytest.raises(IntegrityError, match="lacks the witness quorum"):
        oc.verify_pack(half, sample_ledger.vkey, policy=policy)
    full = oc.verify_pack(
        oc.pack_lot(sample_ledger, LOT, checkpoint=both), sample_ledger.vkey, policy=policy
    )
    assert full.witnesses == ["w1.example", "w2.example"]
    with pytest.raises(InputError):
        oc.verify_pack(path, sample_ledger.vkey, policy="quorum\n")


def test_add_document_stores_by_hash_and_refuses_bad_files(
    sample_ledger: Ledger, tmp_path: Path
) -> None:
    good = tmp_path / "assay.json"
    good.write_text('{"REO": 0.402, "note": "ASSUMPTION: illustrative"}')
    rec = oc.add_document(sample_ledger, good, "assay-certificate")
    assert rec.ref()["media_type"] == "application/json"
    store = open_document_store(sample_ledger.store.url)
    try:
        assert store.get(rec.sha256) == good.read_bytes()
        bad = tmp_path / "x.json"
        bad.write_text("{broken")
        with pytest.raises(InputError, match="media type"):
            oc.add_document(sample_ledger, bad, "invoice")
        with pytest.raises(InputError, match="expected"):
            oc.add_document(sample_ledger, good, "assay-certificate", expect_sha256="0" * 64)
    finally:
        store.close()


def test_untp_credentials_verify_and_sign_untp_matches(
    sample_ledger: Ledger, tmp_path: Path
) -> None:
    key = sample.org_key("pk-mining")
    pem = tmp_path / "pk.pem"
    keys.save_private_key(key, pem)
    dpp, dte = oc.untp_credentials(sample_ledger, "PK-ORE-001", pem)
    assert verify_credential(dpp) == verify_credential(dte) == dpp["issuer"]["id"]
    from orechain.services.shipments import unsigned_untp

    doc = unsigned_untp(sample_ledger, "PK-ORE-001", "pk-mining")
    assert oc.sign_untp(doc["dpp"], doc["dte"], key) == (dpp, dte)


def test_current_key_is_the_newest_valid_one() -> None:
    from datetime import UTC, datetime

    from orechain.errors import ConflictError, NotFoundError
    from orechain.ledger.domain import KeyRecord, LedgerState, Organisation
    from orechain.services.shipments import current_key

    t = datetime(2026, 6, 1, tzinfo=UTC)
    old, new, later = (keys.public_bytes(keys.demo_key(f"ck-{n}")) for n in ("old", "new", "later"))
    org = Organisation("acme", "Acme", "PAK", ("miner",))
    org.keys = {
        "k-old": KeyRecord("k-old", old, "acme", datetime(2025, 1, 1, tzinfo=UTC)),
        "k-new": KeyRecord("k-new", new, "acme", datetime(2026, 1, 1, tzinfo=UTC)),
        "k-later": KeyRecord("k-later", later, "acme", datetime(2027, 1, 1, tzinfo=UTC)),
    }
    state = LedgerState()
    state.orgs["acme"] = org
    assert current_key(state, "acme", t) == new  # not the one valid only from 2027
    org.keys["k-new"] = KeyRecord("k-new", new, "acme", org.keys["k-new"].valid_from, revoked_at=t)
    assert current_key(state, "acme", t) == old
    org.keys["k-old"] = KeyRecord("k-old", old, "acme", org.keys["k-old"].valid_from, valid_until=t)
    with pytest.raises(ConflictError, match="no key valid"):
        current_key(state, "acme", t)
    with pytest.raises(NotFoundError):
        current_key(state, "nobody", t)
