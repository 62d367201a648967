"""Shared fixtures: one atlas built from the bundled data per test session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from orechain.atlas.store import Atlas, build_atlas, create_tables, open_atlas
from orechain.settings import Settings

# Property tests are deterministic (same examples on every run and machine) and
# have no per-example deadline: CI shares its two cores, and time is measured by
# the benchmarks, never by tests.
hypothesis_settings.register_profile(
    "orechain",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile("orechain")


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


# PostgreSQL: tests marked ``postgres`` skip with a reason when the server is
# unreachable locally, but FAIL when ``CI`` is set (CI must run them).
PG_URL = os.environ.get("ORECHAIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = f"PostgreSQL not reachable at {PG_URL}: {exc}".splitlines()[0]
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {reason}")
        pytest.skip(reason)
    return PG_URL


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_base_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in pg_base_url else "?"
    yield f"{pg_base_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(pg_base_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
