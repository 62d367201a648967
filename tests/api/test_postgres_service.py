"""``orechain serve`` on PostgreSQL with two uvicorn workers sharing one ledger.

Marked ``postgres``: skips with the reason when the server is unreachable
locally and FAILS when ``CI`` is set (the ``pg_url`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orechain.ledger import sample
from orechain.ledger.audit import audit
from orechain.ledger.envelope import sign_event
from orechain.ledger.events import format_time
from orechain.ledger.service import Ledger
from orechain.services.tokens import TokenStore

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # loopback only
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def served(pg_url: str, atlas_path: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "ORECHAIN_ATLAS": str(atlas_path),
        "ORECHAIN_LOG_KEY": str(tmp_path / "log-key.pem"),
        "ORECHAIN_RATE_LIMIT": "0",
    }
    cmd = [
        sys.executable,
        "-m",
        "orechain.cli",
        "serve",
        "--database-url",
        pg_url,
        "--workers",
        "2",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if _call(url + "api/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("orechain serve did not come up")
        yield url
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert url in out  # the URL was printed


def _event(n: int) -> dict:
    event = {
        "type": "register-site",
        "event_id": f"pg-site-{n}",
        "actor": "us-magnets",
        "time": format_time(datetime.now(UTC)),
        "site_id": f"pg-store-{n}",
        "site_name": "Illustrative store",
        "kind": "warehouse",
        "country": "USA",
        "operator": "us-magnets",
    }
    return sign_event(event, sample.org_key("us-magnets"), origin=sample.ORIGIN)


def test_two_workers_share_one_postgres_ledger(served: str, pg_url: str):
    store = TokenStore(pg_url)
    token = store.create("us-magnets", "operator")[0]
    store.close()
    first = _call(served + "api/transparency")[1]
    assert first["tree_size"] == 40  # the sample corridor, created at first start
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(
                lambda n: _call(served + "api/ledger/events", {"envelopes": [_event(n)]}, token),
                range(24),
            )
        )
    assert {status for status, _ in results} == {201}
    indices = sorted(body[0]["leaf_index"] for _, body in results)
    assert indices == list(range(40, 64))
    time.sleep(1.1)  # public reads may be cached for 1 s by the worker that did not write
    sizes = {_call(served + "api/transparency")[1]["tree_size"] for _ in range(10)}
    assert sizes == {64}  # every worker caught up with the other's commits
    with Ledger.open(pg_url) as led:
        assert audit(led).ok
