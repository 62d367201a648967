"""The ledger service: accept signed events into storage and the transparency log.

:class:`Ledger` holds the state (a projection of the log) and the Merkle tree in
memory, both rebuilt from storage when opened. Every submission takes the store's
writer lock, first catches up with entries other processes committed, then checks
each event (:mod:`orechain.ledger.acceptance`), appends it and its leaf in the
same transaction, and commits. On any failure the transaction rolls back and the
in-memory view is dropped and rebuilt from storage on next use, so memory never
holds what the database does not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from orechain.errors import ConflictError, IntegrityError, NotFoundError
from orechain.ledger import acceptance, keys
from orechain.ledger.canonical import parse_json
from orechain.ledger.checkpoint import encode_vkey, parse_vkey
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import SignedEnvelope, open_envelope
from orechain.ledger.events import Event, format_time, parse_event
from orechain.ledger.guards import DEFAULT_POLICY, Policy
from orechain.ledger.merkle import MerkleLog, leaf_hash
from orechain.ledger.store import Entry, Store, open_store

logger = logging.getLogger(__name__)

__all__ = ["Ledger", "Receipt"]


@dataclass(frozen=True)
class Receipt:
    """What a submitter gets back: where its event sits in the log."""

    event_id: str
    leaf_index: int
    leaf_hash: str
    """Hex SHA-256 leaf hash (RFC 9162 §2.1.1)."""
    tree_size: int
    """Size of the tree right after the append."""
    root_hash: str
    """Hex root hash of that tree."""

    @classmethod
    def from_entry(cls, entry: Entry) -> Receipt:
        """Receipt of a stored entry (the same on every resubmission)."""
        return cls(
            entry.event_id, entry.index, entry.leaf_hash.hex(), entry.index + 1,
            entry.root_after.hex(),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _stored_event(entry: Entry) -> Event:
    """The typed event of a committed entry (replay skips re-canonicalising and signatures)."""
    source = f"log entry {entry.index}"
    return parse_event(parse_json(entry.envelope, source=source)["event"], source=source)


class Ledger:
    """A chain-of-custody ledger over one store."""

    def __init__(self, store: Store, policy: Policy = DEFAULT_POLICY) -> None:
        self.store = store
        self.policy = policy
        self.meta = store.get_meta()
        if "origin" not in self.meta:
            msg = f"no ledger at {store.url}; run `orechain ledger init` first"
            raise NotFoundError(msg)
        self._state: LedgerState | None = None
        self._tree: MerkleLog | None = None
        self._by_key: dict[str, int] = {}

    @classmethod
    def open(cls, url: str, policy: Policy = DEFAULT_POLICY) -> Ledger:
        """Open an existing ledger at ``url`` (SQLite path or ``postgresql://`` URL)."""
        return cls(open_store(url), policy)

    @classmethod
    def create(cls, url: str, origin: str, log_key: keys.Ed25519PrivateKey) -> Ledger:
        """Create the schema and record the log ``origin`` and its verifier key.

        Raises
        ------
        ConflictError
            If a ledger already exists there.
        """
        store = open_store(url)
        version = store.migrate()
        if "origin" in store.get_meta():
            store.close()
            msg = f"a ledger already exists at {url}"
            raise ConflictError(msg)
        vkey = encode_vkey(origin, keys.public_bytes(log_key))
        store.set_meta({"origin": origin, "vkey": vkey, "schema_version": str(version)})
        return cls(store)

    @property
    def origin(self) -> str:
        """Log origin line of checkpoints."""
        return self.meta["origin"]

    @property
    def vkey(self) -> str:
        """signed-note verifier key of the log (``name+hash+key``)."""
        return self.meta["vkey"]

    @property
    def log_public_key(self) -> bytes:
        """Raw Ed25519 public key of the log."""
        return parse_vkey(self.vkey)[1]

    def _sync(self, entries: Iterable[Entry]) -> None:
        if self._state is None or self._tree is None:
            self._state, self._tree, self._by_key = LedgerState(), MerkleLog(), {}
        for entry in entries:
            if entry.index != self._tree.size:
                msg = f"log entry {entry.index} found where {self._tree.size} was expected"
                raise IntegrityError(msg)
            acceptance.apply_event(self._state, _stored_event(entry), self.policy)
            self._tree.append_hash(entry.leaf_hash)
            self._by_key[entry.idempotency_key] = entry.index

    def refresh(self) -> None:
        """Catch up with entries committed by other processes."""
        self._sync(self.store.entries(self._tree.size if self._tree else 0))

    def _loaded(self) -> tuple[LedgerState, MerkleLog]:
        if self._state is None or self._tree is None:
            self._sync(())
        return self._state, self._tree  # type: ignore[return-value]

    @property
    def state(self) -> LedgerState:
        """The current state, caught up with storage."""
        self.refresh()
        return self._loaded()[0]

    @property
    def tree(self) -> MerkleLog:
        """The Merkle tree of all committed entries, caught up with storage."""
        self.refresh()
        return self._loaded()[1]

    def _invalidate(self) -> None:
        self._state, self._tree, self._by_key = None, None, {}

    def submit(self, raw: bytes | str | dict[str, Any], *, source: str | None = None) -> Receipt:
        """Check, append and commit one signed envelope; see :meth:`submit_many`."""
        return self.submit_many([raw], sources=[source])[0]

    def submit_many(
        self,
        raws: Iterable[bytes | str | dict[str, Any]],
        *,
        sources: Iterable[str | None] | None = None,
        require_canonical: bool = False,
    ) -> list[Receipt]:
        """Accept a batch of envelopes atomically: all are appended or none is.

        Resubmitting an envelope whose idempotency key is in the log with the same
        bytes returns the original receipt and writes nothing. With
        ``require_canonical``, input bytes must already be RFC 8785 canonical.

        Raises
        ------
        OreChainError
            The first rejected envelope's reason (nothing of the batch is written).
        """
        srcs = list(sources) if sources is not None else []
        envs = [
            open_envelope(
                raw, source=srcs[i] if i < len(srcs) else None, require_canonical=require_canonical
            )
            for i, raw in enumerate(raws)
        ]
        try:
            with self.store.writing() as writer:
                self._sync(writer.entries(self._tree.size if self._tree else 0))
                receipts, new = self._accept_all(envs)
                writer.append(new)
        except BaseException:
            self._invalidate()
            raise
        if new:
            logger.info("appended %d events; tree size %d", len(new), new[-1].index + 1)
        return receipts

    def _accept_all(self, envs: list[SignedEnvelope]) -> tuple[list[Receipt], list[Entry]]:
        receipts: list[Receipt] = []
        new: list[Entry] = []
        for env in envs:
            known = self._duplicate(env, new)
            if known is not None:
                receipts.append(Receipt.from_entry(known))
                continue
            entry = self._append(env)
            new.append(entry)
            receipts.append(Receipt.from_entry(entry))
        return receipts, new

    def _duplicate(self, env: SignedEnvelope, pending: list[Entry]) -> Entry | None:
        index = self._by_key.get(env.idempotency_key)
        if index is None:
            return None
        first = self._tree.size - len(pending) if self._tree else 0
        known = (
            pending[index - first]
            if index >= first
            else self.store.find(idempotency_key=env.idempotency_key)
        )
        if known is None or known.envelope != env.leaf:
            msg = f"idempotency key {env.idempotency_key!r} was used for a different event"
            raise ConflictError(msg)
        return known

    def _append(self, env: SignedEnvelope) -> Entry:
        state, tree = self._loaded()
        acceptance.check(state, env, self.policy)
        acceptance.apply(state, env, self.policy)
        h = leaf_hash(env.leaf)
        index = tree.append_hash(h)
        self._by_key[env.idempotency_key] = index
        e = env.event
        return Entry(
            index, e.event_id, env.idempotency_key, e.name, e.actor, format_time(e.time),
            env.leaf, h, tree.root(),
        )  # fmt: skip

    def entry(self, ref: str | int) -> Entry:
        """The log entry of an event id or a leaf index (an all-digit ``ref`` is an index).

        Raises
        ------
        NotFoundError
            If there is none.
        """
        found: Entry | None = None
        if isinstance(ref, int) or ref.isdigit():
            # Event ids are never all digits (events.EventId), so digits are an index.
            index = int(ref)
            if 0 <= index < self.store.size():
                found = self.store.find(index=index)
        else:
            found = self.store.find(event_id=ref)
        if found is None:
            msg = f"no log entry for {ref!r}"
            if isinstance(ref, int) or ref.isdigit():
                msg += f" (leaf indices run from 0 to {self.store.size() - 1})"
            raise NotFoundError(msg)
        return found

    def entries(self, start: int = 0) -> Iterator[Entry]:
        """Committed entries from ``start`` on."""
        return self.store.entries(start)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
