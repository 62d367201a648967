"""Signed envelopes: an event, the signer's key id, the log it is for, an idempotency key.

The signature is Ed25519 (RFC 8032) over a domain-separation prefix followed by the
RFC 8785 canonical JSON of the envelope without its ``signature`` and
``received_at`` members. The envelope names the log (``log``: its origin line),
so a signature made for one ledger is refused by every other one. The log stamps
``received_at`` (its own receipt time) on acceptance; the log leaf is the
canonical JSON of the whole stamped envelope, so the logged bytes carry their
own proof of authorship and the receipt time is covered by signed checkpoints.

References
----------
.. [1] RFC 8785 (JCS); RFC 8032 (Ed25519).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from orechain.errors import InputError
from orechain.ledger import keys
from orechain.ledger.canonical import canonicalize, parse_json
from orechain.ledger.events import Event, format_time, parse_event

SIGNING_CONTEXT = b"orechain/ledger/event/v2\n"
"""Prefix of every signed message, so an event signature is never valid elsewhere."""

ENVELOPE_FIELDS = frozenset({"event", "idempotency_key", "key_id", "log", "received_at",
                             "signature"})  # fmt: skip
UNSIGNED_FIELDS = frozenset({"signature", "received_at"})
"""Members the signature does not cover: itself and the log's receipt stamp."""

__all__ = ["SignedEnvelope", "open_envelope", "sign_event", "signing_message"]


@dataclass(frozen=True)
class SignedEnvelope:
    """A parsed envelope: the typed event plus the exact bytes that were signed and logged."""

    event: Event
    key_id: str
    idempotency_key: str
    log: str
    """Origin of the log the signer meant this event for (domain separation)."""
    signature: bytes
    message: bytes
    leaf: bytes
    received_at: datetime | None = None
    """The log's receipt time, None until the log stamps it."""
    unsigned: bytes = b""
    signature_b64: str = ""
    verified_key: bytes | None = None
    """Public key this signature was already checked under (:mod:`orechain.ledger.preverify`)."""

    def stamped(self, received_at: datetime) -> SignedEnvelope:
        """A copy carrying the log's receipt time in its leaf."""
        leaf = _leaf(self.unsigned, self.signature_b64, format_time(received_at))
        return replace(self, received_at=received_at, leaf=leaf)

    @property
    def signed_part(self) -> tuple[bytes, str]:
        """What the signer produced (unsigned JCS and signature), without the log's stamp."""
        return self.unsigned, self.signature_b64


def signing_message(body: dict[str, Any]) -> bytes:
    """Bytes an envelope's signature covers: context prefix + JCS of the unsigned envelope."""
    return SIGNING_CONTEXT + _canonical_unsigned(body)


def _canonical_unsigned(body: dict[str, Any]) -> bytes:
    return canonicalize({k: v for k, v in body.items() if k not in UNSIGNED_FIELDS})


def _leaf(unsigned: bytes, signature: str, received_at: str | None = None) -> bytes:
    """JCS of the whole envelope, derived from that of the unsigned part.

    ``received_at`` and ``signature`` sort after every other envelope member
    (RFC 8785 §3.2.3) and their values need no escaping, so the canonical
    envelope is the unsigned one with them spliced before the closing brace.
    This halves the canonicalisation work of every accepted event.
    """
    stamp = b',"received_at":' + _quoted(received_at) if received_at else b""
    return unsigned[:-1] + stamp + b',"signature":' + _quoted(signature) + b"}"


def _quoted(text: str) -> bytes:
    """RFC 8785 form of a string; printable ASCII without quote or backslash needs no escape."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return b'"' + text.encode("ascii") + b'"'
    return canonicalize(text)


def sign_event(
    event: dict[str, Any],
    key: keys.Ed25519PrivateKey,
    idempotency_key: str | None = None,
    *,
    origin: str,
) -> dict[str, Any]:
    """Wrap an event's JSON object in a signed envelope for the log ``origin``.

    Parameters
    ----------
    event
        The event object, including ``type``, ``event_id``, ``actor`` and ``time``.
    key
        The acting organisation's private key.
    idempotency_key
        Client-chosen key that makes resubmission safe; defaults to ``event_id``.
    origin
        Origin line of the ledger the event is for (``Ledger.origin``); any other
        ledger refuses the envelope.
    """
    body: dict[str, Any] = {
        "event": event,
        "idempotency_key": idempotency_key or str(event.get("event_id", "")),
        "key_id": keys.key_id(keys.public_bytes(key)),
        "log": origin,
    }
    sig = keys.sign(key, signing_message(body))
    return {**body, "signature": base64.b64encode(sig).decode()}


def _require_str(body: dict[str, Any], name: str, source: str | None) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > 200:
        msg = "must be a non-empty string of at most 200 characters"
        raise InputError(msg, source=source, field=name)
    return value


def _decode_signature(text: str, source: str | None) -> bytes:
    try:
        sig = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        msg = "signature is not base64"
        raise InputError(msg, source=source, field="signature") from exc
    if len(sig) != keys.SIGNATURE_SIZE:
        msg = f"signature has {len(sig)} bytes, expected {keys.SIGNATURE_SIZE}"
        raise InputError(msg, source=source, field="signature")
    return sig


def _received_at(value: Any, source: str | None) -> datetime | None:
    """The log's stamp, in the one RFC 3339 UTC form the log writes (so bytes are unique)."""
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        t = None
    if t is None or t.tzinfo is None or format_time(t) != value:
        msg = "received_at must be an RFC 3339 UTC time like 2026-03-01T08:00:00Z"
        raise InputError(msg, source=source, field="received_at")
    return t


def open_envelope(
    raw: bytes | str | dict[str, Any],
    *,
    source: str | None = None,
    require_canonical: bool = False,
) -> SignedEnvelope:
    """Parse and structurally check an envelope; the signature is checked on acceptance.

    Parameters
    ----------
    raw
        JSON bytes/text or an already-parsed object.
    source
        Origin for error messages (file name and line).
    require_canonical
        Reject input bytes that are not already RFC 8785 canonical.

    Raises
    ------
    InputError
        Malformed JSON, non-canonical bytes when required, missing or unknown
        envelope members, or an invalid event body.
    """
    body = raw if isinstance(raw, dict) else parse_json(raw, source=source)
    if not isinstance(body, dict):
        msg = "envelope must be a JSON object"
        raise InputError(msg, source=source)
    extra = set(body) - ENVELOPE_FIELDS
    if extra or not isinstance(body.get("event"), dict):
        msg = (
            f"envelope needs an object 'event' and no other members than {sorted(ENVELOPE_FIELDS)}"
        )
        raise InputError(msg, source=source, field=",".join(sorted(extra)) or "event")
    signature = _require_str(body, "signature", source)
    unsigned = _canonical_unsigned(body)
    received = _received_at(body.get("received_at"), source)
    env = SignedEnvelope(
        event=parse_event(body["event"], source=source),
        key_id=_require_str(body, "key_id", source),
        idempotency_key=_require_str(body, "idempotency_key", source),
        log=_require_str(body, "log", source),
        signature=_decode_signature(signature, source),
        message=SIGNING_CONTEXT + unsigned,
        leaf=_leaf(unsigned, signature, body.get("received_at")),
        received_at=received,
        unsigned=unsigned,
        signature_b64=signature,
    )
    if require_canonical and not isinstance(raw, dict):
        data = raw.encode() if isinstance(raw, str) else raw
        if env.leaf != data:
            msg = "envelope bytes are not in RFC 8785 canonical form"
            raise InputError(msg, source=source)
    return env
