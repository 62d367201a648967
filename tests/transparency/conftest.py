"""Fixtures: a sample ledger, and real servers (uvicorn, witnesses) on free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from orechain.ledger import sample
from orechain.ledger.log import create_checkpoint
from orechain.ledger.service import Ledger

SRC = str(Path(__file__).resolve().parents[2] / "src")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            msg = f"server exited with {proc.returncode}: {err[-2000:]}"
            raise RuntimeError(msg)
        try:
            urllib.request.urlopen(url, timeout=1).close()  # noqa: S310 - local test server
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    msg = f"{url} did not come up"
    raise RuntimeError(msg)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a child, killing it if it lingers; close its pipes."""
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    for pipe in (proc.stdout, proc.stderr, proc.stdin):
        if pipe is not None:
            pipe.close()


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """A SQLite sample ledger with one checkpoint."""
    path = tmp_path / "ledger.db"
    with Ledger.create(str(path), sample.ORIGIN, sample.log_key()) as led:
        led.submit_many(sample.sample_envelopes())
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
