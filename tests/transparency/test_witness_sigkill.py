"""A witness killed with SIGKILL at random moments never cosigns two inconsistent checkpoints."""

from __future__ import annotations

import http.client
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from transparency_helpers import LOG_KEY, LOG_VKEY, ORIGIN, child_env, free_port, stop, wait_http
from typer.testing import CliRunner

from orechain.cli import build_app
from orechain.ledger.checkpoint import Checkpoint, sign_checkpoint
from orechain.ledger.merkle import MerkleLog
from orechain.transparency.policy import add_checkpoint_body

FORK_AT = 5
CYCLES = 12


def _history(tag: bytes) -> MerkleLog:
    shared = [b"s" + i.to_bytes(4, "big") for i in range(FORK_AT)]
    return MerkleLog.from_leaves(shared + [tag + i.to_bytes(4, "big") for i in range(400)])


def _body(log: MerkleLog, old: int, new: int) -> bytes:
    note = sign_checkpoint(Checkpoint(ORIGIN, new, log.root(new)), ORIGIN, LOG_KEY)
    return add_checkpoint_body(old, log.consistency_proof(old, new) if old else [], note)


@pytest.mark.slow
def test_sigkill_never_yields_inconsistent_cosignatures(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    app = build_app(["witness"])
    res = CliRunner().invoke(app, ["witness", "init", "--db", str(db), "--name", "w.test/k"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["witness", "trust-log", LOG_VKEY, "--db", str(db)])
    assert res.exit_code == 0, res.output
    logs = {"A": _history(b"A"), "B": _history(b"B")}
    rng = random.Random(20261202)
    cosigned: list[tuple[str, int]] = []
    believed = 0
    for _ in range(CYCLES):
        port = free_port()
        cmd = [sys.executable, "-m", "orechain.cli", "witness", "serve", "--db", str(db),
               "--port", str(port)]  # fmt: skip
        proc = subprocess.Popen(cmd, env=child_env(), stderr=subprocess.PIPE)
        wait_http(f"http://127.0.0.1:{port}/x/checkpoint", proc)
        done = threading.Event()

        def client(port: int = port, done: threading.Event = done) -> None:
            nonlocal believed
            while not done.is_set():
                name = rng.choice("AB")
                new = min(believed + rng.randint(0, 3), 400)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                try:
                    conn.request("POST", "/add-checkpoint", _body(logs[name], believed, new))
                    resp = conn.getresponse()
                    text = resp.read().decode()
                except (OSError, http.client.HTTPException):
                    return  # killed
                finally:
                    conn.close()  # also when killed: no socket left to the garbage collector
                if resp.status == 200:
                    cosigned.append((name, new))
                    believed = new
                elif resp.status == 409:
                    believed = int(text)

        worker = threading.Thread(target=client)
        worker.start()
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done.set()
        worker.join(timeout=10)
        stop(proc)
    past_fork = {name for name, size in cosigned if size > FORK_AT}
    assert len(past_fork) <= 1, "cosigned both sides of a fork"
    sizes = [size for _, size in cosigned]
    assert sizes == sorted(sizes), "cosigned a smaller tree after a larger one"
    assert len(cosigned) > CYCLES  # the kills really interrupted a busy witness
