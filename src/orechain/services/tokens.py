"""API tokens: random secrets stored only as SHA-256 hashes, bound to an org and a role.

A token reads ``oc_<token id>_<secret>``. The id (12 hex digits) finds the row; the
secret (32 random bytes, URL-safe base64) is checked against its stored SHA-256
hash in constant time. A slow password hash is not needed: the secret has 256
bits of entropy, so the hash cannot be inverted by guessing. Tokens live in the
ledger's database (table ``api_tokens``), so every worker sees a revocation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from orechain.errors import InputError, NotFoundError
from orechain.settings import is_postgres_url

logger = logging.getLogger(__name__)

Role = Literal["admin", "operator", "auditor", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "operator", "auditor", "viewer")
PREFIX = "oc_"

__all__ = ["ROLES", "Role", "TokenRecord", "TokenStore", "parse_token"]

_DDL = """
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    org_id TEXT NOT NULL,
    role TEXT NOT NULL,
    label TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
)
"""


@dataclass(frozen=True)
class TokenRecord:
    """A stored token (without its secret)."""

    token_id: str
    org_id: str
    role: Role
    label: str | None
    created_at: str
    revoked_at: str | None = None


def parse_token(token: str) -> tuple[str, str]:
    """Split ``oc_<id>_<secret>`` into (id, secret).

    Raises
    ------
    InputError
        If the text is not shaped like an OreChain token.
    """
    body = token.strip().removeprefix(PREFIX)
    token_id, sep, secret = body.partition("_")
    if not token.strip().startswith(PREFIX) or not sep or len(token_id) != 12 or not secret:
        msg = "not an OreChain API token (expected oc_<id>_<secret>)"
        raise InputError(msg, field="Authorization")
    return token_id, secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class TokenStore:
    """Hashed API tokens in the ledger database (SQLite file or PostgreSQL).

    Parameters
    ----------
    url
        SQLite path or ``postgresql://`` URL.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._pg = is_postgres_url(url)
        self._conn: Any = self._connect()
        self._execute(_DDL)

    def _connect(self) -> Any:
        if self._pg:
            import psycopg

            return psycopg.connect(self.url, autocommit=True)
        path = Path(self.url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    def _execute(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self._pg:
            query = query.replace("?", "%s")
        with self._lock:
            cur = self._conn.execute(query, params)
            return list(cur.fetchall()) if cur.description else []

    def _ledger_orgs(self) -> set[str]:
        """Organisation ids registered by ``register-org`` events in this database's ledger."""
        try:
            rows = self._execute(
                "SELECT envelope FROM ledger_events WHERE event_type = 'register-org'"
            )
        except Exception:  # no ledger tables yet: no organisations
            if self._pg:
                self._conn.rollback() if not self._conn.autocommit else None
            return set()
        out: set[str] = set()
        for (envelope,) in rows:
            event = json.loads(bytes(envelope)).get("event", {})
            out.add(str(event.get("org_id")))
        return out

    def create(self, org_id: str, role: str, label: str | None = None) -> tuple[str, TokenRecord]:
        """Make a token; return its full text (shown once) and its record.

        Raises
        ------
        InputError
            If ``role`` is not one of admin, operator, auditor, viewer, ``org_id`` is
            empty, or an operator's organisation is not registered in the ledger.
        """
        if role not in ROLES:
            msg = f"role must be one of {', '.join(ROLES)}, not {role!r}"
            raise InputError(msg, field="role")
        if not org_id.strip():
            msg = "a token must be bound to an organisation"
            raise InputError(msg, field="org")
        if role == "operator" and org_id not in self._ledger_orgs():
            msg = f"no organisation {org_id!r} is registered in the ledger; operators act for one"
            raise InputError(msg, field="org")
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._execute(
            "INSERT INTO api_tokens (token_id, secret_sha256, org_id, role, label, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (token_id, _digest(secret), org_id, role, label, now),
        )
        logger.info("created %s token %s for %s", role, token_id, org_id)
        return f"{PREFIX}{token_id}_{secret}", TokenRecord(token_id, org_id, role, label, now)

    def revoke(self, token_id: str) -> TokenRecord:
        """Revoke a token by id (or by its full text).

        Raises
        ------
        NotFoundError
            If there is no such token.
        """
        if token_id.startswith(PREFIX):
            token_id = parse_token(token_id)[0]
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
            (now, token_id),
        )
        record = self.get(token_id)
        if record is None:
            msg = f"no token {token_id!r}"
            raise NotFoundError(msg)
        return record

    def get(self, token_id: str) -> TokenRecord | None:
        """The record of ``token_id``, revoked or not."""
        rows = self._execute(
            "SELECT token_id, org_id, role, label, created_at, revoked_at"
            " FROM api_tokens WHERE token_id = ?",
            (token_id,),
        )
        return TokenRecord(*rows[0]) if rows else None

    def list(self) -> list[TokenRecord]:
        """Every token record, oldest first."""
        rows = self._execute(
            "SELECT token_id, org_id, role, label, created_at, revoked_at"
            " FROM api_tokens ORDER BY created_at, token_id"
        )
        return [TokenRecord(*r) for r in rows]

    def verify(self, token: str) -> TokenRecord | None:
        """The record of a valid, unrevoked token, or None."""
        try:
            token_id, secret = parse_token(token)
        except InputError:
            return None
        rows = self._execute(
            "SELECT secret_sha256, org_id, role, label, created_at, revoked_at"
            " FROM api_tokens WHERE token_id = ?",
            (token_id,),
        )
        if not rows or rows[0][5] is not None:
            return None
        if not hmac.compare_digest(rows[0][0], _digest(secret)):
            return None
        return TokenRecord(token_id, *rows[0][1:5])

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
