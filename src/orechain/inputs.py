"""Shared input checks: safe file reading, a strict YAML/JSON loader, numeric bounds.

Every file and every number a user hands OreChain (scenario and project YAML,
ledger event JSON, USGS/BACI/WGI files, CLI options, query parameters) goes
through these helpers, so that the CLI and the REST API reject the same inputs
with the same one-line :class:`~orechain.errors.InputError` naming the file,
the line or field, and the reason. The bounds are documented in
``docs/inputs.md``.

Why a loader of its own: PyYAML lets a second ``commodity:`` key silently
replace the first, recurses until ``RecursionError`` on deeply nested input,
accepts ``.nan``/``.inf``, and Python refuses to convert integers longer than
4,300 digits with a bare ``ValueError``. Each of those becomes an
``InputError`` here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from orechain.errors import InputError

__all__ = [
    "DATA_FIRST_YEAR",
    "DATA_LAST_YEAR",
    "MAX_ABS_NUMBER",
    "MAX_DRAWS",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "MAX_TONNES",
    "MAX_WORKERS",
    "SENSITIVITY_PCT_MAX",
    "YEAR_MARGIN",
    "YEAR_MAX",
    "YEAR_MIN",
    "check_number",
    "check_pct",
    "check_tree",
    "check_year",
    "check_year_fields",
    "load_json_text",
    "load_yaml_text",
    "read_json",
    "read_text",
    "read_yaml",
]

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest text input read whole [bytes] (bigger files are data, not configuration)."""

MAX_NESTING = 64
"""Deepest nesting of mappings and lists accepted in a YAML or JSON document."""

MAX_ABS_NUMBER = 1e15
"""Largest magnitude of any number in an input file (tonnes, USD, counts).

World output of the most-produced mineral (iron ore, about 2.5e9 t/yr) and the
largest project budgets (about 1e11 USD) are far below; 1e308 or a 5,000-digit
integer can only be a mistake and would overflow the solvers."""

MAX_TONNES = 1e12
"""Largest annual quantity of one commodity [t/yr] (400 times world iron-ore output)."""

DATA_FIRST_YEAR = 1995
"""First year with data in the bundled atlas (BACI trade)."""

DATA_LAST_YEAR = 2024
"""Last year with data in the bundled atlas (USGS MCS 2025 production estimates)."""

YEAR_MARGIN = 75
"""Years accepted either side of the atlas range: history back to 1920, plans to 2099."""

YEAR_MIN = DATA_FIRST_YEAR - YEAR_MARGIN
YEAR_MAX = DATA_LAST_YEAR + YEAR_MARGIN

MAX_DRAWS = 1_000_000
"""Most Monte Carlo draws one command runs (a million LP solves per year is days of work)."""

MAX_WORKERS = 1024
"""Most local worker processes one command starts."""

SENSITIVITY_PCT_MAX = 90.0
"""Largest tornado change per factor [%]; the CLI and the API accept 0 < pct ≤ 90."""


_TOO_LONG = "a number has more than 4,300 digits"

# --------------------------------------------------------------------------- files


