"""UN Comtrade API extracts (CSV, one row per record of the v1 API) → ``trade``.

A Comtrade record is a flow *as declared by the reporter*: ``reporterCode``
and ``partnerCode`` are UN M49 numeric codes (partner 0 = World), ``flowCode``
``M`` (imports, CIF) or ``X`` (exports, FOB), ``cmdCode`` the HS code at the
level queried (6 digits, or a 4-digit heading such as ``2846``),
``primaryValue`` in US dollars and ``netWgt`` in kilograms.

Rules applied on load (each one counted in the report's warnings):

- only totals are kept: ``motCode`` 0 (all modes of transport), ``mosCode`` 0,
  ``customsCode`` C00 and ``partner2Code`` 0; the API also returns breakdowns
  by mode of transport that would otherwise be double counted;
- ``M``/``X`` become ``import``/``export``; re-imports/re-exports and other
  flow codes are skipped;
- exact duplicates (same year, reporter, flow, partner and code with the same
  value and weight — e.g. the same rare-earth records in the "light" and
  "heavy" REE files) are loaded once; the same key with *different* figures
  is an :class:`~orechain.errors.InputError`, because picking one would be a
  silent choice;
- a zero ``netWgt`` on a non-zero value means "not reported": the quantity
  falls back to ``qty`` when its unit is kg (``qtyUnitCode`` 8), else null;
- codes keep the length queried; ``nomenclature`` is the published
  ``classificationCode`` (``H4``, ``H5``, ``H6``), which is how trade queries
  tell Comtrade rows from BACI's ``HS92``/``HS17``.

References
----------
United Nations Statistics Division, UN Comtrade database, API v1 data items
(https://comtradeplus.un.org/); M49 standard country codes
(https://unstats.un.org/unsd/methodology/m49/).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pycountry

from orechain.atlas.ingest import LoadReport
from orechain.atlas.ingest.baci import ISO3_OVERRIDES, read_country_codes
from orechain.atlas.schema import TRADE
from orechain.atlas.sources import data_dir
from orechain.atlas.store import insert_frame
from orechain.errors import InputError

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

REQUIRED = ("refYear", "reporterCode", "flowCode", "partnerCode", "cmdCode", "primaryValue")
FLOWS = {"M": "import", "X": "export"}
WORLD = "WLD"
TOTALS = {"motCode": "0", "mosCode": "0", "customsCode": "C00", "partner2Code": "0"}
"""Breakdown columns and the code of their total."""
KEY = ("year", "reporter", "flow", "partner", "hs6")


@cache
def _m49_table() -> dict[int, str]:
    return read_country_codes(data_dir() / "baci_hs17_extract" / "country_codes_V202601.csv")


def m49_to_iso3(code: int) -> str | None:
    """ISO3 for a UN M49 / Comtrade numeric code; 0 → ``WLD``; None when unknown.

    Comtrade's country codes are those of the BACI country table (BACI is
    built from Comtrade: 490 "Other Asia, nes" → TWN, 699 India, 757
    Switzerland, 842 USA), then ISO 3166-1 numeric codes.
    """
    if code == 0:
        return WORLD
    found = _m49_table().get(code)
    if found is not None:
        return found
    country = pycountry.countries.get(numeric=f"{code:03d}")
    return ISO3_OVERRIDES.get(country.alpha_3, country.alpha_3) if country else None


def _files(path: Path) -> list[Path]:
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        msg = "no CSV files in the folder"
        raise InputError(msg, source=str(path))
    return files


def read_comtrade(path: Path) -> pd.DataFrame:
    """Read one API CSV as text, checking the required columns; adds ``_file``/``_row``."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"cannot read the CSV file: {exc}"
        raise InputError(msg, source=str(path)) from None
    for col in REQUIRED:
        if col not in frame.columns:
            msg = f"missing column; a UN Comtrade API CSV needs {', '.join(REQUIRED)}"
            raise InputError(msg, source=str(path), row=1, field=col)
    return frame.assign(_file=str(path), _row=range(2, len(frame) + 2))


def _number(frame: pd.DataFrame, col: str, *, required: bool) -> pd.Series:
    text = frame[col].str.strip() if col in frame.columns else pd.Series("", index=frame.index)
    values = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = (text != "") & (values.isna() | (values < 0))
    if required:
        bad |= text == ""
    if bad.any():
        first = frame.loc[bad].iloc[0]
        msg = f"{first.get(col, '')!r} is not a non-negative number"
        raise InputError(msg, source=first["_file"], row=int(first["_row"]), field=col)
    return values


