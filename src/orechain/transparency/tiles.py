"""The log as C2SP ``tlog-tiles``: static, immutable, cacheable files any web server can serve.

A tile at level ``L`` and index ``N`` holds 256 consecutive Merkle Tree Hashes:
at level 0 leaf hashes, above that the root of each *full* tile of the level
below. Entry bundles hold the leaves themselves as big-endian uint16
length-prefixed records. A tree of any size is described by its full tiles plus
one *partial* tile per level (``.p/<W>``, ``W`` = 1..255 hashes).

:class:`TileWriter` is incremental: it keeps the right edge of the tree (the
partial row of each level) on disk as the partial tiles of the last size it
wrote, so catching up after ``k`` new leaves costs O(k) hashes and writes only
the tiles those leaves touch, never a recomputation of the whole log. Every file
is written to a temporary name and renamed, and the state file last, so a crash
leaves either the old or the new tree, never a half-written tile.

Confidential envelopes never enter public bundles: ``tile/entries/…`` (the
spec's bundles, whose records hash to the level-0 tiles) carry full envelopes
and are served only to readers allowed to see envelopes; ``tile/public-entries/…``
is the same bundle layout with a public-safe record per leaf (index, leaf hash,
event id, type and time), which tlog-tiles allows as a "different format at a
different URL".

References
----------
.. [1] C2SP tlog-tiles, https://c2sp.org/tlog-tiles
.. [2] RFC 6962 §2.1 / RFC 9162 §2.1 (Merkle Tree Hash).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orechain.errors import InputError, IntegrityError
from orechain.ledger.merkle import EMPTY_ROOT, HASH_SIZE, node_hash, root_from_hashes
from orechain.ledger.store import Entry, Store

__all__ = [
    "CHECKPOINT_PATH",
    "TILE_RE",
    "TILE_WIDTH",
    "ParsedTilePath",
    "TileWriter",
    "bundle_records",
    "encode_index",
    "entries_path",
    "pack_bundle",
    "parse_tile_path",
    "public_record",
    "tile_path",
    "tile_root",
    "tree_root_from_rows",
]

TILE_WIDTH = 256
"""Hashes in a full tile, and leaves in a full entry bundle (tlog-tiles)."""

TILE_HEIGHT = 8
"""Tree levels one tile spans: log2(256)."""

CHECKPOINT_PATH = "checkpoint"
STATE_FILE = "orechain-tiles.json"
"""Writer state: origin, size and root of the last complete write (not part of the spec)."""

MAX_RECORD = 0xFFFF
"""Largest entry a uint16 length prefix can carry [bytes]."""

_INDEX_RE = r"(?:x\d{3}/)*\d{3}"
TILE_RE = re.compile(
    rf"^tile/(?:(?P<level>0|[1-9]\d?)|(?P<kind>entries|public-entries))/(?P<index>{_INDEX_RE})"
    r"(?:\.p/(?P<width>[1-9]\d{0,2}))?$"
)


def encode_index(n: int) -> str:
    """Tile index as zero-padded 3-digit path elements, all but the last prefixed ``x``.

    Examples
    --------
    >>> encode_index(1234067)
    'x001/x234/067'
    >>> encode_index(5)
    '005'
    """
    if n < 0:
        msg = f"tile index {n} is negative"
        raise InputError(msg, field="index")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def _suffix(width: int | None) -> str:
    return "" if width is None or width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int | None = None) -> str:
    """``tile/<L>/<N>[.p/<W>]`` relative to the log prefix."""
    return f"tile/{level}/{encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int | None = None, *, public: bool = False) -> str:
    """``tile/entries/<N>[.p/<W>]`` (or the public-safe ``tile/public-entries/…``)."""
    kind = "public-entries" if public else "entries"
    return f"tile/{kind}/{encode_index(index)}{_suffix(width)}"


@dataclass(frozen=True)
class ParsedTilePath:
    """What a tile URL names."""

    kind: str
    """``hash``, ``entries`` or ``public-entries``."""
    level: int
    index: int
    width: int
    """256 for a full tile."""

    @property
    def partial(self) -> bool:
        """True for a ``.p/<W>`` tile."""
        return self.width != TILE_WIDTH


def parse_tile_path(path: str) -> ParsedTilePath:
    """Parse a tile path, refusing anything the spec does not allow (levels 0–63, W 1–255).

    Raises
    ------
    InputError
        If ``path`` is not a well-formed tile or entry-bundle path.
    """
    m = TILE_RE.match(path)
    width = int(m["width"]) if m and m["width"] else TILE_WIDTH
    level = int(m["level"]) if m and m["level"] else 0
    if m is None or level > 63 or width > 255 and m["width"]:
        msg = f"{path!r} is not a tlog-tiles path (tile/<L>/<N>[.p/<W>] or tile/entries/<N>…)"
        raise InputError(msg, field="path")
    index = int("".join(p.lstrip("x") for p in m["index"].split("/")))
    if encode_index(index) != m["index"]:
        msg = f"{path!r}: tile index is not in canonical x001/234 form"
        raise InputError(msg, field="path")
    return ParsedTilePath(m["kind"] or "hash", level, index, width)


def pack_bundle(records: Iterable[bytes]) -> bytes:
    """An entry bundle: each record prefixed by its length as a big-endian uint16."""
    out = bytearray()
    for rec in records:
        if len(rec) > MAX_RECORD:
            msg = f"log entry of {len(rec)} bytes exceeds the {MAX_RECORD}-byte bundle limit"
            raise IntegrityError(msg)
        out += len(rec).to_bytes(2, "big") + rec
    return bytes(out)


def bundle_records(data: bytes) -> list[bytes]:
    """Split an entry bundle into its records.

    Raises
    ------
    IntegrityError
        If a length prefix runs past the end of the bundle.
    """
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            msg = "entry bundle ends inside a length prefix"
            raise IntegrityError(msg)
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            msg = f"entry bundle record at byte {i} runs past the end"
            raise IntegrityError(msg)
        out.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return out


def public_record(entry: Entry) -> bytes:
    """The public-safe record of a leaf: its hash and the event's public identity.

    Event ids, types and times are public (lot summaries list them), and so is
    the log's own receipt time ``received_at``, which the leaf hash covers and
    against which key validity and the event-time window are judged; actor,
    masses, sites and the signed envelope are not.
    """
    rec: dict[str, Any] = {
        "event_id": entry.event_id,
        "event_time": entry.event_time,
        "event_type": entry.event_type,
        "index": entry.index,
        "leaf_hash": base64.b64encode(entry.leaf_hash).decode(),
    }
    if entry.received_at is not None:
        rec["received_at"] = entry.received_at
    return json.dumps(rec, sort_keys=True, separators=(",", ":")).encode()


def leaf_data(entry: Entry) -> bytes:
    """The bytes a log leaf hashes: the RFC 8785 envelope as the log stamped it.

    That is the signer's envelope plus the log's ``received_at`` (the stored
    ``envelope`` column is exactly those bytes), so an entry bundle record
    hashes to its tile hash and replays with its receipt time.

    Raises
    ------
    IntegrityError
        If the stored envelope lacks the receipt time its row records, or
        carries another one (a row edited after acceptance).
    """
    data = entry.envelope
    if entry.received_at is not None:
        stamp = b'"received_at":' + json.dumps(entry.received_at).encode()
        if stamp not in data:
            msg = f"log entry {entry.index} does not carry its receipt time {entry.received_at}"
            raise IntegrityError(msg)
    return data


def tile_root(row: list[bytes]) -> bytes:
    """MTH of a full tile's 256 hashes (a perfect subtree): 255 node hashes, inlined."""
    sha, one = hashlib.sha256, b"\x01"
    level = row
    while len(level) > 1:
        it = iter(level)
        level = [sha(one + a + b).digest() for a, b in zip(it, it, strict=True)]
    return level[0]