def read_text(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 text file, or raise InputError naming it and why not.

    A missing file, a directory, an unreadable or oversized file, a NUL byte
    (a binary file) and bytes that are not UTF-8 are each one clear reason.
    A UTF-8 byte-order mark is dropped.
    """
    file = Path(path)
    source = str(file)
    if not file.exists():
        msg = "file not found"
        raise InputError(msg, source=source)
    if file.is_dir():
        msg = "is a directory, expected a file"
        raise InputError(msg, source=source)
    try:
        size = file.stat().st_size
        if size > max_bytes:
            msg = f"file is {size:,} bytes, larger than the {max_bytes:,}-byte limit"
            raise InputError(msg, source=source)
        data = file.read_bytes()
    except OSError as exc:
        msg = f"cannot read the file: {exc.strerror or exc}"
        raise InputError(msg, source=source) from None
    return decode_text(data, source)


def decode_text(data: bytes, source: str) -> str:
    """Bytes of a text input → str; InputError for a NUL byte or invalid UTF-8."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        msg = "contains a NUL byte: expected a UTF-8 text file, not a binary one"
        raise InputError(msg, source=source, row=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        msg = f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        raise InputError(msg, source=source, row=line) from None
    return text.removeprefix("\ufeff")


# --------------------------------------------------------------------------- YAML


class _StrictChecks:
    """Refuse duplicate mapping keys (a mixin for the pure and the libyaml loader)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            if isinstance(key, Hashable):
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _StrictLoader(_StrictChecks, yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys; its errors name line and problem."""


_FastLoader: type[yaml.CSafeLoader] | None = None
if yaml.__with_libyaml__:

    class _StrictCLoader(_StrictChecks, yaml.CSafeLoader):
        """The same rules on libyaml's parser: about ten times faster on large files."""

    _FastLoader = _StrictCLoader


_FLOAT_WITH_EXPONENT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
"""YAML 1.2 reads ``1e308`` as a number; PyYAML's YAML 1.1 rules read it as a string
that pydantic would then quietly turn into a float, escaping the range checks."""
for _loader in (_StrictLoader, _FastLoader):
    if _loader is not None:
        _loader.add_implicit_resolver(
            "tag:yaml.org,2002:float", _FLOAT_WITH_EXPONENT, list("-+0123456789")
        )

_NUMBER_TEXT = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.?(?:nan|inf|infinity)",
    re.IGNORECASE,
)
"""Text a lax float field (pydantic, ``float()``) would read as a number."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _load(text: str) -> Any:
    """Parse with libyaml when it is there; on any failure parse again with the pure loader.

    The pure loader's errors (problem and line) are the ones users see, so a bad
    file reads the same with or without libyaml; a good one parses to the same tree.
    """
    if _FastLoader is not None:
        try:
            return yaml.load(text, Loader=_FastLoader)
        except (yaml.YAMLError, RecursionError, ValueError):
            pass
    return yaml.load(text, Loader=_StrictLoader)


def load_yaml_text(text: str, source: str, *, max_abs: float | None = MAX_ABS_NUMBER) -> Any:
    """Parse YAML strictly: duplicate keys, bad syntax, deep nesting, NaN/inf, huge numbers.

    Parameters
    ----------
    text
        The document.
    source
        Where it came from (named in every error).
    max_abs
        Largest number magnitude accepted (None: only finiteness is checked).
    """
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        msg = "contains a NUL byte: expected a UTF-8 text file, not a binary one"
        raise InputError(msg, source=source, row=line)
    if _flow_depth_exceeds(text, 4 * MAX_NESTING):
        msg = f"nested more than {MAX_NESTING} levels deep"
        raise InputError(msg, source=source)
    try:
        raw = _load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = _one_line(exc.problem or exc.context or "syntax error")
        row = mark.line + 1 if mark is not None else None
        msg = f"not valid YAML: {reason}"
        raise InputError(msg, source=source, row=row) from None
    except yaml.YAMLError as exc:
        msg = f"not valid YAML: {_one_line(exc)}"
        raise InputError(msg, source=source) from None
    except RecursionError:
        msg = f"nested more than {MAX_NESTING} levels deep"
        raise InputError(msg, source=source) from None
    except ValueError:  # int('9' * 5000): Python's integer-conversion limit
        raise InputError(_TOO_LONG, source=source) from None
    check_tree(raw, source, max_abs=max_abs)
    return raw


_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'|#[^\n]*')


def _flow_depth_exceeds(text: str, limit: int) -> bool:
    """Whether ``[``/``{`` nest deeper than ``limit`` (brackets in strings counted too).

    PyYAML's scanner is quadratic in flow depth: 2,000 nested ``[`` take
    seconds before the recursion limit stops it. The limit is far above
    :data:`MAX_NESTING`; quoted strings and comments are skipped.
    """
    depth = 0
    for char in _NOT_BRACKET.sub("", _QUOTED_OR_COMMENT.sub("", text)):
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(0, depth - 1)
    return False


def read_yaml(path: str | Path, *, max_abs: float | None = MAX_ABS_NUMBER) -> Any:
    """Read and strictly parse a YAML file (see :func:`load_yaml_text`)."""
    return load_yaml_text(read_text(path), str(path), max_abs=max_abs)


# --------------------------------------------------------------------------- JSON


def _no_constant(name: str) -> float:
    msg = f"{name} is not a number JSON allows"
    raise ValueError(msg)


def load_json_text(text: str, source: str, *, max_abs: float | None = MAX_ABS_NUMBER) -> Any:
    """Parse JSON strictly: syntax, deep nesting, NaN/Infinity, huge numbers → InputError."""
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg} (column {exc.colno})"
        raise InputError(msg, source=source, row=exc.lineno) from None
    except RecursionError:
        msg = f"nested more than {MAX_NESTING} levels deep"
        raise InputError(msg, source=source) from None
    except ValueError as exc:
        reason = _TOO_LONG if "digits" in str(exc) else f"not valid JSON: {_one_line(exc)}"
        raise InputError(reason, source=source) from None
    check_tree(raw, source, max_abs=max_abs)
    return raw


def read_json(path: str | Path, *, max_abs: float | None = MAX_ABS_NUMBER) -> Any:
    """Read and strictly parse a JSON file (see :func:`load_json_text`)."""
    return load_json_text(read_text(path), str(path), max_abs=max_abs)


# --------------------------------------------------------------------------- trees


def _path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_tree(raw: Any, source: str, *, max_abs: float | None = MAX_ABS_NUMBER) -> None:
    """Refuse deep nesting, non-finite and oversized numbers anywhere in a parsed document.

    Shared sub-trees (YAML anchors) are visited once, so an alias bomb costs
    no more than its distinct nodes.
    """
    seen: set[int] = set()
    stack: list[tuple[Any, list[str | int]]] = [(raw, [])]
    while stack:
        node, where = stack.pop()
        if len(where) > MAX_NESTING:
            msg = f"nested more than {MAX_NESTING} levels deep"
            raise InputError(msg, source=source, field=_path(where[:4]) + "…")
        if isinstance(node, dict | list):
            if id(node) in seen:
                continue
            seen.add(id(node))
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((v, [*where, k if isinstance(k, int) else str(k)]) for k, v in items)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int | float):
            _check_magnitude(node, source, _path(where) or None, max_abs)
        elif isinstance(node, str) and len(node) < 10_000 and _NUMBER_TEXT.fullmatch(node.strip()):
            number = float(node.strip().replace("_", ""))
            _check_magnitude(number, source, _path(where) or None, max_abs)


def _check_magnitude(
    value: float, source: str | None, field: str | None, max_abs: float | None
) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{value} is not a finite number"
        raise InputError(msg, source=source, field=field)
    if max_abs is not None and abs(value) > max_abs:
        msg = f"{_short(value)} is out of range (magnitude at most {max_abs:g})"
        raise InputError(msg, source=source, field=field)


def _short(value: float) -> str:
    if isinstance(value, int) and abs(value) > 10**20:
        return f"a {len(str(abs(value)))}-digit number"
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- numbers


def check_number(
    value: float,
    field: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    source: str | None = None,
) -> float:
    """A finite number within ``[lo, hi]`` (``lo_open``/``hi_open``: strict), else InputError.

    Examples
    --------
    >>> check_number(0.5, "--share", lo=0, hi=1)
    0.5
    """
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        msg = f"{value!r} is not a number"
        raise InputError(msg, source=source, field=field) from None
    if not math.isfinite(number):
        msg = f"{value} is not a finite number"
        raise InputError(msg, source=source, field=field)
    low_bad = lo is not None and (number <= lo if lo_open else number < lo)
    high_bad = hi is not None and (number >= hi if hi_open else number > hi)
    if low_bad or high_bad:
        left = "" if lo is None else f"{'>' if lo_open else '≥'} {lo:g}"
        right = "" if hi is None else f"{'<' if hi_open else '≤'} {hi:g}"
        expected = " and ".join(p for p in (left, right) if p)
        msg = f"{_short(value)} is out of range (expected {expected})"
        raise InputError(msg, source=source, field=field)
    return number


def check_pct(value: float, field: str = "--pct") -> float:
    """A tornado change [%]: 0 < pct ≤ :data:`SENSITIVITY_PCT_MAX` (the API uses the same rule)."""
    return check_number(value, field, lo=0.0, lo_open=True, hi=SENSITIVITY_PCT_MAX)


def check_year(value: int, field: str, *, source: str | None = None) -> int:
    """A calendar year within :data:`YEAR_MIN` … :data:`YEAR_MAX` (atlas range ± margin)."""
    if isinstance(value, bool) or not isinstance(value, int) or not YEAR_MIN <= value <= YEAR_MAX:
        msg = (
            f"year {_short(value)} is outside {YEAR_MIN}–{YEAR_MAX} (the atlas covers "
            f"{DATA_FIRST_YEAR}–{DATA_LAST_YEAR}, ± {YEAR_MARGIN} years)"
        )
        raise InputError(msg, source=source, field=field)
    return value


def check_year_fields(raw: Any, source: str, names: tuple[str, ...]) -> None:
    """Check every integer under a key in ``names``, at any depth, with :func:`check_year`.

    One call covers every dated block of a document (a disruption's ``start``,
    a mitigation's ``start``, ``base_year`` …) without touching each model.
    """
    stack: list[tuple[Any, list[str | int]]] = [(raw, [])]
    seen: set[int] = set()
    while stack:
        node, where = stack.pop()
        if not isinstance(node, dict | list) or id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            here = [*where, key if isinstance(key, int) else str(key)]
            if key in names and isinstance(value, int) and not isinstance(value, bool):
                check_year(value, _path(here), source=source)
            stack.append((value, here))
