"""Import concentration over a full-size synthetic BACI year: DuckDB vs pandas.

Generates (once, cached in the temp dir) a synthetic BACI yearly CSV in the
native ``t,i,j,k,v,q`` layout — ~10 M rows, 230 countries, 5,000 HS6 codes,
seeded; exporter, importer and product sizes log-normal, flow values
log-normal around their product, ~2 % of ``q`` as ``NA`` — then computes, per
importer × HS6, the supplier HHI and the top supplier's share with

(a) DuckDB over the CSV (``orechain.risk.trade_concentration.supplier_concentration``), and
(b) pandas (``read_csv`` with the pyarrow engine, then ``groupby``),

each in its own subprocess, three runs, reporting the median wall time of the
computation (read the CSV, aggregate, write the result as Parquet; interpreter
start-up and imports excluded) and the peak resident memory of the process (``ru_maxrss``).
Both results are compared on every (importer, HS6). The data are synthetic:
they are for timing only, not facts.

Usage: ``python bench/baci_import_concentration.py [--rows N] [--runs 3]``.
Writes the markdown section to stdout and ``bench/out/baci.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEED = 20240601
N_COUNTRIES = 230
N_PRODUCTS = 5_000
OUT = Path(__file__).parent / "out"


def synthetic_path(rows: int) -> Path:
    return Path(tempfile.gettempdir()) / "orechain-bench" / f"baci_synth_{SEED}_{rows}.csv"


def generate(rows: int) -> Path:
    """Write the synthetic BACI year once; reuse it on later runs."""
    path = synthetic_path(rows)
    if path.exists():
        return path
    import duckdb
    import pandas as pd

    rng = np.random.default_rng(SEED)
    codes = np.sort(rng.choice(np.arange(1, 10_000), size=N_COUNTRIES, replace=False))
    products = np.sort(rng.choice(np.arange(10_000, 980_000), size=N_PRODUCTS, replace=False))
    exp_w = rng.lognormal(0, 2.0, N_COUNTRIES)
    imp_w = rng.lognormal(0, 1.5, N_COUNTRIES)
    prod_w = rng.lognormal(0, 1.0, N_PRODUCTS)
    n = int(rows * 1.08)  # draw extra: duplicates (i, j, k) are merged below
    i = rng.choice(N_COUNTRIES, n, p=exp_w / exp_w.sum())
    j = rng.choice(N_COUNTRIES, n, p=imp_w / imp_w.sum())
    k = rng.choice(N_PRODUCTS, n, p=prod_w / prod_w.sum())
    keep = i != j
    key = (i[keep].astype(np.int64) * N_COUNTRIES + j[keep]) * N_PRODUCTS + k[keep]
    key = np.unique(key)[:rows]
    k_idx, rest = key % N_PRODUCTS, key // N_PRODUCTS
    frame = pd.DataFrame(
        {
            "t": 2023,
            "i": codes[rest // N_COUNTRIES],
            "j": codes[rest % N_COUNTRIES],
            "k": products[k_idx],
            "v": np.round(rng.lognormal(3.0, 2.5, len(key)), 3),
            "q": np.round(rng.lognormal(2.0, 2.5, len(key)), 3),
            "q_na": rng.random(len(key)) < 0.02,
        }
    ).sample(frac=1.0, random_state=SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    con = duckdb.connect()
    con.register("synth", frame)
    con.execute(
        f"""COPY (SELECT t, i, j, lpad(k::VARCHAR, 6, '0') AS k, v,
                  CASE WHEN q_na THEN NULL ELSE q END AS q FROM synth)
            TO '{tmp}' (FORMAT csv, HEADER, NULLSTR 'NA')"""
    )
    tmp.replace(path)
    return path


def run_duckdb(path: Path, out: Path) -> dict[str, float]:
    import duckdb

    from orechain.risk.trade_concentration import (
        baci_csv_relation,
        write_supplier_concentration,
    )

    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET preserve_insertion_order = false")
    before = _rss_mb()
    start = time.perf_counter()
    rows = write_supplier_concentration(
        con, baci_csv_relation(str(path)), str(out), unique_flows=True
    )
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_before_mb": before, "rows": rows}


def stored_path(path: Path) -> Path:
    """The same year loaded once into a DuckDB file (columnar), as the atlas keeps trade."""
    return path.with_suffix(".duckdb")


def store(path: Path) -> float:
    """Load the CSV into a DuckDB table once (cached); return the load time [s]."""
    import duckdb

    from orechain.risk.trade_concentration import baci_csv_relation

    db = stored_path(path)
    if db.exists():
        return float("nan")
    start = time.perf_counter()
    con = duckdb.connect(str(db.with_suffix(".part")))
    con.execute(f"CREATE TABLE flows AS SELECT * FROM {baci_csv_relation(str(path))}")
    con.close()
    db.with_suffix(".part").replace(db)
    return time.perf_counter() - start


def run_duckdb_stored(path: Path, out: Path) -> dict[str, float]:
    import duckdb

    from orechain.risk.trade_concentration import write_supplier_concentration

    con = duckdb.connect(str(stored_path(path)), read_only=True)
    con.execute("SET threads = 2")
    con.execute("SET preserve_insertion_order = false")
    before = _rss_mb()
    start = time.perf_counter()
    rows = write_supplier_concentration(con, "flows", str(out), unique_flows=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_before_mb": before, "rows": rows}


def run_pandas(path: Path, out: Path) -> dict[str, float]:
    import pandas as pd

    before = _rss_mb()
    start = time.perf_counter()
    flows = pd.read_csv(
        path,
        engine="pyarrow",
        usecols=["i", "j", "k", "v"],
        dtype={"i": "int32", "j": "int32", "k": "int32", "v": "float64"},
    )
    flows = flows[flows["v"] > 0].assign(v2=lambda f: f["v"] ** 2)
    grouped = flows.groupby(["j", "k"], sort=False)
    agg = grouped.agg(n_suppliers=("v", "size"), total_value=("v", "sum"), sv2=("v2", "sum"))
    agg["hhi"] = 1e4 * agg["sv2"] / agg["total_value"] ** 2
    top = flows.loc[grouped["v"].idxmax(), ["j", "k", "i", "v"]].set_index(["j", "k"])
    agg["top_supplier"] = top["i"]
    agg["top_share"] = top["v"] / agg["total_value"]
    result = agg.drop(columns="sv2").reset_index().rename(columns={"j": "importer", "k": "hs6"})
    result["hs6"] = result["hs6"].astype(str).str.zfill(6)
    result.to_parquet(out)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_before_mb": before, "rows": len(result)}


def _rss_mb() -> float:
    """Peak RSS of this process [MB]: VmHWM (ru_maxrss carries the parent's peak over fork)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(engine: str, path: Path, out: Path) -> None:
    runners = {"duckdb": run_duckdb, "duckdb-stored": run_duckdb_stored, "pandas": run_pandas}
    stats = runners[engine](path, out)
    stats["peak_rss_mb"] = _rss_mb()
    print(json.dumps(stats))


def measure(engine: str, path: Path, runs: int, out_dir: Path) -> dict[str, object]:
    results = []
    for n in range(runs):
        out = out_dir / f"{engine}_{n}.parquet"
        cmd = [sys.executable, __file__, "--child", engine, "--path", str(path), "--out", str(out)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "median_s": statistics.median(r["seconds"] for r in results),
        "all_s": [round(r["seconds"], 3) for r in results],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
        "rss_before_mb": max(r["rss_before_mb"] for r in results),
        "groups": results[0]["rows"],
        "out": out_dir / f"{engine}_0.parquet",
    }


def compare(duck: Path, pand: Path) -> dict[str, float]:
    import pandas as pd

    a = pd.read_parquet(duck)
    b = pd.read_parquet(pand)
    a["importer"] = a["importer"].astype(int)
    b["importer"] = b["importer"].astype(int)
    m = a.merge(b, on=["importer", "hs6"], suffixes=("_d", "_p"), how="outer", indicator=True)
    both = m[m["_merge"] == "both"]
    return {
        "groups_only_one_side": int((m["_merge"] != "both").sum()),
        "max_abs_diff_hhi": float((both["hhi_d"] - both["hhi_p"]).abs().max()),
        "max_abs_diff_top_share": float((both["top_share_d"] - both["top_share_p"]).abs().max()),
        "top_supplier_mismatch": int(
            (both["top_supplier_d"].astype(int) != both["top_supplier_p"].astype(int)).sum()
        ),
    }


def report(
    rows: int, path: Path, duck: dict, pand: dict, check: dict, stored: dict, load_s: float
) -> str:
    size_mb = path.stat().st_size / 1e6
    ratio = pand["median_s"] / duck["median_s"]
    lines = [
        "## BACI import concentration: DuckDB vs pandas",
        "",
        f"Synthetic BACI year (seed {SEED}): {rows:,} rows in the native `t,i,j,k,v,q` layout, "
        f"{N_COUNTRIES} countries, {N_PRODUCTS:,} HS6 codes, CSV {size_mb:,.0f} MB; "
        f"{duck['groups']:,} importer × HS6 groups. Machine: {os.cpu_count()} CPUs. "
        "Synthetic data for timing only.",
        "",
        "| engine | median wall time [s] | runs [s] | peak RSS [MB] | RSS after imports [MB] |",
        "| --- | --- | --- | --- | --- |",
        f"| DuckDB (`read_csv` + one GROUP BY) | {duck['median_s']:.2f} | {duck['all_s']} | "
        f"{duck['peak_rss_mb']:.0f} | {duck['rss_before_mb']:.0f} |",
        f"| pandas (pyarrow CSV engine + groupby) | {pand['median_s']:.2f} | {pand['all_s']} | "
        f"{pand['peak_rss_mb']:.0f} | {pand['rss_before_mb']:.0f} |",
        f"| DuckDB over the year stored as a DuckDB table (query only) | {stored['median_s']:.2f} "
        f"| {stored['all_s']} | {stored['peak_rss_mb']:.0f} | {stored['rss_before_mb']:.0f} |",
        "",
        "Each run: read, aggregate per importer × HS6 (supplier HHI, top supplier and share), "
        "write the result as Parquet; in a fresh process. The stored row is the atlas's way: "
        "load the year once"
        + (f" ({load_s:.1f} s this run)" if load_s == load_s else " (cached from an earlier run)")
        + ", then query it.",
        "",
        f"pandas / DuckDB wall-time ratio: **{ratio:.1f}×**. Target for DuckDB: ≤ 1 s and "
        f"≤ 500 MB — time {'met' if duck['median_s'] <= 1 else 'NOT met'}, memory "
        f"{'met' if duck['peak_rss_mb'] <= 500 else 'NOT met'}.",
        "",
        f"Agreement on all groups: {check['groups_only_one_side']} groups on one side only; "
        f"max |ΔHHI| = {check['max_abs_diff_hhi']:.2e}; max |Δtop share| = "
        f"{check['max_abs_diff_top_share']:.2e}; top supplier differs in "
        f"{check['top_supplier_mismatch']} groups (ties).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["duckdb", "duckdb-stored", "pandas"])
    parser.add_argument("--path", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.path, args.out)
        return
    path = generate(args.rows)
    load_s = store(path)
    with tempfile.TemporaryDirectory() as tmp:
        duck = measure("duckdb", path, args.runs, Path(tmp))
        pand = measure("pandas", path, args.runs, Path(tmp))
        stored = measure("duckdb-stored", path, args.runs, Path(tmp))
        check = compare(duck["out"], pand["out"])  # type: ignore[arg-type]
    text = report(args.rows, path, duck, pand, check, stored, load_s)
    OUT.mkdir(exist_ok=True)
    (OUT / "baci.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
