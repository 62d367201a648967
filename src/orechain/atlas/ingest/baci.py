"""CEPII BACI bilateral trade → the atlas ``trade`` table.

BACI (Gaulier & Zignago 2010) reconciles the exporter's and the importer's
declarations to UN Comtrade into one flow per exporter ``i``, importer ``j``,
HS6 product ``k`` and year ``t``, with value ``v`` in thousand US dollars and
quantity ``q`` in metric tons. A yearly file of the full HS nomenclature holds
about 10 million rows (~300 MB), so :func:`load` never builds it in Python
memory: DuckDB streams the CSV, validates every cell in SQL and inserts in the
same statement. Rows go to ``trade`` as ``reporter`` = exporter, ``partner`` =
importer, ``flow = 'export'``, ``nomenclature`` = ``HS92``/``HS17``/… (BACI's
own labels, which is how trade queries tell BACI rows from Comtrade's ``H5``).

Numeric country codes (≈ UN M49, but 490 = "Other Asia, nes", 699 = India,
757 = Switzerland) are translated with the BACI country table that sits next to
the file (``country_codes_V*.csv``) or, failing that, the bundled V202601
table. BACI's "Other Asia, nes" (code 490, ISO3 column ``S19``) is Taiwan's
trade as reported to UN Comtrade and is stored as ``TWN``; BACI's other
non-ISO codes (``R20`` Europe EFTA nes, ``ZA1`` SACU before 1999) are kept as
published.

References
----------
Gaulier, G. and Zignago, S. (2010), BACI: International Trade Database at the
Product-Level. The 1994-2007 Version, CEPII Working Paper 2010-23.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from orechain.atlas.ingest import LoadReport
from orechain.atlas.schema import TRADE
from orechain.atlas.sources import data_dir
from orechain.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterator

logger = logging.getLogger(__name__)

HEADER = ("t", "i", "j", "k", "v", "q")
"""Columns of a native BACI yearly CSV, in order."""

ISO3_OVERRIDES = {"S19": "TWN"}
"""BACI ISO3 labels replaced on load: 'Other Asia, nes' (490) is Taiwan's trade."""

BUNDLED_COUNTRY_TABLE = Path("baci_hs17_extract") / "country_codes_V202601.csv"
EXTRACT_NOMENCLATURE = "HS17"
"""Nomenclature of the bundled extract ``baci_hs17_extract/trade.parquet`` (BACI V202601)."""

_NUM = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_CHECKS: dict[str, tuple[str, str]] = {
    "t": (r"[0-9]{4}", "a four-digit year"),
    "i": (r"[0-9]{1,4}", "a numeric BACI country code"),
    "j": (r"[0-9]{1,4}", "a numeric BACI country code"),
    "k": (r"[0-9]{1,6}", "an HS code of at most six digits"),
    "v": (_NUM, "a non-negative number (thousand US$)"),
    "q": (_NUM, "a non-negative number (metric tons), empty or NA"),
}
"""Column → (regular expression a trimmed cell must fully match, what is expected).

The same patterns run in DuckDB (RE2) on load and in Python when locating a
bad row, so both agree on what is malformed."""

_NULLS = ("", "NA")
"""Missing-quantity markers (after trimming; BACI pads ``NA`` with spaces)."""


def nomenclature_from_name(path: Path) -> str | None:
    """``HS92``, ``HS17``, … from a CEPII file name such as ``BACI_HS17_Y2024_V202601.csv``."""
    found = re.search(r"(?:^|[^A-Za-z])HS(\d{2})(?:[^0-9]|$)", path.name, re.IGNORECASE)
    return f"HS{found.group(1)}" if found else None


def country_table_path(path: Path) -> Path:
    """The BACI country table next to ``path`` (latest version), else the bundled one."""
    folder = path if path.is_dir() else path.parent
    local = sorted(folder.glob("country_codes_V*.csv"))
    return local[-1] if local else data_dir() / BUNDLED_COUNTRY_TABLE


