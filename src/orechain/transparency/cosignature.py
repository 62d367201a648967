r"""Ed25519 witness cosignatures (C2SP ``tlog-cosignature``, ``cosignature/v1``).

A cosignature is an extra signed-note signature line on a checkpoint:
``— <witness name> base64(key ID || timestamp (u64, big-endian) || Ed25519 signature)``
over the message ``cosignature/v1\\ntime <timestamp>\\n`` followed by the
checkpoint body. The key ID is ``SHA-256(name || "\\n" || 0x04 || public key)[:4]``;
the 0x04 type byte keeps a witness key from ever being mistaken for a log key
(0x01), so a cosignature can never pass as the log's own signature.

References
----------
.. [1] C2SP tlog-cosignature, https://c2sp.org/tlog-cosignature
.. [2] C2SP signed-note, https://c2sp.org/signed-note
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass

from orechain.errors import InputError, IntegrityError
from orechain.ledger import keys
from orechain.ledger.checkpoint import SIG_PREFIX, parse_checkpoint, split_vkey

__all__ = [
    "COSIGNATURE_ALG",
    "Cosigner",
    "cosign",
    "cosignature_key_id",
    "cosigned_message",
    "encode_witness_vkey",
    "note_body",
    "parse_witness_vkey",
    "verify_cosignature",
]

COSIGNATURE_ALG = b"\x04"
"""Signature type byte of Ed25519 cosignature/v1 keys."""

MAX_TIMESTAMP = 2**63 - 1


@dataclass(frozen=True)
class Cosigner:
    """A witness identity a verifier trusts: name and raw Ed25519 public key."""

    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID of this cosigner."""
        return cosignature_key_id(self.name, self.public)


def cosignature_key_id(name: str, public: bytes) -> bytes:
    """``SHA-256(name || 0x0A || 0x04 || public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_ALG + public).digest()[:4]


def encode_witness_vkey(name: str, public: bytes) -> str:
    """Verifier key ``<name>+<hex key ID>+<base64(0x04 || key)>`` of a witness."""
    blob = base64.b64encode(COSIGNATURE_ALG + public).decode()
    return f"{name}+{cosignature_key_id(name, public).hex()}+{blob}"


def parse_witness_vkey(vkey: str) -> Cosigner:
    """Parse a witness verifier key, checking its type byte and key ID.

    Raises
    ------
    InputError
        If it is not a well-formed Ed25519 cosignature/v1 vkey.
    """
    name, hash_hex, raw = split_vkey(vkey, "witness key")
    if raw[:1] != COSIGNATURE_ALG or len(raw) != 33:
        msg = f"witness key {name!r} is not an Ed25519 cosignature/v1 key (type 0x04)"
        raise InputError(msg, field="vkey")
    if cosignature_key_id(name, raw[1:]).hex() != hash_hex:
        msg = f"witness key {name!r} has a wrong key ID"
        raise InputError(msg, field="vkey")
    return Cosigner(name, raw[1:])


def note_body(note: str) -> str:
    """The signed text of a note: everything before the blank line, newline-terminated."""
    body, sep, _ = note.partition("\n\n")
    if not sep:
        msg = "signed note needs a blank line before its signatures"
        raise IntegrityError(msg)
    return body + "\n"


def cosigned_message(body: str, timestamp: int) -> bytes:
    r"""``cosignature/v1\\ntime <t>\\n`` + checkpoint body: the bytes a witness signs."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(note: str, name: str, key: keys.Ed25519PrivateKey, timestamp: int | None = None) -> str:
    """One cosignature line (newline-terminated) over the checkpoint ``note``."""
    t = int(time.time()) if timestamp is None else timestamp
    if not 0 < t <= MAX_TIMESTAMP:
        msg = f"cosignature timestamp {t} is out of range"
        raise InputError(msg, field="timestamp")
    sig = keys.sign(key, cosigned_message(note_body(note), t))
    kid = cosignature_key_id(name, keys.public_bytes(key))
    return f"{SIG_PREFIX}{name} {base64.b64encode(kid + t.to_bytes(8, 'big') + sig).decode()}\n"


def verify_cosignature(note: str, cosigner: Cosigner) -> int | None:
    """Timestamp of a valid cosignature by ``cosigner`` on ``note``, or None if it has none.

    Lines whose name and key ID match but whose signature fails make the note
    malformed (signed-note), so they raise instead of being skipped.

    Raises
    ------
    IntegrityError
        If a matching line's signature does not verify.
    """
    _, sigs = parse_checkpoint(note)
    body = note_body(note)
    found: int | None = None
    for name, kid, rest in sigs:
        if name != cosigner.name or kid != cosigner.key_id:
            continue
        if len(rest) != 8 + keys.SIGNATURE_SIZE:
            msg = f"cosignature of {name!r} has {len(rest)} bytes, expected 72"
            raise IntegrityError(msg)
        t = int.from_bytes(rest[:8], "big")
        if not keys.verify(cosigner.public, cosigned_message(body, t), rest[8:]):
            msg = f"cosignature of {name!r} does not verify"
            raise IntegrityError(msg)
        found = t
    return found