def _country(frame: pd.DataFrame, col: str) -> pd.Series:
    codes = _number(frame, col, required=True).astype(int)
    iso = codes.map(m49_to_iso3)
    if iso.isna().any():
        first = frame.loc[iso.isna()].iloc[0]
        msg = f"unknown M49 country code {first[col]!r}"
        raise InputError(msg, source=first["_file"], row=int(first["_row"]), field=col)
    return iso


def _quantity_kg(frame: pd.DataFrame, value: pd.Series) -> pd.Series:
    net = _number(frame, "netWgt", required=False)
    qty = _number(frame, "qty", required=False)
    kg_qty = qty.where(frame.get("qtyUnitCode", pd.Series("", index=frame.index)) == "8")
    missing = net.isna() | ((net == 0) & (value > 0))
    fallback = kg_qty.where(kg_qty > 0)
    return net.where(~missing, fallback)


def parse_comtrade(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Keep totals of M/X flows and map codes; return a ``trade``-shaped frame and warnings."""
    warnings: list[str] = []
    keep = pd.Series(True, index=frame.index)
    for col, total in TOTALS.items():
        if col in frame.columns:
            keep &= frame[col].str.strip().isin([total, ""])
    flows = frame["flowCode"].str.strip()
    other_flows = sorted(set(flows[keep & ~flows.isin(list(FLOWS))]))
    if (~keep).any():
        warnings.append(f"skipped {int((~keep).sum())} breakdown rows (mode of transport etc.)")
    if other_flows:
        warnings.append(f"skipped flows other than M/X: {', '.join(other_flows)}")
    rows = frame[keep & flows.isin(list(FLOWS))]
    value = _number(rows, "primaryValue", required=True)
    out = pd.DataFrame(
        {
            "reporter": _country(rows, "reporterCode"),
            "partner": _country(rows, "partnerCode"),
            "flow": rows["flowCode"].str.strip().map(FLOWS),
            "hs6": rows["cmdCode"].str.strip(),
            "nomenclature": rows.get("classificationCode", pd.Series(None, index=rows.index)),
            "year": _number(rows, "refYear", required=True).astype(int),
            "quantity_kg": _quantity_kg(rows, value),
            "value_usd": value,
            "_file": rows["_file"],
            "_row": rows["_row"],
        }
    )
    return out, warnings


def _deduplicate(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop exact duplicates; raise on the same key with different figures."""
    figures = [*KEY, "value_usd", "quantity_kg"]
    unique = frame.drop_duplicates(figures)
    clash = unique.duplicated(list(KEY))
    if clash.any():
        second = unique.loc[clash].iloc[0]
        first = unique[(unique[list(KEY)] == second[list(KEY)]).all(axis=1)].iloc[0]
        msg = (
            f"conflicting duplicate of {first['_file']} row {first['_row']}: same year, "
            "reporter, flow, partner and code with a different value or weight"
        )
        raise InputError(msg, source=second["_file"], row=int(second["_row"]), field="primaryValue")
    return unique, len(frame) - len(unique)


def load(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Load a UN Comtrade API CSV, or every ``*.csv`` of a folder, into ``trade``.

    Runs inside the caller's transaction; the first malformed cell raises an
    :class:`~orechain.errors.InputError` naming file, row and column before
    anything is inserted.
    """
    parsed, warnings = [], []
    for file in _files(path):
        frame, notes = parse_comtrade(read_comtrade(file))
        parsed.append(frame)
        warnings += [f"{file.name}: {n}" for n in notes]
    tidy, dropped = _deduplicate(pd.concat(parsed, ignore_index=True))
    if dropped:
        warnings.append(f"dropped {dropped} exact duplicate rows")
    short = int((tidy["hs6"].str.len() != 6).sum())
    if short:
        warnings.append(f"{short} rows carry a 4-digit HS heading as queried, stored as published")
    tidy = tidy.drop(columns=["_file", "_row"]).assign(source_id=source_id)
    rows = insert_frame(con, TRADE, tidy, source=str(path))
    for note in warnings:
        logger.info("%s: %s", path, note)
    return LoadReport(
        source_id=source_id, path=str(path), rows={TRADE.name: rows}, warnings=tuple(warnings)
    )
