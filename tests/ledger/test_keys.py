from __future__ import annotations

import base64
from pathlib import Path

import pytest

from orechain.errors import InputError, NotFoundError
from orechain.ledger import keys


def test_sign_verify_and_tamper() -> None:
    k = keys.demo_key("test")
    pub = keys.public_bytes(k)
    sig = keys.sign(k, b"msg")
    assert keys.verify(pub, b"msg", sig)
    assert not keys.verify(pub, b"msh", sig)
    assert not keys.verify(pub, b"msg", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not keys.verify(pub[:31], b"msg", sig)


def test_demo_keys_are_deterministic() -> None:
    a, b = keys.demo_key("x"), keys.demo_key("x")
    assert keys.public_bytes(a) == keys.public_bytes(b)
    assert keys.public_bytes(a) != keys.public_bytes(keys.demo_key("y"))
    assert len(keys.key_id(keys.public_bytes(a))) == 16


def test_save_load_roundtrip(tmp_path: Path) -> None:
    k = keys.generate_key()
    path = tmp_path / "k.pem"
    keys.save_private_key(k, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert keys.public_bytes(keys.load_private_key(path)) == keys.public_bytes(k)
    with pytest.raises(NotFoundError):
        keys.load_private_key(tmp_path / "none.pem")
    (tmp_path / "bad.pem").write_text("nope")
    with pytest.raises(InputError, match="bad.pem"):
        keys.load_private_key(tmp_path / "bad.pem")


def test_public_from_b64() -> None:
    pub = keys.public_bytes(keys.demo_key("x"))
    assert keys.public_from_b64(base64.b64encode(pub).decode()) == pub
    with pytest.raises(InputError, match="31 bytes"):
        keys.public_from_b64(base64.b64encode(pub[:31]).decode())
    with pytest.raises(InputError, match="base64"):
        keys.public_from_b64("!!")
