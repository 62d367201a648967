"""UNTP credential signing (issue 16 item 5): eddsa-jcs-2022 against its published vector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orechain.errors import IntegrityError
from orechain.ledger import keys
from orechain.ledger.untp import b58decode, b58encode, did_key, sign_credential, verify_credential

VECTOR = Path(__file__).resolve().parents[1] / "data" / "untp" / "eddsa-jcs-2022-vector.json"


def test_published_eddsa_jcs_2022_vector_verifies() -> None:
    credential = json.loads(VECTOR.read_text())
    assert verify_credential(credential) == credential["issuer"]
    credential["credentialSubject"]["alumniOf"] = "Another School"
    with pytest.raises(IntegrityError, match="does not verify"):
        verify_credential(credential)


@given(st.binary(max_size=64))
def test_base58_round_trips(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_did_key_of_an_ed25519_key_has_the_multicodec_prefix() -> None:
    did = did_key(keys.public_bytes(keys.demo_key("untp-test")))
    assert did.startswith("did:key:z6Mk")  # 0xed01 prefix of ed25519-pub in base58btc


def _doc(key: keys.Ed25519PrivateKey) -> dict[str, object]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "id": "https://example.invalid/credentials/1",
        "issuer": {"id": did_key(keys.public_bytes(key)), "name": "x"},
        "credentialSubject": {"quantity_t": 60.0},
    }


def test_sign_then_verify_and_refuse_another_issuer() -> None:
    key, other = keys.demo_key("untp-a"), keys.demo_key("untp-b")
    signed = sign_credential(_doc(key), key, "2026-12-01T00:00:00Z")
    assert verify_credential(signed) == did_key(keys.public_bytes(key))
    forged = sign_credential(_doc(key), other, "2026-12-01T00:00:00Z")  # issuer says key
    with pytest.raises(IntegrityError, match="not by the issuer"):
        verify_credential(forged)
    with pytest.raises(IntegrityError, match="no eddsa-jcs-2022 proof"):
        verify_credential(_doc(key))
