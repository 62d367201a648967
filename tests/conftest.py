"""Shared fixtures: one atlas built from the bundled data per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orechain.atlas.store import Atlas, build_atlas, create_tables, open_atlas
from orechain.settings import Settings


@pytest.fixture(scope="session")
def atlas_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of an atlas built once from the bundled files for the whole session."""
    path = tmp_path_factory.mktemp("atlas") / "atlas.duckdb"
    build_atlas(path)
    return path


@pytest.fixture(scope="session")
def atlas(atlas_path: Path) -> Iterator[Atlas]:
    """A read-only handle on the session atlas."""
    handle = open_atlas(Settings(atlas_path=atlas_path), read_only=True)
    yield handle
    handle.close()


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty in-memory DuckDB with every atlas table created, for loader tests."""
    connection = duckdb.connect()
    create_tables(connection)
    yield connection
    connection.close()


@pytest.fixture
def atlas_env(atlas_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI (ORECHAIN_ATLAS) at the session atlas."""
    monkeypatch.setenv("ORECHAIN_ATLAS", str(atlas_path))
    return atlas_path


def pytest_configure(config: pytest.Config) -> None:
    """Keep tests away from the user's cache directory."""
    if "ORECHAIN_CACHE_DIR" not in os.environ:
        os.environ["ORECHAIN_CACHE_DIR"] = str(Path(config.rootpath) / ".pytest_cache" / "orechain")
