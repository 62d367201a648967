"""Helpers of the input fuzz suite: run the CLI in-process and check the error contract.

The contract (``docs/inputs.md``): a rejected input exits with code 2 and
prints exactly one line on stderr, ``error: <where>: <reason>``, never a
traceback; an accepted one exits 0.
"""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from orechain.cli import app

CORPUS = Path(__file__).parent / "corpus"
runner = CliRunner()


def invoke(*args: str | Path) -> tuple[int, str, str]:
    """Run ``orechain ARGS`` in-process: (exit code, stdout, stderr).

    An exception escaping the CLI (a traceback for a user) fails the test here.
    """
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        msg = f"orechain {' '.join(map(str, args))} raised {result.exception!r} (a traceback)"
        raise AssertionError(msg) from result.exception
    return result.exit_code, result.stdout, result.stderr


def assert_rejected(*args: str | Path, reason: str = "") -> str:
    """The command exits 2 with one stderr line (containing ``reason``); return the line."""
    code, _, err = invoke(*args)
    lines = err.strip().splitlines()
    assert code == 2, f"exit {code}, stderr {err!r}"
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}: {err!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in err
    assert reason.lower() in lines[0].lower(), f"{reason!r} not in {lines[0]!r}"
    return lines[0]


def assert_contract(*args: str | Path) -> int:
    """Accepted (exit 0) or rejected by the contract (exit 2, one line); return the code."""
    code, _, err = invoke(*args)
    assert code in (0, 2), f"exit {code}: {err!r}"
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("error: "), err
    return code


def sha256(path: Path) -> str:
    """Content hash of a file (the atlas, a ledger) to show a rejected input changed nothing."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def deep_json(depth: int) -> str:
    """A JSON (and YAML flow) document nested ``depth`` levels deep."""
    return "[" * depth + "]" * depth


def deep_yaml_block(depth: int) -> str:
    """A block-style YAML mapping nested ``depth`` levels deep."""
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + f"{'  ' * depth}x: 1\n"


class ApiClient:
    """httpx over the ASGI app in-process; server exceptions come back as 500 responses."""

    def __init__(self, app: Any) -> None:
        import anyio.from_thread
        import httpx

        self._stack = ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        transport = httpx.ASGITransport(
            app=app, raise_app_exceptions=False, client=("127.0.0.1", 50001)
        )
        self._client = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request; returns the ``httpx.Response``."""
        return self._portal.call(lambda: self._client.request(method, url, **kwargs))

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._portal.call(self._client.aclose)
        self._stack.close()
