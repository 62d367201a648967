"""Supplier concentration per importer × HS6 over a whole trade year, in DuckDB SQL.

The bulk counterpart of :func:`orechain.risk.imports.import_mix`: one pass over
every importer and product of a BACI year (about 10 M rows for a full year),
giving each importer's supplier HHI and top-supplier share. Benchmarked in
``bench/baci_import_concentration.py`` against a pandas implementation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import duckdb


def concentration_sql(relation: str, *, unique_flows: bool = False) -> str:
    """SQL for supplier HHI and top-supplier share per importer × HS6.

    Parameters
    ----------
    relation
        A SQL relation (table name or ``(SELECT …)``) with columns
        ``importer, exporter, hs6, value``.
    unique_flows
        True when each (importer, exporter, hs6) occurs once, as in one BACI
        yearly file; skips the per-supplier pre-aggregation.

    Notes
    -----
    ``hhi = 10⁴ · Σ v_i² / (Σ v_i)²`` and ``top_share = max v_i / Σ v_i`` over
    suppliers with ``v_i > 0`` — the shares and HHI of ``docs/design.md`` in one pass.
    ``hs6`` may be text or an integer (grouping on integers is faster); the
    result has it as 6-digit text.
    """
    flows = relation
    if not unique_flows:
        flows = (
            f"(SELECT importer, exporter, hs6, sum(value) AS value FROM {relation} GROUP BY ALL)"
        )
    return f"""
        SELECT importer, lpad(CAST(hs6 AS VARCHAR), 6, '0') AS hs6,
               count(*) AS n_suppliers, sum(value) AS total_value,
               1e4 * sum(value * value) / (sum(value) * sum(value)) AS hhi,
               arg_max(exporter, value) AS top_supplier, max(value) / sum(value) AS top_share
        FROM {flows} AS f WHERE value > 0 GROUP BY importer, hs6
    """


def baci_csv_relation(path: str) -> str:
    """A relation over a native BACI CSV (``t,i,j,k,v,q``) for :func:`concentration_sql`.

    ``k`` is read as an integer (``010111`` → 10111; padded back on output), which
    makes the grouping cheaper. For clean CEPII files; :func:`orechain.atlas.ingest.baci.load`
    is the validating reader.
    """
    types = {"t": "INTEGER", "i": "INTEGER", "j": "INTEGER", "k": "INTEGER", "v": "DOUBLE"}
    cols = "{" + ", ".join(f"'{c}': '{t}'" for c, t in {**types, "q": "VARCHAR"}.items()) + "}"
    quoted = "'" + path.replace("'", "''") + "'"
    return (
        f"(SELECT j AS importer, i AS exporter, k AS hs6, v AS value FROM read_csv({quoted}, "
        f"header = true, auto_detect = false, delim = ',', columns = {cols}))"
    )


def supplier_concentration(
    con: duckdb.DuckDBPyConnection, relation: str, *, unique_flows: bool = False
) -> pd.DataFrame:
    """Supplier HHI [0–10,000] and top-supplier share per importer × HS6, computed in DuckDB.

    See :func:`concentration_sql`; e.g. over a whole BACI year with
    ``supplier_concentration(con, baci_csv_relation(path), unique_flows=True)``.
    """
    return con.execute(concentration_sql(relation, unique_flows=unique_flows)).df()


def write_supplier_concentration(
    con: duckdb.DuckDBPyConnection, relation: str, out: str, *, unique_flows: bool = False
) -> int:
    """Write supplier HHI and top-supplier share per importer × HS6 to a Parquet file.

    Streams the result straight from DuckDB to ``out`` (no pandas frame), which
    keeps memory low over a full BACI year. Returns the number of groups written.
    """
    sql = concentration_sql(relation, unique_flows=unique_flows)
    quoted = "'" + out.replace("'", "''") + "'"
    con.execute(f"COPY ({sql}) TO {quoted} (FORMAT parquet)")
    counted = con.execute(f"SELECT count(*) FROM read_parquet({quoted})").fetchone()
    return int(counted[0]) if counted else 0
