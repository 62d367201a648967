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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from orechain.errors import ConflictError, InputError, IntegrityError, NotFoundError
from orechain.ledger import acceptance, keys
from orechain.ledger.canonical import parse_json
from orechain.ledger.checkpoint import encode_vkey, parse_vkey
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import SignedEnvelope, open_envelope
from orechain.ledger.events import Event, format_time, parse_event
from orechain.ledger.guards import DEFAULT_POLICY, Policy
from orechain.ledger.merkle import MerkleLog, leaf_hash
from orechain.ledger.preverify import Preverifier
from orechain.ledger.store import Entry, Store, open_store
from orechain.ledger.store.base import SCHEMA_VERSION

logger = logging.getLogger(__name__)

__all__ = ["Clock", "Ledger", "Receipt", "system_clock"]


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
    event_time: str = ""
    """The time the signer wrote in the event (RFC 3339)."""
    received_at: str | None = None
    """The log's receipt time (RFC 3339), covered by the leaf hash."""

    @classmethod
    def from_entry(cls, entry: Entry) -> Receipt:
        """Receipt of a stored entry (the same on every resubmission)."""
        return cls(
            entry.event_id, entry.index, entry.leaf_hash.hex(), entry.index + 1,
            entry.root_after.hex(), entry.event_time, entry.received_at,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _stored_event(entry: Entry) -> tuple[Event, datetime]:
    """Typed event and receipt time of a committed entry (replay skips signatures)."""
    source = f"log entry {entry.index}"
    body = parse_json(entry.envelope, source=source)
    event = parse_event(body["event"], source=source)
    stamp = body.get("received_at")
    return event, datetime.fromisoformat(stamp) if isinstance(stamp, str) else event.time


Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC, to the second (receipt times are stamped at this resolution)."""
    return datetime.now(UTC).replace(microsecond=0)


TIME_POLICY_KEYS = ("max_future_s", "max_past_s")
"""Ledger metadata keys of the event-time window [s] (see :class:`Policy`)."""


def _policy_from_meta(policy: Policy, meta: dict[str, str]) -> Policy:
    """The policy with the time window recorded in the ledger's metadata, if any."""
    if all(k in meta for k in TIME_POLICY_KEYS):
        return replace(
            policy,
            max_future=timedelta(seconds=int(meta["max_future_s"])),
            max_past=timedelta(seconds=int(meta["max_past_s"])),
        )
    return policy


class Ledger:
    """A chain-of-custody ledger over one store."""

    def __init__(
        self, store: Store, policy: Policy = DEFAULT_POLICY, clock: Clock | None = None
    ) -> None:
        self.store = store
        self.meta = store.get_meta()
        if "origin" not in self.meta:
            msg = f"no ledger at {store.url}; run `orechain ledger init` first"
            raise NotFoundError(msg)
        version = int(self.meta.get("schema_version", "0") or 0)
        if version < SCHEMA_VERSION:
            msg = (
                f"the ledger at {store.url} has schema version {version}; this OreChain needs "
                f"{SCHEMA_VERSION} (receipt times, envelopes bound to one log), whose signatures "
                "older entries cannot have: create a new ledger with `orechain ledger init`"
            )
            raise ConflictError(msg)
        self.policy = _policy_from_meta(policy, self.meta)
        self.clock: Clock = clock or system_clock
        """Source of receipt times (injectable for tests and simulations)."""
        self._state: LedgerState | None = None
        self._tree: MerkleLog | None = None
        self._by_key: dict[str, int] = {}
        self._last_received: datetime | None = None

    @classmethod
    def open(cls, url: str, policy: Policy = DEFAULT_POLICY, clock: Clock | None = None) -> Ledger:
        """Open an existing ledger at ``url`` (SQLite path or ``postgresql://`` URL)."""
        return cls(open_store(url), policy, clock)

    @classmethod
    def create(
        cls,
        url: str,
        origin: str,
        log_key: keys.Ed25519PrivateKey,
        policy: Policy = DEFAULT_POLICY,
        clock: Clock | None = None,
    ) -> Ledger:
        """Create the schema and record the log ``origin``, its verifier key and time window.

        Raises
        ------
        ConflictError
            If a ledger already exists there.
        """
        store = open_store(url, create=True)
        version = store.migrate()
        if "origin" in store.get_meta():
            store.close()
            msg = f"a ledger already exists at {url}"
            raise ConflictError(msg)
        vkey = encode_vkey(origin, keys.public_bytes(log_key))
        store.set_meta({
            "origin": origin, "vkey": vkey, "schema_version": str(version),
            "max_future_s": str(int(policy.max_future.total_seconds())),
            "max_past_s": str(int(policy.max_past.total_seconds())),
        })  # fmt: skip
        return cls(store, policy, clock)

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
            self._last_received = None
        for entry in entries:
            if entry.index != self._tree.size:
                msg = f"log entry {entry.index} found where {self._tree.size} was expected"
                raise IntegrityError(msg)
            event, received = _stored_event(entry)
            acceptance.apply_event(self._state, event, self.policy, received)
            self._last_received = received
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
        self._last_received = None

    def submit(self, raw: bytes | str | dict[str, Any], *, source: str | None = None) -> Receipt:
        """Check, append and commit one signed envelope; see :meth:`submit_many`."""
        return self.submit_many([raw], sources=[source])[0]

    def submit_many(
        self,
        raws: Iterable[bytes | str | dict[str, Any]],
        *,
        sources: Iterable[str | None] | None = None,
        require_canonical: bool = False,
        replicate: bool = False,
        expect_root: bytes | None = None,
    ) -> list[Receipt]:
        """Accept a batch of envelopes atomically: all are appended or none is.

        The log stamps every new envelope with its receipt time (the clock, never
        earlier than the last receipt) and refuses envelopes signed for another
        log. Resubmitting an envelope whose idempotency key is in the log with the
        same signed bytes returns the original receipt and writes nothing. With
        ``require_canonical``, input bytes must already be RFC 8785 canonical.

        Parameters
        ----------
        replicate
            Entries of this same log (``import`` of an ``export``, the bundled
            sample): they keep the receipt time stamped in them, which must not
            go backwards nor lie ahead of the clock. Submitters cannot stamp.
        expect_root
            Root the tree must have after the batch; checked before the commit,
            so a mismatch writes nothing.

        Raises
        ------
        OreChainError
            The first rejected envelope's reason (nothing of the batch is written).
        """
        srcs = list(sources) if sources is not None else []
        items = list(raws)
        pipeline = Preverifier(self.state, len(items))
        for i, raw in enumerate(items):
            source = srcs[i] if i < len(srcs) else None
            env = open_envelope(raw, source=source, require_canonical=require_canonical)
            self._check_envelope_origin(env, source, replicate)
            pipeline.add(env)
        pipeline.close()
        try:
            with self.store.writing() as writer:
                self._sync(writer.entries(self._tree.size if self._tree else 0))
                receipts, new = self._accept_all(pipeline, replicate)
                root = self._tree.root() if self._tree else b""
                if expect_root is not None and root != expect_root:
                    msg = f"the root would be {root.hex()}, expected {expect_root.hex()}"
                    raise IntegrityError(msg)
                writer.append(new)
        except BaseException:
            self._invalidate()
            raise
        if new:
            logger.info("appended %d events; tree size %d", len(new), new[-1].index + 1)
        return receipts

    def _check_envelope_origin(
        self, env: SignedEnvelope, source: str | None, replicate: bool
    ) -> None:
        if env.log != self.origin:
            msg = (
                f"envelope of event {env.event.event_id!r} is signed for log {env.log!r}, "
                f"not this one ({self.origin!r})"
            )
            raise IntegrityError(msg)
        if env.received_at is not None and not replicate:
            msg = "received_at is stamped by the log; submit the envelope without it"
            raise InputError(msg, source=source, field="received_at")
        if env.received_at is None and replicate:
            msg = "a replicated entry must carry the log's received_at"
            raise InputError(msg, source=source, field="received_at")

    def _receipt_time(self, env: SignedEnvelope, replicate: bool) -> datetime:
        """Receipt time of the next entry: never before the previous one, never ahead."""
        now = self.clock()
        last = self._last_received
        if not replicate:
            return now if last is None or now >= last else last
        stamp = acceptance.receipt_time(env)
        if last is not None and stamp < last:
            msg = f"received_at {format_time(stamp)} goes back before {format_time(last)}"
            raise IntegrityError(msg)
        if stamp > now + self.policy.max_future:
            msg = f"received_at {format_time(stamp)} lies ahead of this log's clock"
            raise IntegrityError(msg)
        return stamp

    def _accept_all(
        self, pipeline: Preverifier, replicate: bool
    ) -> tuple[list[Receipt], list[Entry]]:
        receipts: list[Receipt] = []
        new: list[Entry] = []
        for i in range(len(pipeline.envs)):
            env = pipeline.get(i)
            known = self._duplicate(env, new, replicate)
            if known is not None:
                receipts.append(Receipt.from_entry(known))
                continue
            received = self._receipt_time(env, replicate)
            entry = self._append(env.stamped(received))
            self._last_received = received
            new.append(entry)
            receipts.append(Receipt.from_entry(entry))
        return receipts, new

    def _duplicate(
        self, env: SignedEnvelope, pending: list[Entry], replicate: bool
    ) -> Entry | None:
        index = self._by_key.get(env.idempotency_key)
        if index is None:
            return None
        first = self._tree.size - len(pending) if self._tree else 0
        known = (
            pending[index - first]
            if index >= first
            else self.store.find(idempotency_key=env.idempotency_key)
        )
        same = known is not None and (
            known.envelope == env.leaf
            if replicate
            else open_envelope(known.envelope).signed_part == env.signed_part
        )
        if not same:
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
        received = format_time(acceptance.receipt_time(env))
        return Entry(
            index, e.event_id, env.idempotency_key, e.name, e.actor, format_time(e.time),
            env.leaf, h, tree.root(), received,
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
