"""Canonical digests and signed records (orechain.runs.record)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orechain.atlas.sources import data_dir
from orechain.ledger import keys
from orechain.runs import record as rec


def test_canonical_document_sorts_keys_and_rounds_floats():
    a = rec.canonical_document({"b": np.float64(0.1) + 0.2, "a": [np.int64(2), 2.0, None]})
    assert a == b'{"a":[2,2,null],"b":0.3}'
    assert rec.canonical_document({"x": float("nan")}) == b'{"x":null}'


def test_a_change_beyond_the_kept_digits_changes_the_digest():
    base = rec.digest(rec.canonical_document({"npv": 123456.789012}))
    assert rec.digest(rec.canonical_document({"npv": 123456.789012 + 1e-9})) == base
    assert rec.digest(rec.canonical_document({"npv": 123456.789013})) != base


@given(st.dictionaries(st.text(max_size=5), st.floats(allow_nan=False, allow_infinity=False)))
def test_key_order_never_changes_the_digest(doc):
    reordered = dict(reversed(list(doc.items())))
    assert rec.canonical_document(doc) == rec.canonical_document(reordered)


def test_input_digests_name_each_input():
    one = rec.input_digests({"seed": 1, "draws": 10})
    two = rec.input_digests({"seed": 2, "draws": 10})
    assert one.keys() == {"draws", "seed"}
    assert one["draws"] == two["draws"]
    assert one["seed"] != two["seed"]


def test_signature_fails_on_any_edit_of_the_record():
    key = keys.demo_key("runs-test")
    env = rec.sign_record({"command": "risk", "inputs": {"year": 2024}}, key)
    public = keys.public_bytes(key)
    assert rec.signature_valid(env, public)
    env["record"]["inputs"]["year"] = 2023
    assert not rec.signature_valid(env, public)
    assert not rec.signature_valid({"record": {}, "signature": "not base64!"}, public)


def test_one_flipped_byte_in_a_bundled_file_changes_only_its_source(tmp_path: Path):
    root = tmp_path / "data"
    shutil.copytree(data_dir(), root)
    before = rec.source_digests(root=root)
    target = root / "usgs_mcs2024"
    victim = next(p for p in sorted(target.rglob("*")) if p.is_file())
    data = bytearray(victim.read_bytes())
    data[0] ^= 0x01
    victim.write_bytes(bytes(data))
    after = rec.source_digests(root=root)
    changed = [sid for sid in before if before[sid] != after[sid]]
    assert changed == ["usgs-mcs-2024"]


def test_build_digest_changes_with_one_row(atlas_path: Path, tmp_path: Path):
    from orechain.atlas.store import open_atlas
    from orechain.settings import Settings

    copy = tmp_path / "atlas.duckdb"
    shutil.copy(atlas_path, copy)
    with open_atlas(Settings(atlas_path=copy)) as atlas:
        before = rec.atlas_build_digest(atlas)
        assert rec.atlas_build_digest(atlas) == before
        atlas.con.execute("UPDATE production SET value = value + 1 WHERE rowid = 0")
        assert rec.atlas_build_digest(atlas) != before


def test_environment_names_version_code_and_platform():
    env = rec.environment()
    assert env["code_digest"].startswith("sha256:")
    assert env["code_digest"] == rec.code_digest()
    assert set(env["platform"]) == {"python", "system", "machine"}


@pytest.mark.parametrize("value", [270_000.0, 45_000.0, 1.5, 0.0])
def test_digest_is_sha256_hex(value):
    assert len(rec.digest(rec.canonical_document(value))) == len("sha256:") + 64


SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(JSON_VALUES, st.data())
def test_any_flipped_byte_of_a_signed_record_fails(inputs, data):
    """Signed over RFC 8785 bytes: editing the record anywhere breaks the signature."""
    from orechain.ledger.canonical import canonicalize, parse_json

    key = keys.demo_key("runs-props")
    env = rec.sign_record({"command": "risk", "inputs": {"x": inputs}}, key)
    raw = bytearray(canonicalize(env["record"]))
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= data.draw(st.integers(1, 255))
    try:
        edited = parse_json(bytes(raw))
    except ValueError:  # the flip broke the JSON (or its UTF-8): the parser refuses it
        return
    if edited == env["record"]:  # e.g. a flip that JSON reads as the same value
        return
    assert not rec.signature_valid({**env, "record": edited}, keys.public_bytes(key))
