"""A ``tlog-witness``: cosigns a log's checkpoints only if they extend what it cosigned before.

The witness keeps, per log origin, the latest checkpoint it cosigned in its own
SQLite database. ``add-checkpoint`` checks, in one ``BEGIN IMMEDIATE``
transaction, the log's signature, that the request's old size equals the stored
size, and the consistency proof from the stored root to the new one; it commits
the new checkpoint (``synchronous=FULL``) *before* signing and answering. A
crash at any moment therefore leaves either the old or the new checkpoint
stored, and a cosignature is only ever returned for a stored one: the witness
can never cosign two inconsistent checkpoints, which is what makes a rolled-back
or split log detectable by anyone who checks cosignatures.

HTTP status codes follow the spec: 404 unknown origin, 403 no valid log
signature, 400 old size above the checkpoint size or a malformed body, 409 old
size is not the stored size (body: stored size, ``text/x.tlog.size``), 422 a
proof that does not verify or an empty-tree checkpoint with a wrong root.

References
----------
.. [1] C2SP tlog-witness, https://c2sp.org/tlog-witness
.. [2] C2SP tlog-cosignature, https://c2sp.org/tlog-cosignature
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import sqlite3
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from orechain.errors import InputError, IntegrityError
from orechain.ledger import keys
from orechain.ledger.checkpoint import Checkpoint, key_hash, parse_checkpoint, parse_vkey
from orechain.ledger.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from orechain.transparency.cosignature import cosign, encode_witness_vkey, note_body

logger = logging.getLogger(__name__)

__all__ = ["Witness", "WitnessError", "serve_witness"]

MAX_BODY = 64 * 1024
"""Largest add-checkpoint request accepted [bytes]."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS logs (origin TEXT PRIMARY KEY, vkey TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY, tree_size INTEGER NOT NULL, root_hash BLOB NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (
    id INTEGER PRIMARY KEY, origin TEXT NOT NULL, status INTEGER NOT NULL,
    reason TEXT NOT NULL, request TEXT NOT NULL
);
"""


@dataclass
class WitnessError(Exception):
    """A refusal with its HTTP status, body and content type."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class Witness:
    """A witness over one SQLite state file and one Ed25519 key.

    Parameters
    ----------
    db
        SQLite file with the trusted logs and the latest cosigned checkpoints.
    name
        The witness's key name (a schema-less URL), written on every cosignature.
    key
        Its private key.
    """

    def __init__(self, db: Path, name: str, key: keys.Ed25519PrivateKey) -> None:
        self.db, self.name, self.key = Path(db), name, key
        self._conn = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    @property
    def vkey(self) -> str:
        """The witness's verifier key (type 0x04) for policy files."""
        return encode_witness_vkey(self.name, keys.public_bytes(self.key))

    def trust_log(self, vkey: str) -> str:
        """Add a log (by its checkpoint verifier key); return its origin."""
        origin, _ = parse_vkey(vkey)
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO logs VALUES (?, ?)", (origin, vkey))
        return origin

    def logs(self) -> list[tuple[str, int | None]]:
        """(origin, latest cosigned size) of every trusted log."""
        rows = self._conn.execute(
            "SELECT l.origin, t.tree_size FROM logs l LEFT JOIN latest t USING (origin) "
            "ORDER BY l.origin"
        )
        return [(str(o), None if s is None else int(s)) for o, s in rows]

    def latest(self, origin: str) -> str | None:
        """The latest checkpoint cosigned for ``origin`` (log and witness signatures)."""
        row = self._conn.execute("SELECT note FROM latest WHERE origin = ?", (origin,)).fetchone()
        return None if row is None else str(row[0])

    def latest_by_hash(self, origin_hash: str) -> str | None:
        """The latest cosigned checkpoint of the log whose SHA-256(origin) hex is given."""
        for (origin,) in self._conn.execute("SELECT origin FROM latest"):
            if hashlib.sha256(str(origin).encode()).hexdigest() == origin_hash:
                return self.latest(str(origin))
        return None

    def add_checkpoint(self, body: bytes) -> str:
        """Handle one ``add-checkpoint`` request body; return the cosignature line(s).

        Raises
        ------
        WitnessError
            With the status code the spec prescribes.
        """
        old_size, proof, note = _parse_request(body)
        try:
            cp, sigs = parse_checkpoint(note)
        except IntegrityError as exc:
            raise WitnessError(400, f"malformed checkpoint: {exc}") from exc
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                line = self._check_and_store(cp.origin, cp, sigs, note, old_size, proof)
                self._conn.execute("COMMIT")
            except WitnessError as exc:
                self._conn.execute("ROLLBACK")
                if exc.status in (409, 422):
                    self._record_refusal(cp.origin, exc, body)
                raise
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return line

    def _record_refusal(self, origin: str, exc: WitnessError, body: bytes) -> None:
        """Keep refused, validly signed checkpoints: they may prove log misbehaviour."""
        self._conn.execute(
            "INSERT INTO refused (origin, status, reason, request) VALUES (?, ?, ?, ?)",
            (origin, exc.status, exc.body, body.decode("utf-8", "replace")),
        )

    def refusals(self) -> list[tuple[str, int, str]]:
        """(origin, status, reason) of every refused, validly signed checkpoint."""
        rows = self._conn.execute("SELECT origin, status, reason FROM refused ORDER BY id")
        return [(str(o), int(s), str(r)) for o, s, r in rows]

    def _check_and_store(
        self,
        origin: str,
        cp: Checkpoint,
        sigs: list[tuple[str, bytes, bytes]],
        note: str,
        old_size: int,
        proof: list[bytes],
    ) -> str:
        row = self._conn.execute("SELECT vkey FROM logs WHERE origin = ?", (origin,)).fetchone()
        if row is None:
            raise WitnessError(404, f"unknown log origin {origin!r}")
        name, public = parse_vkey(str(row[0]))
        want = key_hash(name, public)
        body = note_body(note).encode()
        good = False
        for sig_name, kid, sig in sigs:
            if sig_name == name and kid == want:
                if not keys.verify(public, body, sig):
                    raise WitnessError(403, "a signature by the log key does not verify")
                good = True
        if not good:
            raise WitnessError(403, "checkpoint carries no signature by the log's key")
        if old_size > cp.tree_size:
            raise WitnessError(400, f"old size {old_size} exceeds checkpoint size {cp.tree_size}")
        latest = self._conn.execute(
            "SELECT tree_size, root_hash FROM latest WHERE origin = ?", (origin,)
        ).fetchone()
        stored_size, stored_root = (0, EMPTY_ROOT) if latest is None else (latest[0], latest[1])
        if old_size != stored_size:
            raise WitnessError(409, f"{stored_size}\n", "text/x.tlog.size")
        if cp.tree_size == 0 and cp.root_hash != EMPTY_ROOT:
            raise WitnessError(422, "a checkpoint of size 0 must have the empty-tree root")
        if old_size == 0:
            if proof:
                raise WitnessError(422, "a consistency proof from size 0 must be empty")
        elif not verify_consistency(
            old_size, cp.tree_size, bytes(stored_root), cp.root_hash, proof
        ):
            raise WitnessError(
                422,
                f"checkpoint at size {cp.tree_size} is not consistent with the one cosigned "
                f"at size {old_size}",
            )
        line = cosign(note, self.name, self.key)
        stored_note = note_body(note) + "\n" + note.partition("\n\n")[2] + line
        self._conn.execute(
            "INSERT OR REPLACE INTO latest VALUES (?, ?, ?, ?)",
            (origin, cp.tree_size, cp.root_hash, stored_note),
        )
        return line

    def close(self) -> None:
        """Close the state database."""
        self._conn.close()