def read_country_codes(path: Path) -> dict[int, str]:
    """Numeric BACI code → ISO3 from a BACI country table (V2022 or V2024+ layout).

    Raises
    ------
    InputError
        The table lacks a code or an ISO3 column.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    iso_col = next((c for c in ("country_iso3", "iso_3digit_alpha") if c in frame.columns), None)
    if "country_code" not in frame.columns or iso_col is None:
        msg = "not a BACI country table: needs country_code and country_iso3 columns"
        raise InputError(msg, source=str(path), row=1)
    iso3 = frame[iso_col].str.strip().replace(ISO3_OVERRIDES)
    return dict(zip(frame["country_code"].astype(int), iso3, strict=True))


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _valid_sql(col: str) -> str:
    pattern = _sql_literal(_CHECKS[col][0])
    cell = f"trim({col})"
    if col == "q":
        return f"({col} IS NULL OR {cell} IN ('', 'NA') OR regexp_full_match({cell}, {pattern}))"
    return f"({col} IS NOT NULL AND regexp_full_match({cell}, {pattern}))"


def _read_csv_sql(path: Path) -> str:
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in HEADER)
    return (
        f"read_csv({_sql_literal(str(path))}, header = true, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', columns = {{{columns}}})"
    )


def _countries_sql(codes: dict[int, str], alias: str) -> str:
    """The country table inline (VALUES), so nothing needs clean-up after a failed load."""
    rows = ", ".join(f"({code}, {_sql_literal(iso)})" for code, iso in codes.items())
    return f"(VALUES {rows}) AS {alias}(code, iso3)"


def _insert_sql(path: Path, nomenclature: str, source_id: str, codes: dict[int, str]) -> str:
    valid = " AND ".join(_valid_sql(c) for c in HEADER)
    valid += " AND ei.iso3 IS NOT NULL AND ej.iso3 IS NOT NULL"

    def checked(expr: str) -> str:
        return f"CASE WHEN {valid} THEN {expr} ELSE error('invalid BACI row') END"

    qty = "CASE WHEN q IS NULL OR trim(q) IN ('', 'NA') THEN NULL ELSE trim(q)::DOUBLE END"
    cols = "reporter, partner, flow, hs6, nomenclature, year, quantity_kg, value_usd, source_id"
    return f"""
        INSERT INTO {TRADE.name} ({cols})
        SELECT {checked("ei.iso3")}, ej.iso3, 'export', lpad(trim(k), 6, '0'),
               {_sql_literal(nomenclature)}, trim(t)::INTEGER,
               round(({qty}) * 1000, 6), round(trim(v)::DOUBLE * 1000, 6),
               {_sql_literal(source_id)}
        FROM {_read_csv_sql(path)} AS r
        LEFT JOIN {_countries_sql(codes, "ei")} ON ei.code = TRY_CAST(trim(r.i) AS INTEGER)
        LEFT JOIN {_countries_sql(codes, "ej")} ON ej.code = TRY_CAST(trim(r.j) AS INTEGER)
    """


def load(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source_id: str,
    *,
    nomenclature: str | None = None,
    country_table: Path | None = None,
) -> LoadReport:
    """Load a native BACI CSV (``t,i,j,k,v,q``; plain or gzip) of any size into ``trade``.

    Parameters
    ----------
    con
        Atlas connection, inside a transaction the caller opened.
    path
        The CSV as CEPII publishes it, e.g. ``BACI_HS17_Y2024_V202601.csv``.
    source_id
        Source id stored on every row.
    nomenclature
        ``HS92``, ``HS17``, …; read from the file name when not given.
    country_table
        BACI country table; default: next to the file, else the bundled one.

    Returns
    -------
    LoadReport
        Rows inserted into ``trade``.

    Raises
    ------
    InputError
        Naming file, row (header = row 1), column and reason for the first
        malformed cell, unknown country code or a bad header. The statement
        fails before anything is committed, so the caller's rollback leaves
        the atlas as it was.

    Notes
    -----
    ``value_usd = 1000·v`` and ``quantity_kg = 1000·q``; ``k`` is left-padded
    to six digits because some exports store it as an integer (``10111`` →
    ``010111``); ``q`` empty or ``NA`` (space-padded in BACI files) is null.
    """
    nomenclature = nomenclature or nomenclature_from_name(path)
    if nomenclature is None:
        msg = "cannot tell the HS nomenclature: name the file as CEPII does (BACI_HS17_…)"
        raise InputError(msg, source=str(path))
    _check_header(path)
    codes = read_country_codes(country_table or country_table_path(path))
    try:
        inserted = con.execute(_insert_sql(path, nomenclature, source_id, codes)).fetchone()
    except duckdb.Error as exc:
        # The failed statement aborted the caller's transaction; it rolls back.
        raise _locate_error(path, codes, str(exc)) from None
    rows = int(inserted[0]) if inserted else 0
    logger.info("loaded %d BACI %s rows from %s", rows, nomenclature, path)
    return LoadReport(source_id=source_id, path=str(path), rows={TRADE.name: rows})


def _open_text(path: Path) -> io.TextIOWrapper:
    with path.open("rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if gz else path.open("rb")  # noqa: SIM115 - returned open
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        for fields in reader:
            yield reader.line_num, fields


def _check_header(path: Path) -> None:
    try:
        first = next(_rows(path), (1, []))[1]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        msg = f"cannot read the file: {exc}"
        raise InputError(msg, source=str(path)) from None
    if tuple(f.strip().lower() for f in first) != HEADER:
        msg = f"header is {','.join(first)!r}; expected the native BACI header t,i,j,k,v,q"
        raise InputError(msg, source=str(path), row=1)


def _cell_problem(col: str, cell: str, codes: dict[int, str]) -> str | None:
    text = cell.strip()
    if col == "q" and text in _NULLS:
        return None
    pattern, expected = _CHECKS[col]
    if not re.fullmatch(pattern, text):
        return f"{cell!r} is not {expected}"
    if col in ("i", "j") and int(text) not in codes:
        return f"unknown BACI country code {int(text)} (not in the BACI country table)"
    return None


def _locate_error(path: Path, codes: dict[int, str], detail: str) -> InputError:
    """Find the first malformed row with the same rules as the SQL, for the message."""
    rows = _rows(path)
    next(rows, None)
    for line, fields in rows:
        if len(fields) != len(HEADER):
            msg = f"expected {len(HEADER)} fields (t,i,j,k,v,q), found {len(fields)}"
            return InputError(msg, source=str(path), row=line)
        for col, cell in zip(HEADER, fields, strict=True):
            problem = _cell_problem(col, cell, codes)
            if problem is not None:
                return InputError(problem, source=str(path), row=line, field=col)
    return InputError(f"DuckDB could not read the file: {detail}", source=str(path))


def load_extract(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Load the bundled BACI HS17 extract (``trade.parquet``) into ``trade``.

    The extract (critical-materials-atlas, BACI HS17 V202601, year 2024) has
    ISO3 ``exporter``/``importer``, ``hs6`` text, ``value_kusd`` [kUSD] and
    ``qty_t`` [t]; it is stored exactly like :func:`load` stores native rows.

    Raises
    ------
    InputError
        A missing column, or a row (1-based record number) with an empty code,
        a non-six-digit HS code or a negative or missing value.
    """
    if path.suffix == ".csv":
        return _load_extract_values(con, path, source_id)
    src = f"read_parquet({_sql_literal(str(path))}, file_row_number = true)"
    _check_extract(con, path, src)
    iso = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ISO3_OVERRIDES.items())
    cols = "reporter, partner, flow, hs6, nomenclature, year, quantity_kg, value_usd, source_id"
    inserted = con.execute(
        f"""
        INSERT INTO {TRADE.name} ({cols})
        SELECT CASE exporter {iso} ELSE exporter END, CASE importer {iso} ELSE importer END,
               'export', hs6, '{EXTRACT_NOMENCLATURE}', year,
               round(qty_t * 1000, 6), round(value_kusd * 1000, 6), {_sql_literal(source_id)}
        FROM {src}
        """
    ).fetchone()
    rows = int(inserted[0]) if inserted else 0
    return LoadReport(source_id=source_id, path=str(path), rows={TRADE.name: rows})


