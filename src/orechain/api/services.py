"""The API's per-process state: the shared runtime plus what only the API needs.

:class:`Services` extends :class:`~orechain.services.runtime.Runtime` (atlas,
ledger, jobs, reports) with the token store, its short-lived cache and rate limits.
"""

from __future__ import annotations

from pathlib import Path

from orechain.api.limits import RateLimiter
from orechain.services.cache import expiring
from orechain.services.documents import dump_json
from orechain.services.runtime import Runtime
from orechain.services.tokens import TokenRecord, TokenStore
from orechain.settings import Settings

__all__ = ["TOKEN_CACHE_SECONDS", "Services", "dump_json"]

TOKEN_CACHE_SECONDS = 5.0
"""A verified token is trusted this long before its row is read again (revocation delay)."""


class Services(Runtime):
    """Everything a request handler needs, stored on ``app.state.services``."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._tokens: TokenStore | None = None
        self.verified_tokens = expiring(TOKEN_CACHE_SECONDS, maxsize=10_000)
        """Token → its verified record, for a few seconds."""
        self.limiter = RateLimiter()
        self.tiles_dir: Path | None = None
        """Where this process publishes the log's C2SP tiles (set on first use)."""
        self.tiles_refreshed = -1e9
        """``time.monotonic()`` of the last look for a newer checkpoint to publish."""

    @property
    def tokens(self) -> TokenStore:
        """The token store (opened on first use)."""
        if self._tokens is None:
            self._tokens = TokenStore(self.settings.database_url)
        return self._tokens

    def verify_token(self, token: str) -> TokenRecord | None:
        """The record of ``token``, from the short-lived cache or the store."""
        record: TokenRecord | None = self.verified_tokens.get(token)
        if record is None:
            record = self.tokens.verify(token)
            if record is None:
                self.verified_tokens.pop(token, None)
            else:
                self.verified_tokens[token] = record
        return record

    def close(self) -> None:
        """Release every handle."""
        super().close()
        if self._tokens is not None:
            tokens, self._tokens = self._tokens, None
            tokens.close()
