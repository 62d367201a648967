"""The fast path of :func:`orechain.ledger.canonical.canonicalize` against the reference.

Signatures and leaf hashes are over these bytes: any difference from the
``rfc8785`` package would split honest parties, so every JSON value hypothesis
builds (including awkward floats, control characters, non-BMP keys and unsafe
integers) must give the same bytes, or the same refusal.
"""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

from orechain.errors import InputError
from orechain.ledger.canonical import canonicalize

scalars = (
    st.none() | st.booleans() | st.text() | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e-7, 1e16, 1e21, 123456789012345680.0, -0.0, 5e-324, 0.1, 2.5e-5])
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),  # fmt: skip
    max_leaves=20,
)


def _reference(value: Any) -> bytes | None:
    try:
        return rfc8785.dumps(value)
    except Exception:
        return None


@settings(max_examples=400, deadline=None)
@given(json_values)
@example({"\U0001f600": 1, "\ue000": 2})  # UTF-16 order differs from code-point order
@example({"a": '\x00\x1f\x7f\u2028"\\', "b": [1.0, 0.5]})
@example(2**53)
@example("\ud800")
def test_fast_path_matches_rfc8785(value: Any) -> None:
    expected = _reference(value)
    if expected is None:
        with pytest.raises(InputError):
            canonicalize(value)
    else:
        assert canonicalize(value) == expected


def test_envelope_like_value_takes_the_fast_path() -> None:
    from orechain.ledger import canonical

    env = {"event": {"type": "assay", "grades": {"Nd": 0.2}, "quantity_t": 4.6, "n": 3},
           "log": "demo.orechain.invalid/ledger"}  # fmt: skip
    assert canonical._plain(env)
    assert not canonical._plain({"q": 14.0})  # integral float: written "14" by RFC 8785
    assert canonicalize({"q": 14.0}) == b'{"q":14}'


@settings(max_examples=300, deadline=None)
@given(st.text())
@example('a"b\\c\x7f')
def test_leaf_string_splice_matches_rfc8785(text: str) -> None:
    from orechain.ledger.envelope import _quoted

    expected = _reference(text)
    if expected is not None:
        assert _quoted(text) == expected
