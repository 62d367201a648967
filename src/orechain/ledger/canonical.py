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


MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer RFC 8785 (I-JSON, ECMAScript) represents exactly."""

_FAST = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                         allow_nan=False)  # fmt: skip


def _plain(value: Any) -> bool:
    r"""True iff the standard library writes ``value`` exactly as RFC 8785 does.

    That holds for strings (both escape only ``"``, ``\`` and control
    characters, with the same short forms and lower-case ``\u00xx``), for
    safe integers, for floats whose shortest repr is fixed-point and not
    integral (ECMAScript ``Number.prototype.toString`` writes the same digits),
    and for objects whose keys are ASCII (so code-point order is RFC 8785's
    UTF-16 order). Anything else goes to the reference implementation.
    """
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if isinstance(value, float):
        text = repr(value)
        return "e" not in text and "n" not in text and not value.is_integer()
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return False


def canonicalize(value: Any) -> bytes:
    """Serialise ``value`` to RFC 8785 canonical UTF-8 bytes.

    Values the standard library's C encoder writes identically (:func:`_plain`:
    nearly every envelope) take that path; the rest the reference ``rfc8785``
    package. ``tests/ledger/test_ledger_canonical_fast.py`` checks both agree.

    Raises
    ------
    InputError
        If the value cannot be represented (integers beyond ±2**53, NaN,
        non-string keys).
    """
    try:
        if _plain(value):
            try:
                return _FAST.encode(value).encode("utf-8")
            except UnicodeEncodeError:
                pass  # a lone surrogate: the reference implementation explains
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
