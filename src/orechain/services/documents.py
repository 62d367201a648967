"""One serialisation of a result document, shared by the CLI, the API and the pages.

A typed result (a dataclass with ``to_dict()``, a plain dataclass, a list of
them or a mapping) becomes plain JSON values; NaN and infinity become null.
The CLI prints it with indentation and the API sends it compact, but the
values and keys are the same.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, is_dataclass
from typing import Any

from orechain.jsonsafe import to_jsonable

__all__ = ["dump_json", "to_document"]


def to_document(value: Any) -> Any:
    """``value`` as plain JSON values (dicts, lists, str, numbers, bool, None)."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, type):
        value = to_dict()
    elif is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    elif isinstance(value, list | tuple):
        return [to_document(v) for v in value]
    return json.loads(json.dumps(to_jsonable(value), default=_scalar, allow_nan=False))


def _scalar(value: Any) -> str:
    """Dates as ISO 8601; anything else JSON lacks (paths, decimals) as its text."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON bytes of :func:`to_document` (what the API sends)."""
    return json.dumps(to_document(value), separators=(",", ":"), allow_nan=False).encode("utf-8")
