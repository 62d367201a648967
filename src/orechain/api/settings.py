"""Service settings: defaults, overridden by ``ORECHAIN_*`` environment variables.

The service reads one :class:`ServiceSettings`. ``orechain serve`` builds it from
its options and passes it to the uvicorn workers through the environment, so that
several worker processes start the same application.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from orechain.settings import Settings

__all__ = ["ServiceSettings", "default_ledger_url"]


def default_ledger_url() -> str:
    """SQLite ledger file of the embedded default (``ledger.db`` in the user data dir)."""
    return str(Path(platformdirs.user_data_dir("orechain")) / "ledger.db")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else int(value)


@dataclass(frozen=True)
class ServiceSettings:
    """Settings of the REST API and dashboard.

    Attributes
    ----------
    core
        Atlas and cache settings shared with the CLI.
    database_url
        Ledger database (SQLite path or ``postgresql://`` URL). ``ORECHAIN_DATABASE_URL``.
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
    max_page_size
        Largest ``limit`` a paginated endpoint accepts.
    scenario_workers
        Scenario runs executed at the same time per process (1: HiGHS solves are not
        known to be thread-safe, so runs queue).
    """

    core: Settings = field(default_factory=Settings.from_env)
    database_url: str = field(default_factory=default_ledger_url)
    log_key_path: Path | None = None
    anonymous_read: bool = True
    rate_limit_per_minute: int = 1200
    anonymous_rate_limit_per_minute: int = 600
    max_body_bytes: int = 1_048_576
    cors_origins: tuple[str, ...] = ()
    max_page_size: int = 500
    scenario_workers: int = 1

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Build settings from ``ORECHAIN_*`` environment variables."""
        core = Settings.from_env()
        key = os.environ.get("ORECHAIN_LOG_KEY")
        origins = os.environ.get("ORECHAIN_CORS_ORIGINS", "")
        return cls(
            core=core,
            database_url=core.database_url or default_ledger_url(),
            log_key_path=Path(key) if key else None,
            anonymous_read=_flag("ORECHAIN_ANONYMOUS_READ", True),
            rate_limit_per_minute=_int("ORECHAIN_RATE_LIMIT", 1200),
            anonymous_rate_limit_per_minute=_int("ORECHAIN_ANONYMOUS_RATE_LIMIT", 600),
            max_body_bytes=_int("ORECHAIN_MAX_BODY_BYTES", 1_048_576),
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        )

    def with_database(self, url: str) -> ServiceSettings:
        """A copy using another ledger database."""
        return replace(self, database_url=url)

    @property
    def is_postgres(self) -> bool:
        """Whether the ledger lives in PostgreSQL."""
        return self.database_url.startswith(("postgresql://", "postgres://"))

    def resolved_log_key_path(self) -> Path:
        """Where the log signing key lives (same rule as ``orechain ledger init``)."""
        if self.log_key_path is not None:
            return self.log_key_path
        if self.is_postgres:
            return Path(platformdirs.user_data_dir("orechain")) / "ledger-log-key.pem"
        return Path(self.database_url.removeprefix("sqlite:///") + ".log-key.pem")

    def to_env(self) -> dict[str, str]:
        """Environment variables that reproduce these settings in a worker process."""
        env = {
            "ORECHAIN_DATABASE_URL": self.database_url,
            "ORECHAIN_ANONYMOUS_READ": "1" if self.anonymous_read else "0",
            "ORECHAIN_RATE_LIMIT": str(self.rate_limit_per_minute),
            "ORECHAIN_ANONYMOUS_RATE_LIMIT": str(self.anonymous_rate_limit_per_minute),
            "ORECHAIN_MAX_BODY_BYTES": str(self.max_body_bytes),
            "ORECHAIN_CORS_ORIGINS": ",".join(self.cors_origins),
            "ORECHAIN_CACHE_DIR": str(self.core.cache_dir),
        }
        if self.core.atlas_path is not None:
            env["ORECHAIN_ATLAS"] = str(self.core.atlas_path)
        if self.log_key_path is not None:
            env["ORECHAIN_LOG_KEY"] = str(self.log_key_path)
        return env