def _parse_request(body: bytes) -> tuple[int, list[bytes], str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessError(400, "request body is not UTF-8") from exc
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old "):
        raise WitnessError(400, "body must be an 'old <size>' line, proof lines, a blank line")
    size_text = lines[0][4:]
    if not size_text.isdigit() or size_text != str(int(size_text)):
        raise WitnessError(400, "old size must be a decimal with no leading zeroes")
    if len(lines) - 1 > 63:
        raise WitnessError(400, "more than 63 consistency proof lines")
    proof = []
    for item in lines[1:]:
        try:
            h = base64.b64decode(item, validate=True)
        except binascii.Error as exc:
            raise WitnessError(400, "proof line is not base64") from exc
        if len(h) != HASH_SIZE:
            raise WitnessError(400, "proof line is not a 32-byte hash")
        proof.append(h)
    return int(size_text), proof, note


def _handler(witness: Witness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: str, ctype: str = "text/plain; charset=utf-8") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # http.server API
            if self.path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
                self._send(404, "not found\n")
                return
            raw_length = self.headers.get("Content-Length") or "0"
            if not raw_length.isdigit():
                self._send(400, "Content-Length must be a decimal byte count\n")
                return
            length = int(raw_length)
            if length > MAX_BODY:
                self._send(413, "request too large\n")
                return
            body = self.rfile.read(length)
            try:
                self._send(200, witness.add_checkpoint(body))
            except WitnessError as exc:
                self._send(exc.status, exc.body if exc.body.endswith("\n") else exc.body + "\n",
                           exc.content_type)  # fmt: skip

        def do_GET(self) -> None:  # http.server API
            parts = self.path.strip("/").split("/")
            if len(parts) >= 2 and parts[-1] == "checkpoint":
                note = witness.latest_by_hash(parts[-2])
                if note is not None:
                    self._send(200, note)
                    return
            self._send(404, "no checkpoint cosigned for that log\n")

        def log_message(self, format: str, *args: object) -> None:
            logger.info("witness: " + format, *args)

    return Handler


def serve_witness(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for ``witness`` (call ``serve_forever`` on it).

    Raises
    ------
    InputError
        If the address cannot be bound.
    """
    try:
        return ThreadingHTTPServer((host, port), _handler(witness))
    except OSError as exc:
        msg = f"cannot listen on {host}:{port}: {exc.strerror}"
        raise InputError(msg, field="port") from exc
