"""Browser fixtures: a real ``uvicorn`` server on a free port and Debian's Chromium.

Browser tests are marked ``browser``. Without a ``chromium`` executable they skip
with the reason locally and FAIL when ``CI`` is set. Playwright drives the
system Chromium (``executable_path``); ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orechain.services.ledger import ensure_ledger
from orechain.services.tokens import TokenStore
from orechain.settings import Settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def server_settings(atlas_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("web")
    settings = Settings(
        cache_dir=folder / "cache",
        atlas_path=atlas_path,
        database_url=str(folder / "ledger.db"),
        rate_limit_per_minute=0,
        anonymous_rate_limit_per_minute=0,
    )
    ensure_ledger(settings)
    return settings


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "api/health", timeout=2):  # loopback
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server at {url} did not come up in {timeout} s")


@pytest.fixture(scope="session")
def live_server(server_settings: Settings, chromium_path: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, **server_settings.to_env()}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "orechain.server:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def auditor_token(server_settings: Settings) -> str:
    store = TokenStore(server_settings.database_url)
    token = store.create("audit-firm", "auditor", label="browser tests")[0]
    store.close()
    return token


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageWatch:
    """Console errors, page errors and requests that leave 127.0.0.1, seen by one page."""

    def __init__(self, page: object, base: str) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: self.errors.append(str(e)))  # type: ignore[attr-defined]
        page.on("request", lambda r: self._request(r.url, base))  # type: ignore[attr-defined]

    def _request(self, url: str, base: str) -> None:
        if not url.startswith((base, "data:", "blob:")):
            self.outside.append(url)


@pytest.fixture
def page(browser: object, live_server: str) -> Iterator[tuple[object, PageWatch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    watch = PageWatch(pg, live_server.rstrip("/"))
    yield pg, watch
    context.close()
    assert watch.outside == [], f"requests left 127.0.0.1: {watch.outside}"
    assert watch.errors == [], f"console errors: {watch.errors}"


def serve_app_on_free_port(env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    """``uvicorn orechain.server:create_app`` on a free loopback port, once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    cmd = [sys.executable, "-m", "uvicorn", "orechain.server:create_app", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "error"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        assert proc.poll() is None, f"the server exited with {proc.returncode}"
        try:
            urllib.request.urlopen(base + "api/health", timeout=2).close()  # loopback
            return base, proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    pytest.fail("the server did not come up")


@pytest.fixture(scope="session")
def serve_app() -> Callable[[dict[str, str]], tuple[str, subprocess.Popen[bytes]]]:
    """Start the app with an environment (a module's own ledger); the caller terminates it."""
    return serve_app_on_free_port


@pytest.fixture(scope="session")
def page_watch() -> type[PageWatch]:
    """The :class:`PageWatch` class, for tests that open their own browser contexts."""
    return PageWatch
