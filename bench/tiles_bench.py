"""Tiles at scale (issue 17): write throughput, serving rate and p99, monitor catch-up.

Run: ``.venv/bin/python bench/tiles_bench.py`` (needs Debian's ``wrk`` and ``nginx``
for the static-file peer). ``TILES_BENCH_LEAVES`` sets the log size (default
2,000,000; the issue's 10,000,000 fits in about three minutes on an idle
2-core machine, see docs/benchmarks.md). Prints a markdown section and writes it
to ``bench/out/tiles.md``.

* Write: hash-only leaves (``SHA-256(0x00 || i)``, as the durable ledger
  benchmark) tiled by :class:`TileWriter` into a fresh directory.
* Serve: ``wrk`` fetching random full level-0 tiles from one ``uvicorn`` worker of
  the OreChain app and from one ``nginx`` worker on the same directory (peer).
* Monitor: :func:`orechain.transparency.monitor.follow` from an empty state, over
  HTTP from nginx and from the directory, hash-only (every level-0 tile folded
  and the root checked against the signed checkpoint).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from orechain.ledger import keys, sample
from orechain.ledger.checkpoint import Checkpoint, encode_vkey, sign_checkpoint
from orechain.ledger.log import create_checkpoint
from orechain.ledger.service import Ledger
from orechain.transparency.monitor import MonitorState, TileSource, follow
from orechain.transparency.tiles import TILE_WIDTH, TileWriter, tile_path

N = int(os.environ.get("TILES_BENCH_LEAVES", "2000000"))
DURATION = os.environ.get("TILES_BENCH_WRK_SECONDS", "10")
THREADS, CONNECTIONS = 2, 50
ORIGIN = "bench.orechain.invalid/tiles"
OUT = Path(__file__).parent / "out" / "tiles.md"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    last: Exception | None = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"server exited: {proc.returncode}"
            raise SystemExit(msg)
        try:
            urllib.request.urlopen(url, timeout=1).read()  # local server
            return
        except OSError as exc:
            last = exc
            time.sleep(0.2)
    msg = f"{url} did not come up: {last}"
    raise SystemExit(msg)


def wrk(base: str, paths: list[str], work: Path) -> dict[str, float]:
    script = work / "tiles.lua"
    quoted = ",".join(f'"/{p}"' for p in paths)
    script.write_text(
        f"local paths = {{{quoted}}}\n"
        "math.randomseed(17)\n"
        "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n"
    )
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency",
         "-s", str(script), base],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale,
            "errors": float(non2xx.group(1)) if non2xx else 0.0}  # fmt: skip


def machine() -> str:
    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{cpu} · {os.cpu_count()} cores · Python {platform.python_version()}"


def nginx(root: Path, port: int, work: Path) -> subprocess.Popen[bytes]:
    conf = work / "nginx.conf"
    conf.write_text(
        f"worker_processes 1;\ndaemon off;\npid {work}/nginx.pid;\nerror_log {work}/err.log;\n"
        "events { worker_connections 1024; }\n"
        "http {\n  access_log off;\n  default_type application/octet-stream;\n"
        f"  server {{ listen 127.0.0.1:{port}; root {root}; }}\n}}\n"
    )
    return subprocess.Popen(["nginx", "-c", str(conf), "-e", str(work / "err.log")])


def main() -> None:  # one linear script
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            msg = f"{tool} is not installed (apt-get install -y {tool})"
            raise SystemExit(msg)
    work = Path(tempfile.mkdtemp(prefix="tiles-bench-"))
    work.chmod(0o755)  # nginx workers run as an unprivileged user
    root = work / "tiles"
    rows: list[str] = []
    load = os.getloadavg()[0]

    t = time.perf_counter()
    sha = hashlib.sha256
    hashes = [sha(b"\x00" + i.to_bytes(8, "big")).digest() for i in range(N)]
    gen = time.perf_counter() - t
    t = time.perf_counter()
    writer = TileWriter(root, envelopes=False, public_entries=False)
    writer.extend_hashes(hashes)
    write = time.perf_counter() - t
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    key = keys.demo_key("bench-log")
    cp = Checkpoint(ORIGIN, N, writer.root_hash())
    (root / "checkpoint").write_text(sign_checkpoint(cp, ORIGIN, key))
    files = sum(1 for _ in root.rglob("*") if _.is_file())
    size_mb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
    rows.append(
        f"| tile write, hash-only | {N:,} leaves in {write:.1f} s | "
        f"**{N / write:,.0f} leaves/s** | {files:,} files, {size_mb:,.0f} MB |"
    )
    print(rows[-1], file=sys.stderr)
    del hashes

    full_tiles = N // TILE_WIDTH
    rng = random.Random(17)
    paths = [tile_path(0, rng.randrange(full_tiles)) for _ in range(2000)]
    db = work / "ledger.db"
    with Ledger.create(str(db), sample.ORIGIN, sample.log_key()) as led:
        sample.load(led)  # the stamped sample, replicated (keeps its receipt times)
        create_checkpoint(led, sample.log_key())
    api_port, static_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": SRC, "ORECHAIN_DATABASE_URL": str(db),
           "ORECHAIN_TILES_DIR": str(root), "ORECHAIN_CACHE_DIR": str(work / "cache"),
           "ORECHAIN_ATLAS": "/dev/null/none.duckdb",
           "ORECHAIN_ANONYMOUS_RATE_LIMIT": "100000000"}  # fmt: skip
    api = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "orechain.server:create_app", "--factory",
         "--port", str(api_port), "--log-level", "warning", "--no-access-log"],
        env=env,
    )  # fmt: skip
    web = nginx(root, static_port, work)
    try:
        wait(f"http://127.0.0.1:{api_port}/{paths[0]}", api)
        wait(f"http://127.0.0.1:{static_port}/{paths[0]}", web)
        ours = wrk(f"http://127.0.0.1:{api_port}", paths, work)
        peer = wrk(f"http://127.0.0.1:{static_port}", paths, work)
        cached = wrk(f"http://127.0.0.1:{api_port}", ["api/transparency"], work)
        for name, r in (
            ("`orechain` app, 1 uvicorn worker", ours),
            ("nginx, 1 worker (peer)", peer),
            ("cached `GET /api/transparency`, same worker (reference)", cached),
        ):
            rows.append(f"| tile serving: {name} | {r['rps']:,.0f} requests/s | "
                        f"p99 {r['p99_ms']:.1f} ms | non-2xx {r['errors']:.0f} |")  # fmt: skip
            print(rows[-1], file=sys.stderr)
        rows.append(f"| ratio tiles: app / nginx | {ours['rps'] / peer['rps']:.2f} | | |")
        rows.append(
            f"| ratio app tiles / cached endpoint | {ours['rps'] / cached['rps']:.2f} | | |"
        )

        vkey = encode_vkey(ORIGIN, keys.public_bytes(key))
        nginx_url = f"http://127.0.0.1:{static_port}"
        for label, url, conns in (
            ("over HTTP from nginx, 1 fetch at a time (before)", nginx_url, 1),
            ("over HTTP from nginx, 4 fetches in flight", nginx_url, 4),
            ("from the directory", str(root), 1),
        ):
            src = TileSource(url, connections=conns)
            t = time.perf_counter()
            state, found, checked = follow(src, MonitorState(), vkey)
            took = time.perf_counter() - t
            src.close()
            if found is not None or state.size != N:
                msg = f"monitor failed: {found}"
                raise SystemExit(msg)
            rows.append(f"| monitor catch-up, hash-only, {label} | {checked:,} entries in "
                        f"{took:.1f} s | **{checked / took:,.0f} entries/s** | |")  # fmt: skip
            print(rows[-1], file=sys.stderr)
    finally:
        for proc in (api, web):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([
        f"Run {now} on {machine()}; load average {load:.1f} at start. "
        f"Leaf hashes generated in {gen:.1f} s (not counted). wrk -t{THREADS} "
        f"-c{CONNECTIONS} -d{DURATION}s --latency over 2,000 random full level-0 tiles "
        "(8,192 bytes each); 10,000,000 leaves would produce 39,062 full level-0 tiles.",
        "",
        "| measure | result | rate | notes |",
        "| --- | ---: | ---: | --- |",
        *rows,
        "",
    ])  # fmt: skip
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
