"""Recorded runs: published figures bound to their inputs, data, code and output.

A run record holds canonical digests of every input, of the atlas (one per
provenance source plus the build), of the code and of the canonical output
document; it is signed by the instance's key and appended to a transparency log
of its own (same Merkle tree and checkpoints as the ledger, separate origin).
"""

from __future__ import annotations
