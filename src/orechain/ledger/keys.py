"""Ed25519 keys for organisations and for the log operator (RFC 8032).

Ed25519 is deterministic (the same key and message always give the same
signature), which makes idempotent resubmission byte-identical, and its
verification is fast enough to check every event on ingest.

References
----------
.. [1] RFC 8032, "Edwards-Curve Digital Signature Algorithm (EdDSA)", §5.1.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from orechain.errors import ConflictError, InputError, NotFoundError

logger = logging.getLogger(__name__)

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
DEMO_SEED_PREFIX = b"orechain demo key, NOT FOR PRODUCTION: "
"""Domain separator of :func:`demo_key`; the seeds are public, so are the keys."""

__all__ = [
    "PASSPHRASE_ENV",
    "Ed25519PrivateKey",
    "is_encrypted",
    "demo_key",
    "generate_key",
    "key_id",
    "load_private_key",
    "public_b64",
    "public_bytes",
    "public_from_b64",
    "save_private_key",
    "sign",
    "verify",
]


def generate_key() -> Ed25519PrivateKey:
    """A fresh random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def demo_key(label: str) -> Ed25519PrivateKey:
    """Deterministic DEMO key for ``label``: the seed is SHA-256 of a public string.

    Anyone can recompute it, so it proves nothing; it exists so the bundled sample
    ledger and the tests are reproducible.
    """
    seed = hashlib.sha256(DEMO_SEED_PREFIX + label.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    """Raw 32-byte public key (RFC 8032 §5.1.5 encoding)."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_b64(key: Ed25519PrivateKey) -> str:
    """Base64 of the raw public key, the form events carry (``register-org``, ``rotate-key``)."""
    return base64.b64encode(public_bytes(key)).decode()


def public_from_b64(text: str, *, field: str = "public_key") -> bytes:
    """Decode a base64 public key, checking its length."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        msg = f"public key is not base64: {exc}"
        raise InputError(msg, field=field) from exc
    if len(raw) != PUBLIC_KEY_SIZE:
        msg = f"public key has {len(raw)} bytes, expected {PUBLIC_KEY_SIZE}"
        raise InputError(msg, field=field)
    return raw


def key_id(public: bytes) -> str:
    """Short stable id of a public key: hex of the first 8 bytes of SHA-256(key)."""
    return hashlib.sha256(public).digest()[:8].hex()


def sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    """Ed25519 signature of ``message`` (64 bytes)."""
    return key.sign(message)


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True iff ``signature`` is a valid Ed25519 signature of ``message`` by ``public``."""
    if len(public) != PUBLIC_KEY_SIZE or len(signature) != SIGNATURE_SIZE:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except InvalidSignature:
        return False
    return True


PASSPHRASE_ENV = "ORECHAIN_KEY_PASSPHRASE"
"""Environment variable the CLI reads a private key's passphrase from."""


def save_private_key(
    key: Ed25519PrivateKey,
    path: Path,
    *,
    passphrase: bytes | None = None,
    overwrite: bool = False,
) -> None:
    """Write ``key`` as PKCS#8 PEM, readable by the owner only (0600).

    Parameters
    ----------
    passphrase
        Encrypt the PKCS#8 structure with it (``BEGIN ENCRYPTED PRIVATE KEY``);
        None writes it in the clear.
    overwrite
        Replace an existing file; by default an existing key is never
        overwritten (losing a private key loses the organisation's identity).

    Raises
    ------
    ConflictError
        If ``path`` exists and ``overwrite`` is false.
    """
    if passphrase is not None and not passphrase:
        msg = "the passphrase is empty"
        raise InputError(msg, field="passphrase")
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        msg = f"{path} already exists; refusing to overwrite a key file"
        raise ConflictError(msg) from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    logger.info("wrote private key %s", path)


def is_encrypted(path: Path) -> bool:
    """True iff the PEM file holds an encrypted PKCS#8 key."""
    return b"BEGIN ENCRYPTED PRIVATE KEY" in path.read_bytes()[:200]


def load_private_key(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Read a PKCS#8 PEM Ed25519 private key, decrypting it with ``passphrase`` if needed.

    Raises
    ------
    NotFoundError
        If the file does not exist.
    InputError
        If it is not an Ed25519 private key, is encrypted and no (or a wrong)
        passphrase was given.
    """
    if not path.is_file():
        msg = f"key file {path} does not exist"
        raise NotFoundError(msg)
    data = path.read_bytes()
    encrypted = b"BEGIN ENCRYPTED PRIVATE KEY" in data[:200]
    if encrypted and not passphrase:
        msg = f"the key is encrypted; set {PASSPHRASE_ENV} or enter the passphrase"
        raise InputError(msg, source=str(path))
    try:
        key = serialization.load_pem_private_key(data, password=passphrase if encrypted else None)
    except (ValueError, TypeError) as exc:
        reason = "wrong passphrase or damaged key" if encrypted else f"not a PEM private key: {exc}"
        raise InputError(reason, source=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        msg = "not an Ed25519 key"
        raise InputError(msg, source=str(path))
    return key
