"""Fixtures of the input fuzz suite: a private copy of the session atlas."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_helpers import ApiClient


@pytest.fixture
def atlas_copy(atlas_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the session atlas, used by the CLI (``ORECHAIN_ATLAS``)."""
    copy = tmp_path / "atlas.duckdb"
    shutil.copyfile(atlas_path, copy)
    monkeypatch.setenv("ORECHAIN_ATLAS", str(copy))
    return copy


@pytest.fixture(scope="session")
def fuzz_app(atlas_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One API app over the session atlas and a fresh sample ledger, no rate limits."""
    from orechain.server import create_app
    from orechain.services.ledger import ensure_ledger
    from orechain.settings import Settings

    folder = tmp_path_factory.mktemp("fuzz-api")
    settings = Settings(
        cache_dir=folder / "cache",
        atlas_path=atlas_path,
        database_url=str(folder / "ledger.db"),
        rate_limit_per_minute=0,
        anonymous_rate_limit_per_minute=0,
        max_body_bytes=100_000,
    )
    ensure_ledger(settings)
    app = create_app(settings)
    app.state.fuzz_ledger = folder / "ledger.db"
    return app


@pytest.fixture(scope="session")
def api(fuzz_app: Any) -> Iterator[ApiClient]:
    """A client that returns 500 responses instead of raising the server's exception."""
    with ApiClient(fuzz_app) as client:
        yield client
