"""Hypothesis strategies for malformed inputs: files, numbers and option values."""

from __future__ import annotations

import math
import string
from typing import Any

import yaml
from hypothesis import strategies as st

BAD_FLOATS = st.sampled_from(
    [math.nan, math.inf, -math.inf, 1e308, -1e308, 1e16, -1.0, -1e-9, 0.0, 5e-324]
)
"""Numbers that break solvers or bounds when they reach a float field."""

NUMBER_TEXT = st.one_of(
    st.sampled_from(["nan", "NaN", "inf", "-inf", ".inf", "1e308", "-0", "1e-400", "0x10", ""]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=string.digits + "-+.eE_", min_size=1, max_size=12),
)
"""Option values as typed on a command line."""

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)

DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
"""Arbitrary YAML/JSON-shaped documents."""


def _replace_value(doc: Any, path: list[Any], value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    if isinstance(doc, dict):
        return {k: (_replace_value(v, rest, value) if k == head else v) for k, v in doc.items()}
    return [(_replace_value(v, rest, value) if i == head else v) for i, v in enumerate(doc)]


def leaf_paths(doc: Any, prefix: list[Any] | None = None) -> list[list[Any]]:
    """Paths of every scalar in a parsed document."""
    prefix = prefix or []
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in leaf_paths(v, [*prefix, k])]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in leaf_paths(v, [*prefix, i])]
    return [prefix]


@st.composite
def mutated_yaml(draw: st.DrawFn, base_text: str) -> bytes:
    """A valid YAML file with one scalar replaced by a bad value, or its bytes damaged."""
    base = yaml.safe_load(base_text)
    kind = draw(st.sampled_from(["value", "bytes", "document", "duplicate"]))
    if kind == "value":
        paths = leaf_paths(base)
        path = draw(st.sampled_from(paths))
        value = draw(st.one_of(BAD_FLOATS, SCALARS, DOCUMENTS))
        text = yaml.safe_dump(_replace_value(base, path, value), allow_unicode=True)
        return text.encode("utf-8")
    if kind == "bytes":
        data = bytearray(base_text.encode("utf-8"))
        pos = draw(st.integers(min_value=0, max_value=len(data) - 1))
        junk = draw(st.binary(min_size=1, max_size=8))
        data[pos : pos + len(junk)] = junk
        return bytes(data)
    if kind == "duplicate":
        key = draw(st.sampled_from([k for k in base if isinstance(k, str)]))
        return (base_text + f"\n{key}: {draw(st.integers())}\n").encode("utf-8")
    return yaml.safe_dump(draw(DOCUMENTS)).encode("utf-8")