def _peaks(row: list[bytes]) -> list[bytes]:
    """Perfect-subtree roots of a row of equal-height hashes, left to right (one per set bit)."""
    peaks, start, n = [], 0, len(row)
    for h in range(n.bit_length() - 1, -1, -1):
        if n >> h & 1:
            peaks.append(root_from_hashes(row[start : start + (1 << h)]))
            start += 1 << h
    return peaks


def tree_root_from_rows(rows: list[list[bytes]]) -> bytes:
    """Root hash of the tree whose right edge is ``rows`` (partial row per level, level 0 first).

    The leaves split into perfect subtrees per set bit of the size; those of
    level ``l``'s partial row sit below those of level ``l+1``, so folding all
    peaks right to left gives the RFC 6962 Merkle Tree Hash.
    """
    peaks: list[bytes] = []
    for row in reversed(rows):
        peaks.extend(_peaks(row))
    if not peaks:
        return EMPTY_ROOT
    r = peaks.pop()
    while peaks:
        r = node_hash(peaks.pop(), r)
    return r


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary name and rename: readers see the old file or the new one."""
    tmp = f"{path.parent}/.{path.name}.{os.getpid()}.tmp"
    try:
        fh = open(tmp, "wb")  # noqa: PTH123, SIM115 - hot path: no Path object per tile
    except FileNotFoundError:  # first file of a new directory
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(tmp, "wb")  # noqa: PTH123, SIM115
    with fh:
        fh.write(data)
    os.replace(tmp, path)  # noqa: PTH105


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Exclusive lock on the tile directory: several server workers may catch up at once."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class TileWriter:
    """Writes and extends the tile tree of one log under ``root``.

    Parameters
    ----------
    root
        Directory that becomes the log prefix (``checkpoint``, ``tile/…``).
    envelopes
        Also write ``tile/entries/…`` with the full leaves (confidential envelopes;
        only for a tree served to readers allowed to see them).
    public_entries
        Write ``tile/public-entries/…`` with public-safe records.
    """

    def __init__(
        self, root: Path, *, envelopes: bool | None = None, public_entries: bool | None = None
    ) -> None:
        self.root = Path(root)
        state = self._read_state()
        kept = state.get("envelopes")
        if kept is not None and envelopes is not None and kept != envelopes:
            have = "with" if kept else "without"
            msg = (
                f"tiles under {self.root} were written {have} envelope bundles; use a new directory"
            )
            raise InputError(msg, field="envelopes")
        self.envelopes = bool(kept if kept is not None else envelopes is not False)
        kept_public = state.get("public_entries")
        self.public_entries = bool(
            kept_public if kept_public is not None else public_entries is not False
        )
        self.origin: str | None = state.get("origin")
        self.size = int(state.get("size", 0))
        self.rows: list[list[bytes]] = [[]]
        self.leaves: list[bytes] = []
        self.public: list[bytes] = []
        if self.size:
            self._load_edge()

    def _read_state(self) -> dict[str, Any]:
        path = self.root / STATE_FILE
        if not path.exists():
            return {}
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return state

    def _load_edge(self) -> None:
        """Rebuild the right edge from the partial tiles written at :attr:`size`."""
        s, level, rows = self.size, 0, []
        while s >> (TILE_HEIGHT * level):
            width = (s >> (TILE_HEIGHT * level)) % TILE_WIDTH
            index = s >> (TILE_HEIGHT * (level + 1))
            data = (self.root / tile_path(level, index, width)).read_bytes() if width else b""
            rows.append([data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])
            level += 1
        self.rows = rows or [[]]
        width, index = s % TILE_WIDTH, s // TILE_WIDTH
        if width and self.envelopes:
            self.leaves = bundle_records((self.root / entries_path(index, width)).read_bytes())
        if width and self.public_entries:
            path = self.root / entries_path(index, width, public=True)
            self.public = bundle_records(path.read_bytes())
        if self.root_hash() != bytes.fromhex(self._read_state()["root"]):
            msg = f"tiles under {self.root} do not match their state file; delete and rewrite"
            raise IntegrityError(msg)

    def root_hash(self) -> bytes:
        """Root of the tree the tiles describe."""
        return tree_root_from_rows(self.rows)

    def _full(self, level: int, row: list[bytes]) -> None:
        """Write a completed tile of ``level`` and push its hash one level up."""
        index = (self.size >> (TILE_HEIGHT * (level + 1))) - 1
        _atomic_write(self.root / tile_path(level, index), b"".join(row))
        if level + 1 == len(self.rows):
            self.rows.append([])
        up = self.rows[level + 1]
        up.append(tile_root(row))
        if len(up) == TILE_WIDTH:
            self.rows[level + 1] = []
            self._full(level + 1, up)

    def append(
        self, leaf_hash: bytes, leaf: bytes | None = None, public: bytes | None = None
    ) -> None:
        """Add one leaf (its hash; its data and public record when those bundles are kept)."""
        row = self.rows[0]
        row.append(leaf_hash)
        if self.envelopes:
            self.leaves.append(leaf if leaf is not None else b"")
        if self.public_entries:
            self.public.append(public if public is not None else b"")
        self.size += 1
        if len(row) == TILE_WIDTH:
            index = self.size // TILE_WIDTH - 1
            if self.envelopes:
                _atomic_write(self.root / entries_path(index), pack_bundle(self.leaves))
                self.leaves = []
            if self.public_entries:
                _atomic_write(
                    self.root / entries_path(index, public=True), pack_bundle(self.public)
                )
                self.public = []
            self.rows[0] = []
            self._full(0, row)

    def write_partials(self) -> None:
        """Write the partial tiles (and bundles) of the current size."""
        s = self.size
        for level, row in enumerate(self.rows):
            if row:
                index = s >> (TILE_HEIGHT * (level + 1))
                _atomic_write(self.root / tile_path(level, index, len(row)), b"".join(row))
        width, index = s % TILE_WIDTH, s // TILE_WIDTH
        if width and self.envelopes:
            _atomic_write(self.root / entries_path(index, width), pack_bundle(self.leaves))
        if width and self.public_entries:
            data = pack_bundle(self.public)
            _atomic_write(self.root / entries_path(index, width, public=True), data)

    def commit(self) -> None:
        """Write the partial tiles, then the state file: the new size becomes durable."""
        self.write_partials()
        state = {
            "origin": self.origin,
            "size": self.size,
            "root": self.root_hash().hex(),
            "envelopes": self.envelopes,
            "public_entries": self.public_entries,
        }
        _atomic_write(self.root / STATE_FILE, json.dumps(state).encode())

    def extend_hashes(self, hashes: Iterable[bytes], *, checkpoints: Iterable[int] = ()) -> int:
        """Append leaf hashes only (no bundles); write partials at each size in ``checkpoints``."""
        if self.envelopes or self.public_entries:
            msg = "extend_hashes is for trees without entry bundles"
            raise InputError(msg)
        items = hashes if isinstance(hashes, list) else list(hashes)
        stops = sorted({m - self.size for m in checkpoints if 0 < m - self.size < len(items)})
        i = 0
        for stop in [*stops, len(items)]:
            while i < stop:  # fill level 0 a tile at a time: slices, not per-leaf calls
                row = self.rows[0]
                take = items[i : min(stop, i + TILE_WIDTH - len(row))]
                row.extend(take)
                self.size += len(take)
                i += len(take)
                if len(row) == TILE_WIDTH:
                    self.rows[0] = []
                    self._full(0, row)
            if stop < len(items):
                self.write_partials()
        self.commit()
        return self.size

    def catch_up(self, store: Store, upto: int | None = None) -> int:
        """Tile every committed entry of ``store`` (up to ``upto``); return the tiled size.

        Partial tiles are written at every stored checkpoint size passed on the
        way (tlog-tiles requires them) and at the final size.

        Raises
        ------
        IntegrityError
            If the store is another log, holds fewer entries than already tiled
            (a restored backup: a rollback) or its entry at the tiled size no
            longer has the root the tiles commit to (a rewritten log), or a
            stored leaf does not hash to its recorded leaf hash.
        """
        with _locked(self.root):
            fresh = TileWriter(
                self.root, envelopes=self.envelopes, public_entries=self.public_entries
            )
            self.__dict__.update(fresh.__dict__)
            origin = store.get_meta().get("origin")
            if self.origin is not None and origin != self.origin:
                msg = f"tiles under {self.root} belong to log {self.origin!r}, not {origin!r}"
                raise IntegrityError(msg)
            self.origin = origin
            have = store.size()
            target = have if upto is None else min(upto, have)
            if have < self.size:
                msg = (
                    f"the log has {have} entries but {self.size} are already published as tiles: "
                    "it was rolled back (restored from a backup?)"
                )
                raise IntegrityError(msg)
            if self.size:
                last = store.find(index=self.size - 1)
                if last is None or last.root_after != self.root_hash():
                    msg = (
                        f"the log's root at size {self.size} differs from the published tiles: "
                        "the log was rewritten or forked"
                    )
                    raise IntegrityError(msg)
            if target <= self.size:
                return self.size
            marks = {s for s, _ in store.checkpoints() if self.size < s < target}
            for entry in store.entries(self.size):
                if entry.index >= target:
                    break
                data = leaf_data(entry)
                if hashlib.sha256(b"\x00" + data).digest() != entry.leaf_hash:
                    msg = f"log entry {entry.index} does not hash to its stored leaf hash"
                    raise IntegrityError(msg)
                self.append(entry.leaf_hash, data, public_record(entry))
                if self.size in marks:
                    self.write_partials()
            if self.size != target:
                msg = f"the store returned {self.size} entries, expected {target}"
                raise IntegrityError(msg)
            self.commit()
            return self.size
