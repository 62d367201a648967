from __future__ import annotations

import pytest

from orechain.errors import InputError
from orechain.ledger.canonical import canonicalize, is_canonical, parse_json


def test_rfc8785_examples() -> None:
    # RFC 8785 §3.2.2/§3.2.3: sorted keys, ES6 number form.
    assert canonicalize({"b": 1.0, "a": [1e21, 0.1, -0.0]}) == b'{"a":[1e+21,0.1,0],"b":1}'
    assert canonicalize({"\u20ac": "\u00e9", "1": None}) == '{"1":null,"€":"é"}'.encode()


def test_is_canonical() -> None:
    assert is_canonical(b'{"a":1,"b":[true]}')
    assert not is_canonical(b'{"b":1,"a":1}')
    assert not is_canonical(b'{"a": 1}')
    assert not is_canonical(b"{bad")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a":1,"a":2}', "duplicate JSON key 'a'"),
        (b'{"a":NaN}', "NaN"),
        (b'{"a":', "not valid JSON"),
        (b"\xff", "not UTF-8"),
    ],
)
def test_parse_rejects(raw: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as info:
        parse_json(raw, source="x.json")
    assert str(info.value).startswith("x.json")


def test_unrepresentable_integer() -> None:
    with pytest.raises(InputError, match="canonical form"):
        canonicalize({"n": 2**60})


def test_envelope_leaf_is_jcs_of_whole_envelope() -> None:
    """The leaf is spliced from the unsigned JCS; it must equal JCS of the whole envelope."""
    from orechain.ledger import sample
    from orechain.ledger.canonical import canonicalize
    from orechain.ledger.envelope import open_envelope

    for body in sample.sample_envelopes():
        assert open_envelope(body).leaf == canonicalize(body)
