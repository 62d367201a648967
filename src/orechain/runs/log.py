"""The run log: a transparency log of signed run records, apart from the ledger.

It reuses the ledger's storage (:mod:`orechain.ledger.store`, SQLite), its RFC 9162
Merkle tree (:mod:`orechain.ledger.merkle`) and its C2SP checkpoints
(:mod:`orechain.ledger.checkpoint`) under an origin of its own, so a run record
can never be mistaken for a custody event. Each append signs a checkpoint over
the new tree in the same transaction. The canonical output document of each run
is kept beside the database as ``outputs/<log index>.json``.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from orechain.errors import IntegrityError, NotFoundError
from orechain.ledger import keys, merkle
from orechain.ledger.canonical import canonicalize, parse_json
from orechain.ledger.checkpoint import (
    Checkpoint,
    encode_vkey,
    parse_vkey,
    sign_checkpoint,
    verify_checkpoint,
)
from orechain.ledger.store import Entry
from orechain.ledger.store.sqlite import SqliteStore

RUNS_DIR_ENV = "ORECHAIN_RUNS_DIR"
ORIGIN_PREFIX = "orechain.local/runs"
EVENT_TYPE = "run-record"

__all__ = ["RUNS_DIR_ENV", "Inclusion", "RunLog", "default_runs_dir"]


def default_runs_dir() -> Path:
    """``ORECHAIN_RUNS_DIR``, else ``runs/`` in the user data dir."""
    env = os.environ.get(RUNS_DIR_ENV)
    return Path(env) if env else Path(platformdirs.user_data_dir("orechain")) / "runs"


@dataclass(frozen=True)
class Inclusion:
    """Outcome of checking a stored record against the log and its signed checkpoint."""

    ok: bool
    tree_size: int
    reason: str | None = None


class RunLog:
    """The run log in ``folder``: ``runs.db``, the instance key and the stored outputs.

    The first use creates the folder, a fresh Ed25519 instance key (0600 PEM) and
    the log with origin ``orechain.local/runs/<key id>``.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_runs_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.key = self._instance_key()
        self.store = SqliteStore(self.folder / "runs.db")
        self.store.migrate()
        meta = self.store.get_meta()
        if "origin" not in meta:
            origin = f"{ORIGIN_PREFIX}/{keys.key_id(keys.public_bytes(self.key))}"
            meta = {"origin": origin, "vkey": encode_vkey(origin, keys.public_bytes(self.key))}
            self.store.set_meta(meta)
        self.origin: str = meta["origin"]
        self.public_key = parse_vkey(meta["vkey"])[1]

    @classmethod
    def existing(cls, folder: Path | None = None) -> RunLog:
        """Open the run log only if one was created (reading never creates one).

        Raises
        ------
        NotFoundError
            If no run was ever recorded in ``folder``.
        """
        folder = folder or default_runs_dir()
        if not (folder / "runs.db").is_file():
            msg = "no run log yet (ORECHAIN_RUNS_DIR); record a run with --record first"
            raise NotFoundError(msg)
        return cls(folder)

    def _instance_key(self) -> keys.Ed25519PrivateKey:
        path = self.folder / "instance-key.pem"
        if not path.exists():
            keys.save_private_key(keys.generate_key(), path)
        return keys.load_private_key(path)

    def close(self) -> None:
        """Release the database."""
        self.store.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def output_path(self, index: int) -> Path:
        """Where the canonical output of the run at ``index`` is stored."""
        return self.folder / "outputs" / f"{index}.json"

    def append(self, envelope: dict[str, Any], output: bytes) -> Entry:
        """Append a signed record and store its output; sign a checkpoint over the new tree."""
        data = canonicalize(envelope)
        with self.store.writing() as writer:
            tree = merkle.MerkleLog.from_hashes(e.leaf_hash for e in writer.entries(0))
            index = tree.size
            leaf = merkle.leaf_hash(data)
            tree.append_hash(leaf)
            record = envelope["record"]
            entry = Entry(
                index, f"run-{index + 1}", f"run-{index + 1}", EVENT_TYPE, record["command"],
                record["recorded_at"], data, leaf, tree.root(), record["recorded_at"],
            )  # fmt: skip
            writer.append([entry])
            path = self.output_path(index)
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(output)
            tmp.replace(path)
            cp = Checkpoint(self.origin, tree.size, tree.root())
            writer.add_checkpoint(tree.size, sign_checkpoint(cp, self.origin, self.key))
        return entry

    def entries(self) -> list[Entry]:
        """Every stored entry, in log order."""
        return list(self.store.entries(0))

    def entry(self, index: int) -> Entry:
        """The entry at ``index``."""
        found = self.store.find(index=index)
        if found is None:
            msg = f"no run {index + 1} in the run log ({self.store.size()} runs)"
            raise NotFoundError(msg)
        return found

    def envelope(self, entry: Entry) -> dict[str, Any]:
        """The signed envelope stored at an entry."""
        doc = parse_json(entry.envelope, source=f"run log entry {entry.index}")
        if not isinstance(doc, dict) or not isinstance(doc.get("record"), dict):
            msg = f"run log entry {entry.index} does not hold a run record"
            raise IntegrityError(msg)
        return doc

    def proof(self, entry: Entry) -> dict[str, Any]:
        """Inclusion proof of the entry under the latest signed checkpoint, as plain JSON.

        ``leaf_hash`` and ``inclusion_path`` are base64 (RFC 9162 §2.1.3 order);
        the checkpoint is the signed note, verifiable with the log's ``vkey``.
        """
        size, note = self.store.checkpoints()[-1]
        hashes = [e.leaf_hash for e in self.store.entries(0)][:size]
        path = merkle.MerkleLog.from_hashes(hashes).inclusion_proof(entry.index, size)
        return {
            "leaf_index": entry.index,
            "tree_size": size,
            "leaf_hash": base64.b64encode(entry.leaf_hash).decode(),
            "inclusion_path": [base64.b64encode(h).decode() for h in path],
            "checkpoint": note,
            "vkey": self.store.get_meta()["vkey"],
        }

    def inclusion(self, entry: Entry) -> Inclusion:
        """Check the entry's bytes are leaf ``index`` under the latest signed checkpoint."""
        notes = self.store.checkpoints()
        if not notes:
            return Inclusion(False, 0, "the run log has no signed checkpoint")
        try:
            cp = verify_checkpoint(notes[-1][1], self.origin, self.public_key)
        except IntegrityError as exc:
            return Inclusion(False, 0, str(exc))
        hashes = [e.leaf_hash for e in self.store.entries(0)][: cp.tree_size]
        if entry.index >= cp.tree_size:
            return Inclusion(False, cp.tree_size, "the record is not covered by a checkpoint")
        proof = merkle.MerkleLog.from_hashes(hashes).inclusion_proof(entry.index, cp.tree_size)
        leaf = merkle.leaf_hash(entry.envelope)
        if not merkle.verify_inclusion(leaf, entry.index, cp.tree_size, proof, cp.root_hash):
            reason = "the stored record's bytes are not the leaf the signed checkpoint covers"
            return Inclusion(False, cp.tree_size, reason)
        return Inclusion(True, cp.tree_size)
