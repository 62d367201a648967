"""A monitor: follows a tiled log, checks it only ever grows, and keeps evidence if it does not.

Each run fetches the log's checkpoint, verifies the log signature (and, with a
policy, the witness quorum), then fetches the level-0 tiles of the new leaves
and folds them onto the *compact range* it saved last time (the roots of the
perfect subtrees covering the leaves it has verified). If the folded root
equals the new checkpoint's root, the new tree extends the old one — a
consistency check that needs no proof from the log — and the state advances.
Otherwise the log forked; a smaller size than last seen is a rollback. Either
way the monitor stores both signed checkpoints as evidence (the log cannot
deny its own signatures) and fails.

With envelopes (``entries=True``: a static tree written ``--with-envelopes`` or
an auditor token), it also fetches the entry bundles, checks each entry hashes
to its tile hash, and replays every event through the ledger's acceptance
rules, so a log that accepted a bad event is caught too: each leaf is the
canonical envelope stamped with the log's ``received_at``, signed for this
log's origin; receipt times never go backwards; the event's own time lies in
the log's window around its receipt time; the signature verifies under a key
of the actor valid at the receipt time; custody and mass rules hold.

References
----------
.. [1] C2SP tlog-tiles, https://c2sp.org/tlog-tiles
.. [2] RFC 6962 §2.1 (Merkle Tree Hash).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import urllib.parse
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from orechain.errors import InputError, IntegrityError, OreChainError
from orechain.ledger.checkpoint import Checkpoint, parse_vkey, verify_checkpoint
from orechain.ledger.events import format_time
from orechain.ledger.guards import DEFAULT_POLICY, Policy
from orechain.ledger.merkle import HASH_SIZE, node_hash
from orechain.transparency.policy import TrustPolicy, verify_with_policy
from orechain.transparency.tiles import (
    CHECKPOINT_PATH,
    TILE_WIDTH,
    bundle_records,
    entries_path,
    tile_path,
    tile_root,
)

__all__ = ["Finding", "MonitorState", "TileSource", "follow", "fold_root"]


@dataclass
class MonitorState:
    """What a monitor remembers between runs (a JSON file)."""

    origin: str = ""
    size: int = 0
    root: str = ""
    """Hex root at :attr:`size`."""
    checkpoint: str = ""
    """The last verified signed checkpoint (evidence if the log later contradicts it)."""
    peaks: list[tuple[int, str]] = field(default_factory=list)
    """Compact range at :attr:`size`: (height, hex hash) of each perfect subtree, left to right."""

    @classmethod
    def load(cls, path: Path) -> MonitorState:
        """Read the state file (empty state if absent)."""
        if not path.exists():
            return cls()
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["peaks"] = [tuple(p) for p in raw.get("peaks", [])]
        return cls(**raw)

    def save(self, path: Path) -> None:
        """Write the state file atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")
        tmp.replace(path)


@dataclass(frozen=True)
class Finding:
    """Evidence of log misbehaviour: kind, explanation and the signed notes involved."""

    kind: str
    """``fork``, ``rollback``, ``bad-entry`` or ``split-view``."""
    detail: str
    previous_checkpoint: str
    checkpoint: str
    index: int | None = None


