from __future__ import annotations

import base64

import pytest

from orechain.errors import InputError, IntegrityError
from orechain.ledger import keys
from orechain.ledger.checkpoint import (
    Checkpoint,
    encode_vkey,
    key_hash,
    parse_checkpoint,
    parse_vkey,
    sign_checkpoint,
    verify_checkpoint,
)
from orechain.ledger.merkle import root

KEY = keys.demo_key("log")
PUB = keys.public_bytes(KEY)
CP = Checkpoint("example.org/ledger", 3, root([b"a", b"b", b"c"]))


def test_format_and_roundtrip() -> None:
    text = sign_checkpoint(CP, "example.org/ledger", KEY)
    lines = text.split("\n")
    assert lines[:3] == ["example.org/ledger", "3", base64.b64encode(CP.root_hash).decode()]
    assert lines[3] == ""
    assert lines[4].startswith("\u2014 example.org/ledger ")
    assert text.endswith("\n")
    sig = base64.b64decode(lines[4].split(" ")[2])
    assert sig[:4] == key_hash("example.org/ledger", PUB)
    assert len(sig) == 68
    assert verify_checkpoint(text, "example.org/ledger", PUB) == CP


def test_extensions_survive() -> None:
    cp = Checkpoint("o", 0, root([]), ("ext one",))
    assert verify_checkpoint(sign_checkpoint(cp, "o", KEY), "o", PUB) == cp


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace("\n3\n", "\n4\n"),
        lambda t: t.replace("example.org/ledger\n", "evil.org/ledger\n", 1),
        lambda t: t[:-3] + ("A" if t[-3] != "A" else "B") + t[-2:],
        lambda t: t.replace("\n\n", "\n"),
        lambda t: t.rstrip("\n"),
    ],
)
def test_tampering_fails(mutate: object) -> None:
    text = sign_checkpoint(CP, "example.org/ledger", KEY)
    with pytest.raises(IntegrityError):
        verify_checkpoint(mutate(text), "example.org/ledger", PUB)  # type: ignore[operator]


def test_other_key_and_witness_lines() -> None:
    text = sign_checkpoint(CP, "example.org/ledger", KEY)
    other = keys.public_bytes(keys.demo_key("other"))
    with pytest.raises(IntegrityError, match="no valid signature"):
        verify_checkpoint(text, "example.org/ledger", other)
    witness = sign_checkpoint(CP, "witness", keys.demo_key("w")).split("\n\n")[1]
    assert verify_checkpoint(text + witness, "example.org/ledger", PUB) == CP
    assert len(parse_checkpoint(text + witness)[1]) == 2


def test_vkey_roundtrip() -> None:
    vkey = encode_vkey("example.org/ledger", PUB)
    assert parse_vkey(vkey) == ("example.org/ledger", PUB)
    with pytest.raises(InputError):
        parse_vkey(vkey.replace("+", "+0", 1))
    with pytest.raises(InputError):
        parse_vkey("a+b")
