"""Signed tree heads in the C2SP ``tlog-checkpoint`` / ``signed-note`` text formats.

A checkpoint is three lines (origin, tree size, base64 root hash) plus optional
extension lines; it is wrapped in a signed note, whose signature lines read
``— <name> <base64(key hash[4] || signature)>``. Using the common format means a
witness or monitor written for other transparency logs can read OreChain's heads.

References
----------
.. [1] C2SP tlog-checkpoint, https://c2sp.org/tlog-checkpoint
.. [2] C2SP signed-note, https://c2sp.org/signed-note
.. [3] RFC 9162 §4.10 (signed tree head contents).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from orechain.errors import InputError, IntegrityError
from orechain.ledger import keys
from orechain.ledger.merkle import HASH_SIZE

SIG_PREFIX = "\u2014 "
"""Em dash and space that open every signature line (signed-note)."""

ED25519_ALG = b"\x01"
"""Signature type byte of Ed25519 in signed-note key hashes and verifier keys."""

__all__ = [
    "Checkpoint",
    "encode_vkey",
    "key_hash",
    "split_vkey",
    "parse_checkpoint",
    "parse_vkey",
    "sign_checkpoint",
    "verify_checkpoint",
]


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log ``origin``, ``tree_size`` [leaves] and ``root_hash`` (32 bytes)."""

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        """The note text that is signed: one item per line, newline-terminated."""
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def key_hash(name: str, public: bytes) -> bytes:
    """signed-note key hash: first 4 bytes of SHA-256(name || 0x0A || 0x01 || key)."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALG + public).digest()[:4]


def encode_vkey(name: str, public: bytes) -> str:
    """Verifier key string ``<name>+<hex key hash>+<base64(0x01 || key)>`` (signed-note)."""
    blob = base64.b64encode(ED25519_ALG + public).decode()
    return f"{name}+{key_hash(name, public).hex()}+{blob}"


def split_vkey(vkey: str, what: str = "verifier key") -> tuple[str, str, bytes]:
    """(name, key hash in hex, decoded key bytes) of a signed-note key ``<name>+<hash>+<b64>``.

    Shared by log keys (here) and witness keys (``tlog-cosignature``); the caller
    checks the type byte and the hash, which differ between the two.
    """
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        msg = f"{what} {vkey!r} must be <name>+<hash>+<key>"
        raise InputError(msg, field="vkey")
    name, hash_hex, blob = parts
    try:
        return name, hash_hex, base64.b64decode(blob, validate=True)
    except binascii.Error as exc:
        msg = f"{what} {name!r} is not base64"
        raise InputError(msg, field="vkey") from exc


def parse_vkey(vkey: str) -> tuple[str, bytes]:
    """Split a verifier key into (name, raw Ed25519 public key), checking its hash."""
    name, hash_hex, raw = split_vkey(vkey)
    if raw[:1] != ED25519_ALG or len(raw) != 33 or key_hash(name, raw[1:]).hex() != hash_hex:
        msg = "verifier key is not a well-formed Ed25519 signed-note key"
        raise InputError(msg, field="vkey")
    return name, raw[1:]


def sign_checkpoint(cp: Checkpoint, name: str, key: keys.Ed25519PrivateKey) -> str:
    """Return the signed note text for ``cp`` signed by ``key`` under ``name``."""
    body = cp.body()
    sig = keys.sign(key, body.encode())
    blob = base64.b64encode(key_hash(name, keys.public_bytes(key)) + sig).decode()
    return f"{body}\n{SIG_PREFIX}{name} {blob}\n"


def _split_note(text: str) -> tuple[str, list[str]]:
    body, sep, sigs = text.partition("\n\n")
    if not sep or not sigs.endswith("\n"):
        msg = "signed note needs a blank line before its signatures and a final newline"
        raise IntegrityError(msg)
    return body + "\n", sigs[:-1].split("\n")


def parse_checkpoint(text: str) -> tuple[Checkpoint, list[tuple[str, bytes, bytes]]]:
    """Parse a signed checkpoint into the head and its (name, key hash, signature) lines.

    Raises
    ------
    IntegrityError
        If the note or the checkpoint body is malformed.
    """
    body, sig_lines = _split_note(text)
    sigs = [_parse_sig_line(line) for line in sig_lines]
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or not lines[1].isdigit() or lines[1] != str(int(lines[1])):
        msg = "checkpoint body must be origin, decimal tree size, base64 root hash"
        raise IntegrityError(msg)
    try:
        root_hash = base64.b64decode(lines[2], validate=True)
    except binascii.Error as exc:
        msg = f"checkpoint root hash is not base64: {exc}"
        raise IntegrityError(msg) from exc
    if len(root_hash) != HASH_SIZE:
        msg = f"checkpoint root hash has {len(root_hash)} bytes, expected {HASH_SIZE}"
        raise IntegrityError(msg)
    return Checkpoint(lines[0], int(lines[1]), root_hash, tuple(lines[3:])), sigs


def _parse_sig_line(line: str) -> tuple[str, bytes, bytes]:
    if not line.startswith(SIG_PREFIX) or line.count(" ") != 2:
        msg = f"malformed signature line {line!r}"
        raise IntegrityError(msg)
    name, blob = line[len(SIG_PREFIX) :].split(" ")
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error as exc:
        msg = f"signature of {name!r} is not base64"
        raise IntegrityError(msg) from exc
    if len(raw) < 5:
        msg = f"signature of {name!r} is too short"
        raise IntegrityError(msg)
    return name, raw[:4], raw[4:]


def verify_checkpoint(text: str, name: str, public: bytes) -> Checkpoint:
    """Parse ``text`` and check it carries a valid signature by (``name``, ``public``).

    Signature lines from other keys (e.g. witnesses) are ignored, as signed-note
    prescribes for unknown keys.

    Raises
    ------
    IntegrityError
        If no line of this key verifies.
    """
    cp, sigs = parse_checkpoint(text)
    want = key_hash(name, public)
    body = _split_note(text)[0].encode()
    for sig_name, khash, sig in sigs:
        if sig_name == name and khash == want and keys.verify(public, body, sig):
            return cp
    msg = f"checkpoint for {cp.origin!r} at size {cp.tree_size} has no valid signature by {name!r}"
    raise IntegrityError(msg)
