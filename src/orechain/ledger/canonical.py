"""RFC 8785 JSON Canonicalization Scheme (JCS) for signed ledger envelopes.

A signature is only meaningful over one byte string; JCS fixes that string for a
JSON value (sorted keys, ECMAScript number form, minimal escaping), so two honest
parties always sign and hash the same bytes. Parsing is strict for the same reason:
duplicate keys, NaN and Infinity make a document mean different things to
different parsers, so they are rejected.

References
----------
.. [1] RFC 8785, "JSON Canonicalization Scheme (JCS)".
.. [2] RFC 8259, "The JavaScript Object Notation (JSON) Data Interchange Format", §4.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from orechain.errors import InputError

__all__ = ["canonicalize", "is_canonical", "parse_json"]


def canonicalize(value: Any) -> bytes:
    """Serialise ``value`` to RFC 8785 canonical UTF-8 bytes.

    Raises
    ------
    InputError
        If the value cannot be represented (integers beyond ±2**53, NaN,
        non-string keys).
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        msg = f"value has no RFC 8785 canonical form: {exc}"
        raise InputError(msg) from exc


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            msg = f"duplicate JSON key {key!r}"
            raise InputError(msg, field=key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    msg = f"JSON constant {name} is not allowed (RFC 8259 §6)"
    raise InputError(msg)


def parse_json(data: bytes | str, *, source: str | None = None) -> Any:
    """Parse JSON strictly: UTF-8, no duplicate keys, no NaN/Infinity.

    Parameters
    ----------
    data
        Raw document.
    source
        Where it came from (file name, "stdin"), for error messages.

    Raises
    ------
    InputError
        Naming the source and, for invalid JSON, the line and reason.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8: {exc.reason} at byte {exc.start}"
        raise InputError(msg, source=source) from exc
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg} (column {exc.colno})"
        raise InputError(msg, source=source, row=exc.lineno) from exc
    except RecursionError as exc:
        msg = "JSON nested too deeply"
        raise InputError(msg, source=source) from exc
    except InputError as exc:
        raise InputError(exc.reason, source=source, field=exc.field) from exc


def is_canonical(data: bytes) -> bool:
    """True iff ``data`` is exactly the RFC 8785 form of the JSON value it encodes."""
    try:
        return canonicalize(parse_json(data)) == data
    except InputError:
        return False
