"""One settings object for every face: defaults, overridden by ``ORECHAIN_*`` variables.

The CLI, the service (``orechain serve`` and its workers) and the reports read one
:class:`Settings`: where the atlas and caches live, which ledger database to use,
and the service's limits. Whether a database URL is PostgreSQL is decided here
only (:func:`is_postgres_url`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

__all__ = [
    "Settings",
    "default_ledger_url",
    "is_postgres_url",
    "log_key_path_for",
]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str) -> bool:
    """Whether a ledger URL names a PostgreSQL database (else it is a SQLite file)."""
    return url.startswith(POSTGRES_SCHEMES)


def default_ledger_url() -> str:
    """SQLite ledger file of the embedded default (``ledger.db`` in the user data dir)."""
    return str(Path(platformdirs.user_data_dir("orechain")) / "ledger.db")


def log_key_path_for(url: str) -> Path:
    """Default log signing key of a ledger: next to a SQLite file, else in the user data dir."""
    if is_postgres_url(url):
        return Path(platformdirs.user_data_dir("orechain")) / "ledger-log-key.pem"
    return Path(url.removeprefix("sqlite:///") + ".log-key.pem")


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("orechain"))


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else int(value)


@dataclass(frozen=True)
class Settings:
    """Run-time settings.

    Attributes
    ----------
    cache_dir
        Where the built atlas (DuckDB file) lives. ``ORECHAIN_CACHE_DIR``.
    atlas_path
        The atlas DuckDB file. ``ORECHAIN_ATLAS`` overrides the default
        ``<cache_dir>/atlas-<version>.duckdb``.
    database_url
        Ledger database (SQLite path or ``postgresql://`` URL); default ``ledger.db``
        in the user data dir. ``ORECHAIN_DATABASE_URL``.
    log_key_path
        The ledger's log signing key (PEM); default next to a SQLite file or in the
        user data dir. ``ORECHAIN_LOG_KEY``.
    anonymous_read
        Requests without a token may read non-confidential data (atlas, risk,
        scenarios, economics, public ledger summaries). ``ORECHAIN_ANONYMOUS_READ``.
    rate_limit_per_minute
        Requests per minute per token [1/min]; 0 turns limits off. ``ORECHAIN_RATE_LIMIT``.
    anonymous_rate_limit_per_minute
        Requests per minute per client address without a token [1/min].
        ``ORECHAIN_ANONYMOUS_RATE_LIMIT``.
    max_body_bytes
        Largest accepted request body [bytes]. ``ORECHAIN_MAX_BODY_BYTES``.
    cors_origins
        Origins allowed by CORS; empty (the default) turns CORS off.
        ``ORECHAIN_CORS_ORIGINS`` (comma-separated).
    scenario_workers
        Scenario runs executed at the same time per service process (1: HiGHS
        solves are not known to be thread-safe, so runs queue).
    """

    cache_dir: Path = field(default_factory=_default_cache_dir)
    atlas_path: Path | None = None
    database_url: str = field(default_factory=default_ledger_url)
    log_key_path: Path | None = None
    anonymous_read: bool = True
    rate_limit_per_minute: int = 1200
    anonymous_rate_limit_per_minute: int = 600
    max_body_bytes: int = 1_048_576
    cors_origins: tuple[str, ...] = ()
    scenario_workers: int = 1

    @classmethod
    def from_env(cls) -> Settings:
        """Build settings from ``ORECHAIN_*`` environment variables."""
        cache = os.environ.get("ORECHAIN_CACHE_DIR")
        atlas = os.environ.get("ORECHAIN_ATLAS")
        key = os.environ.get("ORECHAIN_LOG_KEY")
        origins = os.environ.get("ORECHAIN_CORS_ORIGINS", "")
        return cls(
            cache_dir=Path(cache) if cache else _default_cache_dir(),
            atlas_path=Path(atlas) if atlas else None,
            database_url=os.environ.get("ORECHAIN_DATABASE_URL") or default_ledger_url(),
            log_key_path=Path(key) if key else None,
            anonymous_read=_flag("ORECHAIN_ANONYMOUS_READ", True),
            rate_limit_per_minute=_int("ORECHAIN_RATE_LIMIT", 1200),
            anonymous_rate_limit_per_minute=_int("ORECHAIN_ANONYMOUS_RATE_LIMIT", 600),
            max_body_bytes=_int("ORECHAIN_MAX_BODY_BYTES", 1_048_576),
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        )

    def with_database(self, url: str) -> Settings:
        """A copy using another ledger database."""
        return replace(self, database_url=url)

    @property
    def is_postgres(self) -> bool:
        """Whether the ledger lives in PostgreSQL."""
        return is_postgres_url(self.database_url)

    def resolved_atlas_path(self) -> Path:
        """The atlas file path, versioned so an upgrade rebuilds instead of reusing."""
        if self.atlas_path is not None:
            return self.atlas_path
        from orechain._version import __version__

        return self.cache_dir / f"atlas-{__version__}.duckdb"

    def resolved_log_key_path(self) -> Path:
        """Where the log signing key lives (same rule as ``orechain ledger init``)."""
        return self.log_key_path or log_key_path_for(self.database_url)

    def to_env(self) -> dict[str, str]:
        """Environment variables that reproduce these settings in a worker process."""
        env = {
            "ORECHAIN_DATABASE_URL": self.database_url,
            "ORECHAIN_ANONYMOUS_READ": "1" if self.anonymous_read else "0",
            "ORECHAIN_RATE_LIMIT": str(self.rate_limit_per_minute),
            "ORECHAIN_ANONYMOUS_RATE_LIMIT": str(self.anonymous_rate_limit_per_minute),
            "ORECHAIN_MAX_BODY_BYTES": str(self.max_body_bytes),
            "ORECHAIN_CORS_ORIGINS": ",".join(self.cors_origins),
            "ORECHAIN_CACHE_DIR": str(self.cache_dir),
        }
        if self.atlas_path is not None:
            env["ORECHAIN_ATLAS"] = str(self.atlas_path)
        if self.log_key_path is not None:
            env["ORECHAIN_LOG_KEY"] = str(self.log_key_path)
        return env
