"""Helpers for the transparency tests: free ports, waiting for servers, child processes."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from orechain.ledger import keys
from orechain.ledger.checkpoint import encode_vkey

ORIGIN = "test.orechain.invalid/log"
LOG_KEY = keys.demo_key("test-log")
LOG_VKEY = encode_vkey(ORIGIN, keys.public_bytes(LOG_KEY))

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
            urllib.request.urlopen(url, timeout=1).close()  # local test server
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