def _load_extract_values(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """A value-only year of the same extract family: ``baci_<year>.csv`` with ``i,j,cmd,value``.

    ISO3 exporter ``i``, importer ``j``, HS17 code ``cmd``, value [USD] (BACI v × 1000);
    the file has no quantity, so ``quantity_kg`` stays null. The year is in the name.
    """
    match = re.fullmatch(r"baci_(\d{4})\.csv", path.name)
    if match is None:
        msg = "expected a file named baci_<year>.csv"
        raise InputError(msg, source=str(path))
    year = int(match[1])
    src = (
        f"read_csv({_sql_literal(str(path))}, header = true, "
        "columns = {'i': 'VARCHAR', 'j': 'VARCHAR', 'cmd': 'VARCHAR', 'value': 'DOUBLE'})"
    )
    bad = con.execute(
        f"""SELECT row_number() OVER () + 1 AS line, * FROM {src}
        QUALIFY length(trim(i)) <> 3 OR length(trim(j)) <> 3
           OR NOT regexp_full_match(cmd, '[0-9]{{6}}') OR value IS NULL OR value < 0
        LIMIT 1"""
    ).fetchone()
    if bad is not None:
        msg = "bad row: exporter/importer must be ISO3, cmd six digits, value ≥ 0"
        raise InputError(msg, source=str(path), row=int(bad[0]))
    iso = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ISO3_OVERRIDES.items())
    cols = "reporter, partner, flow, hs6, nomenclature, year, quantity_kg, value_usd, source_id"
    inserted = con.execute(
        f"""
        INSERT INTO {TRADE.name} ({cols})
        SELECT CASE i {iso} ELSE i END, CASE j {iso} ELSE j END, 'export', cmd,
               '{EXTRACT_NOMENCLATURE}', {year}, NULL, value, {_sql_literal(source_id)}
        FROM {src}
        """
    ).fetchone()
    rows = int(inserted[0]) if inserted else 0
    return LoadReport(source_id=source_id, path=str(path), rows={TRADE.name: rows})


_EXTRACT_RULES = {
    "year": "year IS NULL",
    "exporter": "exporter IS NULL OR length(trim(exporter)) <> 3",
    "importer": "importer IS NULL OR length(trim(importer)) <> 3",
    "hs6": "hs6 IS NULL OR NOT regexp_full_match(hs6, '[0-9]{6}')",
    "value_kusd": "value_kusd IS NULL OR value_kusd < 0 OR isnan(value_kusd)",
    "qty_t": "qty_t < 0",
}


def _check_extract(con: duckdb.DuckDBPyConnection, path: Path, src: str) -> None:
    try:
        have = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
    except duckdb.Error as exc:
        msg = f"cannot read the Parquet file: {exc}"
        raise InputError(msg, source=str(path)) from None
    for col, bad in _EXTRACT_RULES.items():
        if col not in have:
            msg_0 = "missing column"
            raise InputError(msg_0, source=str(path), field=col)
        found = con.execute(f"SELECT min(file_row_number) FROM {src} WHERE {bad}").fetchone()
        if found and found[0] is not None:
            msg = f"invalid value (rule: not {bad})"
            raise InputError(msg, source=str(path), row=int(found[0]) + 1, field=col)
