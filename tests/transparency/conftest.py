"""Fixtures: a sample ledger, and real servers (uvicorn, witnesses) on free ports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from transparency_helpers import child_env, free_port, stop, wait_http

from orechain.ledger import sample
from orechain.ledger.log import create_checkpoint
from orechain.ledger.service import Ledger


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """A SQLite sample ledger with one checkpoint (the stamped sample, replicated)."""
    path = tmp_path / "ledger.db"
    with Ledger.create(str(path), sample.ORIGIN, sample.log_key()) as led:
        sample.load(led)
        create_checkpoint(led, sample.log_key())
    return path


@pytest.fixture
def api_server(ledger_path: Path, tmp_path: Path) -> Iterator[str]:
    """``uvicorn orechain.server:create_app`` on a free port; yields its base URL."""
    port = free_port()
    env = child_env(
        ORECHAIN_DATABASE_URL=str(ledger_path),
        ORECHAIN_TILES_DIR=str(tmp_path / "served-tiles"),
        ORECHAIN_CACHE_DIR=str(tmp_path / "cache"),
        ORECHAIN_ANONYMOUS_READ="1",
        ORECHAIN_ATLAS="/dev/null/no-atlas.duckdb",  # tiles need no atlas: skip the warm-up build
    )
    cmd = [sys.executable, "-m", "uvicorn", "orechain.server:create_app", "--factory",
           "--port", str(port), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/api/health", proc)
        yield url
    finally:
        stop(proc)
