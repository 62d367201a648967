"""Signed envelopes: an event, the signer's key id, an idempotency key and a signature.

The signature is Ed25519 (RFC 8032) over a domain-separation prefix followed by the
RFC 8785 canonical JSON of the envelope without its ``signature`` member; the log
leaf is the canonical JSON of the whole envelope, so the logged bytes carry their
own proof of authorship.

References
----------
.. [1] RFC 8785 (JCS); RFC 8032 (Ed25519).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from orechain.errors import InputError
from orechain.ledger import keys
from orechain.ledger.canonical import canonicalize, parse_json
from orechain.ledger.events import Event, parse_event

SIGNING_CONTEXT = b"orechain/ledger/event/v1\n"
"""Prefix of every signed message, so an event signature is never valid elsewhere."""

ENVELOPE_FIELDS = frozenset({"event", "idempotency_key", "key_id", "signature"})

__all__ = ["SignedEnvelope", "open_envelope", "sign_event", "signing_message"]


@dataclass(frozen=True)
class SignedEnvelope:
    """A parsed envelope: the typed event plus the exact bytes that were signed and logged."""

    event: Event
    key_id: str
    idempotency_key: str
    signature: bytes
    message: bytes
    leaf: bytes


def signing_message(body: dict[str, Any]) -> bytes:
    """Bytes an envelope's signature covers: context prefix + JCS of the unsigned envelope."""
    return SIGNING_CONTEXT + _canonical_unsigned(body)


def _canonical_unsigned(body: dict[str, Any]) -> bytes:
    return canonicalize({k: v for k, v in body.items() if k != "signature"})


def _leaf(unsigned: bytes, signature: str) -> bytes:
    """JCS of the whole envelope, derived from that of the unsigned part.

    ``signature`` sorts after every other envelope member (RFC 8785 §3.2.3) and
    its base64 value needs no escaping, so the canonical envelope is the unsigned
    one with ``,"signature":"…"`` spliced before the closing brace. This halves
    the canonicalisation work of every accepted event.
    """
    return unsigned[:-1] + b',"signature":' + canonicalize(signature) + b"}"


def sign_event(
    event: dict[str, Any], key: keys.Ed25519PrivateKey, idempotency_key: str | None = None
) -> dict[str, Any]:
    """Wrap an event's JSON object in a signed envelope.

    Parameters
    ----------
    event
        The event object, including ``type``, ``event_id``, ``actor`` and ``time``.
    key
        The acting organisation's private key.
    idempotency_key
        Client-chosen key that makes resubmission safe; defaults to ``event_id``.
    """
    body: dict[str, Any] = {
        "event": event,
        "idempotency_key": idempotency_key or str(event.get("event_id", "")),
        "key_id": keys.key_id(keys.public_bytes(key)),
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
    env = SignedEnvelope(
        event=parse_event(body["event"], source=source),
        key_id=_require_str(body, "key_id", source),
        idempotency_key=_require_str(body, "idempotency_key", source),
        signature=_decode_signature(signature, source),
        message=SIGNING_CONTEXT + unsigned,
        leaf=_leaf(unsigned, signature),
    )
    if require_canonical and not isinstance(raw, dict):
        data = raw.encode() if isinstance(raw, str) else raw
        if env.leaf != data:
            msg = "envelope bytes are not in RFC 8785 canonical form"
            raise InputError(msg, source=source)
    return env
