"""RFC 6962 known answers computed independently of ``tests/data/ct-vectors/vectors.json``.

Three sources, none of them the transparency-dev / Trillian / CT C++ lineage that
``vectors.json`` comes from:

1. Roots published by the Tendermint/CometBFT Merkle tree, an independent code
   base that uses RFC 6962 hashing and split points (values copied as data):
   ``cometbft/cometbft`` ``crypto/merkle/tree_test.go`` (TestHashFromByteSlices,
   commit cd9263ced10ef214c1bd17ce23205eb54293c752, Apache-2.0), and
   ``informalsystems/tendermint-rs`` ``tendermint/src/merkle.rs``
   (test_rfc6962_tree_of_2, commit 6cc391c80ae988615508bd87285571ba130b604c,
   Apache-2.0). They cover roots only (sizes 0, 1, 2, 5), not proofs.
2. A literal transcription, in this file, of the RFC 6962 §2.1 definitions
   (MTH, PATH, PROOF/SUBPROOF), with no shared code: every root, audit path and
   consistency proof for all trees of up to 40 leaves is compared.
3. pymerkle 7.0.0 (PyPI), a third-party implementation: roots and audit paths of
   a 300-leaf tree (its inclusion path starts with the leaf hash itself).
"""

from __future__ import annotations

import hashlib

import pytest
from pymerkle import InmemoryTree

from orechain.ledger import merkle

PUBLISHED_ROOTS = [
    ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ([b""], "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    ([bytes([1, 2, 3])], "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8"),
    (
        [bytes([1, 2, 3]), bytes([4, 5, 6])],
        "82e6cfce00453804379b53962939eaa7906b39904be0813fcadd31b100773c4b",
    ),
    (
        [bytes([1, 2]), bytes([3, 4]), bytes([5, 6]), bytes([7, 8]), bytes([9, 10])],
        "f326493eceab4f2d9ffbc78c59432a0a005d6ea98392045c74df5d14a113be18",
    ),
    ([b"N123", b"N456"], "dc9a0536ff2e196d5a628a5bf377ab247bbddf83342be39699461c1e766e6646"),
]


@pytest.mark.parametrize(("leaves", "want"), PUBLISHED_ROOTS)
def test_published_tendermint_roots(leaves: list[bytes], want: str) -> None:
    assert merkle.root(leaves).hex() == want
    assert merkle.MerkleLog.from_leaves(leaves).root().hex() == want


# --- RFC 6962 §2.1, transcribed literally (the oracle) ---------------------------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    """MTH({}) = SHA-256(); MTH({d0}) = SHA-256(0x00 || d0); else split at k."""
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = _k(n)
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1."""
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


LEAVES = [f"leaf {i}".encode() for i in range(40)]


def test_roots_paths_and_proofs_match_rfc_text() -> None:
    log = merkle.MerkleLog.from_leaves(LEAVES)
    for n in range(1, len(LEAVES) + 1):
        d = LEAVES[:n]
        assert log.root(n) == mth(d)
        for m in range(n):
            assert log.inclusion_proof(m, n) == path(m, d)
        for m in range(1, n):
            assert log.consistency_proof(m, n) == subproof(m, d, True)
            assert merkle.verify_consistency(m, n, mth(d[:m]), mth(d), subproof(m, d, True))


def test_against_pymerkle() -> None:
    leaves = [f"entry {i}".encode() for i in range(300)]
    peer = InmemoryTree(algorithm="sha256")
    for data in leaves:
        peer.append_entry(data)
    log = merkle.MerkleLog.from_leaves(leaves)
    for n in (1, 2, 3, 7, 64, 65, 127, 200, 300):
        assert log.root(n) == peer.get_root(n)
        for m in (0, n // 3, n - 1):
            theirs = [bytes.fromhex(h) for h in peer.prove_inclusion(m + 1, n).serialize()["path"]]
            assert [log.leaf_hash_at(m), *log.inclusion_proof(m, n)] == theirs


def test_extend_equals_append() -> None:
    one, bulk = merkle.MerkleLog(), merkle.MerkleLog()
    for data in LEAVES:
        one.append(data)
    bulk.extend(LEAVES[:13])
    assert bulk.extend(LEAVES[13:]) == len(LEAVES)
    assert bulk.levels == one.levels
    assert bulk.root() == mth(LEAVES)
