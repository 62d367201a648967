"""Property tests: every proof verifies; a flipped bit, wrong index or wrong size fails."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from orechain.ledger import merkle


def _mth(d: list[bytes]) -> bytes:
    """Literal RFC 9162 §2.1.1 MTH, the oracle."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(d[:k]) + _mth(d[k:])).digest()


leaves_st = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True)


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    leaves = draw(leaves_st)
    return leaves, draw(st.integers(0, len(leaves) - 1))


@st.composite
def tree_and_old_size(draw: st.DrawFn) -> tuple[list[bytes], int]:
    leaves = draw(st.lists(st.binary(max_size=8), min_size=2, max_size=70, unique=True))
    return leaves, draw(st.integers(1, len(leaves) - 1))


def _shape(index: int, size: int, steps: int) -> tuple[object, ...]:
    """Branch pattern the RFC 9162 §2.1.3.2 verifier follows.

    A different tree size with the same pattern is indistinguishable by the proof
    alone; the signed checkpoint pins the size. Hence "wrong size fails" holds
    exactly when the pattern differs.
    """
    if not 0 <= index < size:
        return ("out of range",)
    fn, sn, out = index, size - 1, []
    for _ in range(steps):
        if sn == 0:
            return ("too long",)
        left = bool(fn & 1 or fn == sn)
        out.append(left)
        if left:
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        fn, sn = fn >> 1, sn >> 1
    return (*out, sn == 0)


def _flip(proof: list[bytes], which: int, bit: int) -> list[bytes]:
    out = list(proof)
    item = bytearray(out[which])
    item[bit // 8] ^= 1 << (bit % 8)
    out[which] = bytes(item)
    return out


@given(leaves_st)
def test_root_matches_literal_rfc(leaves: list[bytes]) -> None:
    assert merkle.root(leaves) == _mth(leaves)
    log = merkle.MerkleLog.from_leaves(leaves)
    assert all(log.root(n) == _mth(leaves[:n]) for n in range(len(leaves) + 1))


@settings(max_examples=200)
@given(tree_and_index(), st.integers(0, 255))
def test_inclusion_verifies_and_tampering_fails(case: tuple[list[bytes], int], bit: int) -> None:
    leaves, i = case
    n, r = len(leaves), merkle.root(leaves)
    lh = merkle.leaf_hash(leaves[i])
    proof = merkle.inclusion_proof(leaves, i)
    assert merkle.verify_inclusion(lh, i, n, proof, r)
    if proof:
        assert not merkle.verify_inclusion(lh, i, n, _flip(proof, bit % len(proof), bit), r)
    assert not merkle.verify_inclusion(_flip([lh], 0, bit)[0], i, n, proof, r)
    assert not merkle.verify_inclusion(lh, i, n, proof, _flip([r], 0, bit)[0])
    if n > 1:
        assert not merkle.verify_inclusion(lh, (i + 1) % n, n, proof, r)
    for wrong in (n - 1, n + 1, 2 * n + 1):
        ok = merkle.verify_inclusion(lh, i, wrong, proof, r)
        assert ok is (_shape(i, wrong, len(proof)) == _shape(i, n, len(proof)))


@settings(max_examples=200)
@given(tree_and_old_size(), st.integers(0, 255))
def test_consistency_verifies_and_tampering_fails(case: tuple[list[bytes], int], bit: int) -> None:
    leaves, m = case
    n = len(leaves)
    r1, r2 = merkle.root(leaves[:m]), merkle.root(leaves)
    proof = merkle.consistency_proof(leaves, m)
    assert merkle.verify_consistency(m, n, r1, r2, proof)
    assert not merkle.verify_consistency(m, n, r1, r2, _flip(proof, bit % len(proof), bit))
    assert not merkle.verify_consistency(m, n, _flip([r1], 0, bit)[0], r2, proof)
    assert not merkle.verify_consistency(m, n, r1, _flip([r2], 0, bit)[0], proof)
    assert not merkle.verify_consistency(m, 2 * n + 1, r1, r2, proof)
    assert not merkle.verify_consistency(m, n, r1, r2, proof[:-1])


@given(tree_and_index())
def test_incremental_log_matches_batch(case: tuple[list[bytes], int]) -> None:
    leaves, i = case
    log = merkle.MerkleLog()
    for n, data in enumerate(leaves, start=1):
        log.append(data)
        if n > i:
            assert log.inclusion_proof(i) == merkle.inclusion_proof(leaves[:n], i)