class TileSource:
    """Reads ``checkpoint`` and tiles from an ``http(s)://`` prefix or a local directory.

    Over HTTP, :meth:`get_many` keeps ``connections`` requests in flight (one
    keep-alive connection per thread): a tile is 8 KiB, so a monitor catching up
    is bound by round trips, not by hashing, and one connection at a time
    leaves both the network and the hashing idle half the time.
    """

    def __init__(self, url: str, token: str | None = None, *, connections: int = 4) -> None:
        self.url = url.rstrip("/")
        self.token = token
        parsed = urllib.parse.urlsplit(self.url)
        self._dir = Path(url) if parsed.scheme in ("", "file") else None
        if parsed.scheme == "file":
            self._dir = Path(parsed.path)
        self._parsed = parsed
        self.connections = max(1, connections)
        self._local = threading.local()
        self._opened: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = (
                http.client.HTTPSConnection
                if self._parsed.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = cls(self._parsed.netloc, timeout=30)
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def get_many(self, paths: list[str]) -> Iterator[bytes | None]:
        """:meth:`get` of each path, in order, with up to ``connections`` fetches in flight.

        At most ``4 × connections`` responses wait in memory, however long ``paths`` is.
        """
        if self._dir is not None or self.connections == 1 or len(paths) < 2:
            yield from (self.get(p) for p in paths)
            return
        window = 4 * self.connections
        with ThreadPoolExecutor(self.connections, thread_name_prefix="tiles") as pool:
            pending = deque(pool.submit(self.get, p) for p in paths[:window])
            for path in paths[window:]:
                result = pending.popleft().result()
                pending.append(pool.submit(self.get, path))
                yield result
            while pending:
                yield pending.popleft().result()

    def get(self, path: str) -> bytes | None:
        """The resource at ``<prefix>/<path>``, or None if it does not exist (404).

        Raises
        ------
        InputError
            On any other HTTP status or a network error.
        """
        if self._dir is not None:
            file = self._dir / path
            return file.read_bytes() if file.is_file() else None
        headers = {"Accept-Encoding": "identity"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request("GET", f"{self._parsed.path}/{path}", headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                if attempt:
                    msg = f"cannot fetch {self.url}/{path}: {exc}"
                    raise InputError(msg) from exc
        if resp.status == 404:
            return None
        if resp.status != 200:
            msg = f"{self.url}/{path}: HTTP {resp.status} {data[:200].decode('utf-8', 'replace')}"
            raise InputError(msg)
        return data

    def close(self) -> None:
        """Close every connection this source opened."""
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()


def _push(peaks: list[tuple[int, bytes]], height: int, h: bytes) -> None:
    """Append a perfect subtree of ``height`` to a compact range, merging equal neighbours."""
    while peaks and peaks[-1][0] == height:
        _, left = peaks.pop()
        h = node_hash(left, h)
        height += 1
    peaks.append((height, h))


def fold_root(peaks: list[tuple[int, bytes]]) -> bytes:
    """Root of the tree a compact range covers (fold right to left)."""
    if not peaks:
        return hashlib.sha256(b"").digest()
    r = peaks[-1][1]
    for _, h in reversed(peaks[:-1]):
        r = node_hash(h, r)
    return r


def _split(data: bytes, n: int) -> list[bytes]:
    if len(data) != n * HASH_SIZE:
        msg = f"tile has {len(data)} bytes, expected {n * HASH_SIZE}"
        raise IntegrityError(msg)
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def _level0(
    src: TileSource, index: int, width: int, published: int | None = None
) -> tuple[list[bytes], bool]:
    """Hashes of level-0 tile ``index``: the full tile if available, else a partial one.

    The partial is the one of width ``width``, or else (reading a prefix of a
    larger tree) the one of the ``published`` tree size, which the log must serve.
    """
    full = src.get(tile_path(0, index))
    if full is not None:
        return _split(full, TILE_WIDTH), True
    part = src.get(tile_path(0, index, width))
    if part is None and published is not None:
        width = min(TILE_WIDTH, published - index * TILE_WIDTH)
        part = src.get(tile_path(0, index, width))
    if part is None:
        msg = f"tile 0/{index} (width {width}) is missing"
        raise IntegrityError(msg)
    return _split(part, width), False


def _bundle(src: TileSource, index: int, width: int, full: bool) -> list[bytes]:
    data = src.get(entries_path(index)) if full else src.get(entries_path(index, width))
    if data is None:
        msg = f"entry bundle {index} is missing (need a tree with envelopes or an auditor token)"
        raise InputError(msg)
    return bundle_records(data)


class _Replayer:
    """Replays envelopes through the ledger's own acceptance rules, as ``audit`` does.

    ``rules`` carries the log's event-time window (its ledger metadata); a
    monitor without a copy of the ledger uses the defaults a ledger is created with.
    """

    def __init__(self, origin: str, rules: Policy = DEFAULT_POLICY) -> None:
        from orechain.ledger.domain import LedgerState

        self.state = LedgerState()
        self.origin = origin
        self.rules = rules
        self.last: datetime | None = None
        self.finding: tuple[int, str] | None = None

    def check(self, index: int, leaf: bytes) -> str | None:
        from orechain.ledger import acceptance
        from orechain.ledger.envelope import open_envelope

        try:
            env = open_envelope(leaf, source=f"entry {index}", require_canonical=True)
            if env.log != self.origin:
                msg = f"envelope is signed for log {env.log!r}, not {self.origin!r}"
                raise IntegrityError(msg)
            received = acceptance.receipt_time(env)
            if self.last is not None and received < self.last:
                msg = (
                    f"received_at {format_time(received)} goes back before {format_time(self.last)}"
                )
                raise IntegrityError(msg)
            acceptance.check(self.state, env, self.rules)
            acceptance.apply(self.state, env, self.rules)
        except OreChainError as exc:
            return str(exc)
        self.last = received
        return None


def _fold_tiles(
    src: TileSource,
    peaks: list[tuple[int, bytes]],
    start: int,
    end: int,
    replay: _Replayer | None,
    published: int | None = None,
) -> bytes:
    """Fold the level-0 tiles of leaves ``[start, end)`` onto ``peaks``; return the root.

    A full, aligned tile is folded as one height-8 subtree (255 hashes in a
    tight loop); with ``replay`` each entry is also checked against its hash and
    the ledger rules (the first failure is kept in ``replay.finding``).
    """
    size = start
    first_full, last_full = start // TILE_WIDTH, end // TILE_WIDTH  # tiles [first, last) are full
    fetched = src.get_many([tile_path(0, i) for i in range(first_full, last_full)])
    while size < end:
        index, offset = divmod(size, TILE_WIDTH)
        width = min(TILE_WIDTH, end - index * TILE_WIDTH)
        data = next(fetched) if index < last_full else None
        if data is not None:
            hashes, full = _split(data, TILE_WIDTH), True
        else:
            hashes, full = _level0(src, index, width, published)
        hashes = hashes[:width]
        if replay is not None and replay.finding is None:
            leaves = _bundle(src, index, width, full)[:width]
            for i in range(offset, width):
                at = index * TILE_WIDTH + i
                if i >= len(leaves) or hashlib.sha256(b"\x00" + leaves[i]).digest() != hashes[i]:
                    replay.finding = (at, "entry does not hash to its tile hash")
                    break
                why = replay.check(at, leaves[i])
                if why is not None:
                    replay.finding = (at, f"entry breaks the ledger rules: {why}")
                    break
        if offset == 0 and width == TILE_WIDTH:
            _push(peaks, 8, tile_root(hashes))
        else:
            for h in hashes[offset:]:
                _push(peaks, 0, h)
        size += width - offset
    return fold_root(peaks)


def _verify_note(note: str, vkey: str, policy: TrustPolicy | None) -> Checkpoint:
    name, public = parse_vkey(vkey)
    cp = verify_checkpoint(note, name, public)
    if policy is not None:
        verify_with_policy(note, policy)
    return cp


def follow(
    src: TileSource,
    state: MonitorState,
    vkey: str,
    *,
    policy: TrustPolicy | None = None,
    entries: bool = False,
    rules: Policy = DEFAULT_POLICY,
) -> tuple[MonitorState, Finding | None, int]:
    """Check the log's current checkpoint against ``state``; return the new state.

    With ``entries``, every entry from leaf 0 is replayed under the ledger
    acceptance ``rules`` (the log's event-time window; see :class:`Policy`).

    Returns
    -------
    tuple
        (new state, a finding or None, leaves verified in this run). On a
        finding the state is returned unchanged.

    Raises
    ------
    IntegrityError
        If the checkpoint's signature or witness quorum fails, or a tile is
        missing or malformed (the log is unavailable or broken, not proven lying).
    """
    raw = src.get(CHECKPOINT_PATH)
    if raw is None:
        msg = f"{src.url} serves no checkpoint"
        raise InputError(msg)
    note = raw.decode("utf-8")
    cp = _verify_note(note, vkey, policy)
    if state.origin and cp.origin != state.origin:
        msg = f"checkpoint origin {cp.origin!r} is not the followed log {state.origin!r}"
        raise IntegrityError(msg)

    def finding(kind: str, detail: str, index: int | None = None) -> Finding:
        return Finding(kind, detail, state.checkpoint, note, index)

    if cp.tree_size < state.size:
        detail = f"the log shows size {cp.tree_size} after it had signed size {state.size}"
        return state, finding("rollback", detail), 0
    if cp.tree_size == state.size and cp.root_hash.hex() != state.root and state.size:
        return state, finding("fork", f"two different roots signed for size {cp.tree_size}"), 0
    peaks: list[tuple[int, bytes]] = [(h, bytes.fromhex(x)) for h, x in state.peaks]
    if _fold_tiles(src, peaks, state.size, cp.tree_size, None) != cp.root_hash:
        detail = (
            f"the tiles of size {cp.tree_size} do not extend the tree signed at size "
            f"{state.size} (or do not match their own checkpoint)"
        )
        return state, finding("fork", detail), 0
    if entries:
        bad = _Replayer(cp.origin, rules)
        if _fold_tiles(src, [], 0, cp.tree_size, bad) != cp.root_hash:
            return state, finding("fork", "the tiles changed while being read"), 0
        if bad.finding is not None:
            at, why = bad.finding
            return state, finding("bad-entry", why, at), 0
    new = MonitorState(
        cp.origin, cp.tree_size, cp.root_hash.hex(), note, [(h, x.hex()) for h, x in peaks]
    )
    return new, None, cp.tree_size - state.size


def compare_with_witness(
    state: MonitorState,
    witness_note: str,
    vkey: str,
    policy: TrustPolicy | None = None,
    src: TileSource | None = None,
) -> Finding | None:
    """Compare the checkpoint a witness cosigned with the one this reader was shown.

    A witness cosigns one consistent history; if it holds a checkpoint of the
    same size with another root, or a larger one while the log showed this
    reader less, the reader was shown a split or rolled-back view. If the
    witness is behind, the reader's tree (from ``src``'s tiles) must have the
    witness's root at the witness's size.
    """
    wcp = _verify_note(witness_note, vkey, policy)
    if wcp.origin != state.origin:
        return None
    if 0 < wcp.tree_size < state.size and src is not None:
        mine = _fold_tiles(src, [], 0, wcp.tree_size, None, published=state.size)
        if mine != wcp.root_hash:
            detail = (
                f"a witness cosigned size {wcp.tree_size} with a root this reader's tree "
                "does not have: split view"
            )
            return Finding("split-view", detail, state.checkpoint, witness_note)
    if wcp.tree_size == state.size and wcp.root_hash.hex() != state.root:
        detail = f"a witness cosigned another root for size {wcp.tree_size}: split view"
        return Finding("split-view", detail, state.checkpoint, witness_note)
    if wcp.tree_size > state.size:
        detail = (
            f"a witness cosigned size {wcp.tree_size} but the log shows this reader size "
            f"{state.size}: stale or rolled-back view"
        )
        return Finding("rollback", detail, state.checkpoint, witness_note)
    return None


def witness_checkpoint_path(origin: str) -> str:
    """``<origin hash>/checkpoint`` under a witness's monitoring prefix."""
    return f"{hashlib.sha256(origin.encode()).hexdigest()}/checkpoint"


def finding_dict(f: Finding) -> dict[str, Any]:
    """JSON-ready evidence."""
    return asdict(f)
