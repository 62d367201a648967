"""Ledger fixtures: a SQLite ledger and, marked ``postgres``, the same on PostgreSQL.

``pg_url`` (a fresh schema per test; skip locally, fail in CI) is in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_helpers import fixed_clock

from orechain.ledger import sample
from orechain.ledger.service import Ledger


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "ledger.db")


@pytest.fixture
def empty_ledger(ledger_url: str) -> Iterator[Ledger]:
    led = Ledger.create(ledger_url, sample.ORIGIN, sample.log_key(), clock=fixed_clock)
    yield led
    led.close()


@pytest.fixture
def sample_ledger(empty_ledger: Ledger) -> Ledger:
    sample.load(empty_ledger)
    return empty_ledger
