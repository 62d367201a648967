"""Service benchmark: wrk against OreChain endpoints beside a bare FastAPI endpoint.

Run: ``.venv/bin/python bench/service_bench.py`` (needs Debian's ``wrk`` and, for the
page timing, ``chromium``). Each server is one uvicorn worker on 127.0.0.1; wrk runs
10 s at 50 connections per endpoint. Writes markdown to stdout and to
bench/out/service.md, with the date and the machine.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "service.md"
DURATION, CONNECTIONS, THREADS = os.environ.get("BENCH_DURATION", "10s"), 50, 2
CHART = "[data-chart=bars] svg rect.bar"

bare_app = FastAPI()


@bare_app.get("/bare")
async def bare() -> dict[str, bool]:
    return {"ok": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--no-access-log", "--workers", "1"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    msg = f"server on port {port} did not start"
    raise SystemExit(msg)


def wrk(url: str) -> dict[str, float]:
    urllib.request.urlopen(url, timeout=60).read()  # warm the cache
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale,
            "errors": float(non2xx.group(1)) if non2xx else 0.0}  # fmt: skip


def first_render(url: str, runs: int = 5) -> dict[str, float] | None:
    chromium = shutil.which("chromium")
    if chromium is None:
        return None
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    fcp, charts = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        for _ in range(runs + 1):
            page = browser.new_page()
            page.on("pageerror", lambda e: sys.stderr.write(f"page error: {e}\n"))
            page.on("console", lambda m: sys.stderr.write(f"console {m.type}: {m.text}\n"))
            start_t = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(
                "[data-chart=bars] svg rect.bar", state="attached", timeout=120_000
            )
            charts.append((time.perf_counter() - start_t) * 1e3)
            fcp.append(page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0].startTime"))  # fmt: skip
            page.close()
        browser.close()
    return {"fcp_ms": statistics.median(fcp[1:]), "charts_ms": statistics.median(charts[1:])}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = platform.python_version()
    return f"{platform.node()} · {cpu} · {os.cpu_count()} cores · Python {python}"


def main() -> None:
    if shutil.which("wrk") is None:
        msg = "wrk is not installed (apt-get install -y wrk)"
        raise SystemExit(msg)
    tmp = Path(tempfile.mkdtemp(prefix="orechain-bench-"))
    env = {**os.environ, "ORECHAIN_DATABASE_URL": str(tmp / "ledger.db"),
           "ORECHAIN_RATE_LIMIT": "100000000", "ORECHAIN_ANONYMOUS_RATE_LIMIT": "100000000",
           "PYTHONPATH": str(ROOT / "bench")}  # fmt: skip
    from orechain.services.ledger import ensure_ledger
    from orechain.settings import Settings

    ensure_ledger(Settings.from_env().with_database(env["ORECHAIN_DATABASE_URL"]))
    bare_port, app_port = free_port(), free_port()
    procs = [start(["service_bench:bare_app"], env, bare_port),
             start(["orechain.server:create_app", "--factory"], env, app_port)]  # fmt: skip
    try:
        base = f"http://127.0.0.1:{app_port}"
        rows = [
            ("bare FastAPI endpoint", f"http://127.0.0.1:{bare_port}/bare"),
            ("cached risk: GET /api/risk/commodities/rare-earths",
             f"{base}/api/risk/commodities/rare-earths"),
            ("ledger read: GET /api/ledger/lots/US-MAGNET-001/origin",
             f"{base}/api/ledger/lots/US-MAGNET-001/origin"),
            ("ledger read: GET /api/transparency", f"{base}/api/transparency"),
        ]  # fmt: skip
        results = [(name, url, wrk(url)) for name, url in rows]
        page = first_render(f"{base}/")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
    report(results, page)


def report(results: list[tuple[str, str, dict[str, float]]], page: dict[str, float] | None) -> None:
    bare_rps = results[0][2]["rps"]
    lines = [
        "# Service benchmark",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC} · {machine()}",
        "",
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION} --latency, one uvicorn worker per server, "
        "client and servers on the same machine (127.0.0.1); rate limiter on (limit set high).",
        "",
        "| endpoint | requests/s | % of bare | p99 [ms] | non-2xx |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, _, r in results:
        share = 100 * r["rps"] / bare_rps
        lines.append(f"| {name} | {r['rps']:,.0f} | {share:.0f} % | {r['p99_ms']:.1f} | "
                     f"{r['errors']:.0f} |")  # fmt: skip
    lines += ["", "Targets: ≥ 50 % of the bare endpoint's rate and p99 ≤ 20 ms on one worker.", ""]
    if page is None:
        lines.append("Overview page: chromium not installed, not measured.")
    else:
        lines.append(f"Overview page (`/`, Chromium headless, median of 5 warm loads): first "
                     f"contentful paint {page['fcp_ms']:.0f} ms; charts drawn "
                     f"{page['charts_ms']:.0f} ms after navigation start.")  # fmt: skip
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
