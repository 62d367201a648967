"""Evidence-pack properties: a fresh pack verifies; one flipped bit in a proven member fails.

Built in-process from the sample corridor plus a certification citing a document,
so it runs in a second (the full command-line consignment is test_ship_consignment).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import fixed_clock, signed

from orechain.errors import IntegrityError
from orechain.ledger import sample
from orechain.ledger.documents import open_document_store
from orechain.ledger.log import create_checkpoint
from orechain.ledger.pack import build_pack, pack_events, verify_pack
from orechain.ledger.service import Ledger

LOT = "US-MAGNET-001"
PDF = b"%PDF-1.4\n% ASSUMPTION: illustrative certificate\n%%EOF\n"
PROVEN = ("envelopes/", "proofs/", "documents/", "keys.json", "checkpoint.txt")
"""Members whose every byte is covered by a signature or a hash (summary and verdicts are not)."""


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    url = str(tmp_path_factory.mktemp("pack") / "l.db")
    with Ledger.create(url, sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
        store = open_document_store(url)
        ref = store.put(PDF, "coo.pdf", "certificate-of-origin").ref()
        led.submit(
            signed(
                "demo-certifier",
                "certify",
                "c-magnet",
                "2026-03-04T10:00:00Z",
                lot_id=LOT,
                scheme="s",
                claim="conformity",
                documents=[ref],
            )
        )
        create_checkpoint(led, sample.log_key())
        data = build_pack(led, LOT, store)
        assert pack_events(led.state, LOT)[0] == "demo-000-register-org"
        return data, led.vkey


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_pack_verifies_after_repacking(packed: tuple[bytes, str]) -> None:
    data, vkey = packed
    report = verify_pack(data, vkey)
    assert report.documents_included == 1
    assert report.signers["c-magnet"] == "demo-certifier"
    assert verify_pack(_rezip(_members(data)), vkey).events == report.events


@settings(max_examples=150, deadline=None)
@given(pick=st.integers(min_value=0), at=st.integers(min_value=0), bit=st.integers(0, 7))
def test_one_flipped_bit_in_a_proven_member_fails(
    packed: tuple[bytes, str], pick: int, at: int, bit: int
) -> None:
    data, vkey = packed
    members = _members(data)
    names = sorted(n for n in members if n.startswith(PROVEN))
    name = names[pick % len(names)]
    body = members[name]
    i = at % len(body)
    members[name] = body[:i] + bytes([body[i] ^ (1 << bit)]) + body[i + 1 :]
    with pytest.raises(IntegrityError):
        verify_pack(_rezip(members), vkey)


def test_a_dropped_event_is_named(packed: tuple[bytes, str]) -> None:
    data, vkey = packed
    members = _members(data)
    victim = sorted(n for n in members if n.startswith("envelopes/"))[3]
    del members[victim]
    with pytest.raises(IntegrityError, match=f"^{victim}: missing"):
        verify_pack(_rezip(members), vkey)
