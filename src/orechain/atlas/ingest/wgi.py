"""World Bank Worldwide Governance Indicators (WGI) → the ``wgi`` table.

The official workbook ``wgidataset.xlsx`` (2024 update, data 1996–2023; kept in the
repository under ``data-raw/wgi/``, not in the wheel) is long
format: one row per economy, year and indicator, with the header
``codeindyr, code, countryname, year, indicator, estimate, stddev, nsource,
pctrank, pctranklower, pctrankupper``. :func:`read_wgi` reads it, or a CSV with
the same columns (the bundled ``wgi/wgidataset.csv`` is derived from the workbook
by ``scripts/derive_wgi_csv.py`` because openpyxl needs about 2 s for the 32,100
rows and the CSV about 0.1 s).

WGI's country codes are mostly ISO 3166-1 alpha-3, but not always
(:data:`CODE_FIXES`); missing values are the string ``..``.

References
----------
Kaufmann, D., Kraay, A. & Mastruzzi, M. (2010), The Worldwide Governance
Indicators: Methodology and Analytical Issues, World Bank Policy Research
Working Paper 5430, https://www.worldbank.org/en/publication/worldwide-governance-indicators
(data CC BY 4.0).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orechain.atlas.ingest import LoadReport
from orechain.atlas.ingest.values import parse_value
from orechain.atlas.schema import WGI
from orechain.errors import InputError

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

COLUMNS = (
    "codeindyr", "code", "countryname", "year", "indicator", "estimate",
    "stddev", "nsource", "pctrank", "pctranklower", "pctrankupper",
)  # fmt: skip
"""Header of the official long-format workbook (2024 update)."""

INDICATORS = ("va", "pv", "ge", "rq", "rl", "cc")
"""Voice and accountability, political stability and absence of violence/terrorism,
government effectiveness, regulatory quality, rule of law, control of corruption."""

CODE_FIXES: dict[str, str] = {
    "ZAR": "COD",  # DR Congo (WGI keeps the pre-1997 Zaire code)
    "ROM": "ROU",  # Romania (ISO changed ROM → ROU in 2002)
    "ADO": "AND",  # Andorra
    "TMP": "TLS",  # Timor-Leste (ISO TMP withdrawn 2002)
    "KSV": "XKX",  # Kosovo (user-assigned code used by the World Bank and EU)
    "WBG": "PSE",  # West Bank and Gaza
}
"""WGI codes that are not the ISO3 code of the economy. ``ANT`` (the former
Netherlands Antilles, ISO 3166-3) is kept as published."""


def read_wgi(path: Path) -> pd.DataFrame:
    """Read the WGI workbook (``.xlsx``) or a CSV with the same columns, as text.

    Every cell is read as published (strings), so that :func:`parse_wgi` sees
    ``..`` and can name the row of a broken value.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("code", "year", "indicator", "estimate") if c not in frame.columns]
    if missing:
        msg = f"not a WGI table: missing column(s) {', '.join(missing)}"
        raise InputError(msg, source=str(path), row=1, field=missing[0])
    return frame


def _read_xlsx(path: Path) -> pd.DataFrame:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        msg = "empty workbook"
        raise InputError(msg, source=str(path))
    header = [str(h) for h in rows[0]]
    body = [["" if v is None else str(v) for v in row] for row in rows[1:]]
    return pd.DataFrame(body, columns=header)


def parse_wgi(frame: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Tidy ``wgi`` rows: iso3 (codes fixed), year, indicator, estimate (``..`` → null).

    Raises
    ------
    InputError
        Naming ``source``, the 1-based file row (header = row 1) and the column,
        for an unknown indicator, a non-integer year or an unreadable estimate.
    """
    records = []
    for at, (code, year, indicator, estimate) in enumerate(
        frame[["code", "year", "indicator", "estimate"]].itertuples(index=False), start=2
    ):
        records.append(
            (
                _iso3(code, source, at),
                _year(year, source, at),
                _indicator(indicator, source, at),
                parse_value(estimate, source=source, row=at, field="estimate").value,
            )
        )
    return pd.DataFrame.from_records(records, columns=["iso3", "year", "indicator", "estimate"])


def _iso3(code: str, source: str, row: int) -> str:
    text = str(code).strip().upper()
    if len(text) != 3 or not text.isalpha():
        msg = f"country code {code!r} is not a three-letter code"
        raise InputError(msg, source=source, row=row, field="code")
    return CODE_FIXES.get(text, text)


def _year(year: str, source: str, row: int) -> int:
    text = str(year).strip().removesuffix(".0")
    if not text.isdigit() or len(text) != 4:
        msg = f"year {year!r} is not a four-digit year"
        raise InputError(msg, source=source, row=row, field="year")
    return int(text)


def _indicator(indicator: str, source: str, row: int) -> str:
    text = str(indicator).strip().lower()
    if text not in INDICATORS:
        msg = f"indicator {indicator!r} is not one of {', '.join(INDICATORS)}"
        raise InputError(msg, source=source, row=row, field="indicator")
    return text


def load(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Load a WGI workbook or CSV into the ``wgi`` table (all rows or none)."""
    from orechain.atlas.store import insert_frame

    frame = parse_wgi(read_wgi(path), source=str(path))
    frame["source_id"] = source_id
    count = insert_frame(con, WGI, frame, source=str(path))
    missing = int(frame["estimate"].isna().sum())
    logger.info("%s: %d WGI rows, %d without an estimate", path.name, count, missing)
    return LoadReport(source_id, str(path), {"wgi": count})
