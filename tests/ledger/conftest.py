"""Ledger fixtures: a SQLite ledger and, marked ``postgres``, the same on PostgreSQL.

PostgreSQL tests skip with a reason when the server is unreachable locally, but
FAIL when the ``CI`` environment variable is set (CI must run them). Each test
gets a fresh schema that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from orechain.ledger import sample
from orechain.ledger.service import Ledger

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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "ledger.db")


@pytest.fixture
def empty_ledger(ledger_url: str) -> Iterator[Ledger]:
    led = Ledger.create(ledger_url, sample.ORIGIN, sample.log_key())
    yield led
    led.close()


@pytest.fixture
def sample_ledger(empty_ledger: Ledger) -> Ledger:
    empty_ledger.submit_many(sample.sample_envelopes())
    return empty_ledger
