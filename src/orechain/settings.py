"""One settings object: defaults, overridden by ``ORECHAIN_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("orechain"))


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
        Ledger database URL (SQLite file by default). ``ORECHAIN_DATABASE_URL``.
    """

    cache_dir: Path = field(default_factory=_default_cache_dir)
    atlas_path: Path | None = None
    database_url: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """Build settings from the environment."""
        cache = os.environ.get("ORECHAIN_CACHE_DIR")
        atlas = os.environ.get("ORECHAIN_ATLAS")
        return cls(
            cache_dir=Path(cache) if cache else _default_cache_dir(),
            atlas_path=Path(atlas) if atlas else None,
            database_url=os.environ.get("ORECHAIN_DATABASE_URL"),
        )

    def resolved_atlas_path(self) -> Path:
        """The atlas file path, versioned so an upgrade rebuilds instead of reusing."""
        if self.atlas_path is not None:
            return self.atlas_path
        from orechain import __version__

        return self.cache_dir / f"atlas-{__version__}.duckdb"
