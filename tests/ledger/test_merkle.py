"""RFC 9162 §2.1 Merkle layer checked against every known-answer vector in tests/data/ct-vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orechain.errors import InputError
from orechain.ledger import merkle

VECTORS = json.loads(
    (Path(__file__).parents[1] / "data" / "ct-vectors" / "vectors.json").read_text()
)
TREE_A = [bytes.fromhex(h) for h in VECTORS["tree_a"]["leaf_inputs_hex"]]
TREE_B = [bytes([c]) for c in b"abcdefghijklmnop"]


def _hx(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [
        str(c.get("file") or c.get("desc") or c.get("comment") or i) for i, c in enumerate(cases)
    ]


@pytest.mark.parametrize("kat", VECTORS["hasher_kats"], ids=_ids(VECTORS["hasher_kats"]))
def test_hasher_kats(kat: dict[str, Any]) -> None:
    want = bytes.fromhex(kat["want_hex"])
    if kat["op"] == "empty_root":
        assert merkle.root([]) == want == merkle.EMPTY_ROOT
    elif kat["op"] == "leaf":
        assert merkle.leaf_hash(bytes.fromhex(kat["input_hex"])) == want
    else:
        left, right = bytes.fromhex(kat["left_hex"]), bytes.fromhex(kat["right_hex"])
        assert merkle.node_hash(left, right) == want


def test_tree_a_roots_by_size() -> None:
    roots = _hx(VECTORS["tree_a"]["root_hex_by_tree_size"])
    log = merkle.MerkleLog.from_leaves(TREE_A)
    for n, want in enumerate(roots):
        assert merkle.root(TREE_A[:n]) == want
        assert log.root(n) == want
        assert merkle.root_from_hashes(log.levels[0][:n]) == want


def test_tree_a_node_hashes() -> None:
    log = merkle.MerkleLog.from_leaves(TREE_A)
    for level, hashes in enumerate(VECTORS["tree_a"]["node_hashes_by_level"]):
        assert log.levels[level] == _hx(hashes)


@pytest.mark.parametrize("case", VECTORS["tree_a"]["inclusion_proofs"])
def test_tree_a_inclusion_reference(case: dict[str, Any]) -> None:
    n, i = case["tree_size"], case["leaf_index"]
    proof = merkle.inclusion_proof(TREE_A[:n], i)
    assert proof == _hx(case["inclusion_path_hex"])
    leaf = merkle.leaf_hash(bytes.fromhex(case["leaf_input_hex"]))
    assert leaf == bytes.fromhex(case["leaf_hash_hex"])
    assert merkle.verify_inclusion(leaf, i, n, proof, bytes.fromhex(case["root_hex"]))


@pytest.mark.parametrize("case", VECTORS["tree_a"]["consistency_proofs"])
def test_tree_a_consistency_reference(case: dict[str, Any]) -> None:
    m, n = case["size1"], case["size2"]
    proof = merkle.consistency_proof(TREE_A[:n], m)
    assert proof == _hx(case["consistency_path_hex"])
    r1, r2 = bytes.fromhex(case["root1_hex"]), bytes.fromhex(case["root2_hex"])
    assert merkle.verify_consistency(m, n, r1, r2, proof)


PROBES_I = VECTORS["tree_a_probes"]["inclusion"]
PROBES_C = VECTORS["tree_a_probes"]["consistency"]


@pytest.mark.parametrize("probe", PROBES_I, ids=_ids(PROBES_I))
def test_inclusion_probes(probe: dict[str, Any]) -> None:
    ok = merkle.verify_inclusion(
        bytes.fromhex(probe["leaf_hash_hex"]),
        probe["leaf_index"],
        probe["tree_size"],
        _hx(probe["inclusion_path_hex"]),
        bytes.fromhex(probe["root_hex"]),
    )
    assert ok is not probe["want_err"]


@pytest.mark.parametrize("probe", PROBES_C, ids=_ids(PROBES_C))
def test_consistency_probes(probe: dict[str, Any]) -> None:
    ok = merkle.verify_consistency(
        probe["size1"],
        probe["size2"],
        bytes.fromhex(probe["root1_hex"]),
        bytes.fromhex(probe["root2_hex"]),
        _hx(probe["consistency_path_hex"]),
    )
    assert ok is not probe["want_err"]


def test_probe_counts() -> None:
    assert sum(not p["want_err"] for p in PROBES_I) == 6
    assert sum(not p["want_err"] for p in PROBES_C) == 6


def test_tree_b_heads() -> None:
    log = merkle.MerkleLog()
    for head in VECTORS["tree_b_cctv"]["tree_heads"]:
        log.append(bytes.fromhex(head["leaf_input_hex"]))
        assert log.size == head["tree_size"]
        assert log.leaf_hash_at(log.size - 1) == bytes.fromhex(head["leaf_hash_hex"])
        assert log.root() == bytes.fromhex(head["root_hex"])


def _cctv_inclusion(case: dict[str, Any]) -> bool:
    return merkle.verify_inclusion(
        bytes.fromhex(case["leaf_hash_hex"]),
        case["leaf_index"],
        case["tree_size"],
        _hx(case["inclusion_path_hex"]),
        bytes.fromhex(case["root_hex"]),
    )


def _cctv_consistency(case: dict[str, Any]) -> bool:
    return merkle.verify_consistency(
        case["size1"],
        case["size2"],
        bytes.fromhex(case["root1_hex"]),
        bytes.fromhex(case["root2_hex"]),
        _hx(case["consistency_path_hex"]),
    )


def test_cctv_inclusion() -> None:
    assert all(_cctv_inclusion(c) for c in VECTORS["tree_b_cctv"]["inclusion_valid"])
    assert not any(_cctv_inclusion(c) for c in VECTORS["tree_b_cctv"]["inclusion_invalid"])


def test_cctv_consistency_under_strict_policy() -> None:
    """CCTV lists (0, 0) and (0, 1) as valid; our documented policy rejects size1 == 0."""
    for case in VECTORS["tree_b_cctv"]["consistency_valid"]:
        assert _cctv_consistency(case) is (case["size1"] > 0)
    assert not any(_cctv_consistency(c) for c in VECTORS["tree_b_cctv"]["consistency_invalid"])


@pytest.mark.parametrize(
    ("tree", "section"),
    [(TREE_A, "tree_a_all_inclusion"), (TREE_B, "tree_b_all_inclusion")],
)
def test_derived_inclusion(tree: list[bytes], section: str) -> None:
    log = merkle.MerkleLog.from_leaves(tree)
    for case in VECTORS["derived_exhaustive"][section]:
        n, i = case["tree_size"], case["leaf_index"]
        proof = log.inclusion_proof(i, n)
        assert proof == _hx(case["inclusion_path_hex"])
        assert merkle.verify_inclusion(log.leaf_hash_at(i), i, n, proof, log.root(n))


@pytest.mark.parametrize(
    ("tree", "section"),
    [(TREE_A, "tree_a_all_consistency"), (TREE_B, "tree_b_all_consistency")],
)
def test_derived_consistency(tree: list[bytes], section: str) -> None:
    log = merkle.MerkleLog.from_leaves(tree)
    for case in VECTORS["derived_exhaustive"][section]:
        m, n = case["size1"], case["size2"]
        proof = log.consistency_proof(m, n)
        assert proof == _hx(case["consistency_path_hex"])
        assert merkle.verify_consistency(m, n, log.root(m), log.root(n), proof)


def test_policy_old_size_zero_and_equal() -> None:
    log = merkle.MerkleLog.from_leaves(TREE_A)
    with pytest.raises(InputError, match="old size 0"):
        log.consistency_proof(0)
    assert log.consistency_proof(8) == []
    assert merkle.verify_consistency(8, 8, log.root(), log.root(), [])
    assert not merkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, log.root(), [])
    assert not merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])


def test_out_of_range_arguments() -> None:
    log = merkle.MerkleLog.from_leaves(TREE_A)
    with pytest.raises(InputError, match="leaf index 8"):
        log.inclusion_proof(8)
    with pytest.raises(InputError, match="tree size 9"):
        log.root(9)
    with pytest.raises(InputError):
        merkle.inclusion_proof([], 0)
