"""USGS Mineral Commodity Summaries (MCS) world production, capacity and reserves.

MCS2025 publishes one wide file (``SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,
PROD_EST_ 2024,…``); MCS2022–2024 one ``mcs<year>-<code>_world.csv`` per commodity whose
column names encode kind, product, unit, estimate and year (``Prod_kt_Est_2022``,
``Cap_Sponge_t_2023``, ``Reserves_ore_K2O_equiv_kt``). Both become long rows of the
``production`` and ``reserves`` tables. Rules on the published ``type`` text (first match
wins; see :func:`measure_of`, :func:`basis_of`):

- ``measure``: smelter (smelter, pig iron) / refinery (refinery, refined) / plant (plant,
  synthetic, compounds, sponge, clinker, cement, raw steel) / mine (mine, ore, crude,
  borates, natural, …) / else plant; ``Cap_*`` columns or a capacity-only type give
  ``"<measure> capacity"``. A marker type (``NA``, ``XX``, empty, on some world rows)
  takes the previous row's measure and basis for the same commodity.
- ``basis``: REO (rare-earth oxide) / gross (gross weight, usable/crude/recoverable ore,
  marketable, calcined or calculated equivalent) / contained (content, contained,
  equivalent) / else gross.
- ``estimated``: ``est`` in the column name, "estimated" in the type, or the USGS footnote
  ``e`` glued to the country label (``Japane``).
- ``unit``: ``UNIT_MEAS`` or the column's unit code; a reserves note stating "million
  (thousand) metric tons" overrides it (MCS2025 iron-ore reserves are in million t).
- ``year`` of reserves: the column's year, else the vintage minus one.

Empty cells (MCS2025 leaves withheld values empty) give no row; ``W``, ``NA``, ``XX``,
bounds (``>2000000``) give a row with the flag in ``qualifier``. Country qualifiers
("(recoverable)", ", crude ore") and footnote markers go to ``note``.

References
----------
USGS, 2025, Mineral Commodity Summaries 2025 Data Release, doi:10.5066/P13XCP3R
(2024: 10.5066/P144BA54; 2023: 10.5066/P9WCYUI6; 2022: 10.5066/P9KKMCP4).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from orechain.atlas import countries
from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.ingest import LoadReport
from orechain.atlas.ingest.usgs_salient import load_salient_file, load_trends_file
from orechain.atlas.ingest.values import clean_text, parse_value
from orechain.atlas.schema import PRODUCTION, RESERVES
from orechain.atlas.store import insert_frame
from orechain.errors import InputError, NotFoundError

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

COLUMN_MAP: dict[str, str] = {
    "source": "source", "commodity": "commodity", "country": "country_name", "type": "type",
    "unit_meas": "unit",
}  # fmt: skip
"""Source header (lower case, no spaces) → glossary name, for the descriptive columns."""

UNIT_CODES: dict[str, str] = {
    "t": "metric tons", "kt": "thousand metric tons", "kg": "kilograms",
    "mmt": "million metric tons", "mt": "million metric tons", "mct": "million carats",
    "kct": "thousand carats", "mcm": "million cubic meters",
}  # fmt: skip
"""Unit codes in MCS2022–2024 column names. ``Mt``/``mt`` is million metric tons: it
appears only on iron-ore reserves, whose notes say "million metric tons"."""

TONNES_PER_UNIT: dict[str, float | None] = {
    "metric tons": 1.0, "thousand metric tons": 1e3, "thousand metric dry tons": 1e3,
    "million metric tons": 1e6, "kilograms": 1e-3,
    "million carats": None, "thousand carats": None, "million cubic meters": None,
}  # fmt: skip
"""Published unit → metric tons per unit; None for units that are not a mass."""

_MEASURE_RULES = (
    ("smelter", re.compile(r"smelter|pig iron")),
    ("refinery", re.compile(r"refinery|refined")),
    ("plant", re.compile(r"\bplant\b|synthetic|compounds|sponge|clinker|cement|raw steel")),
    ("mine", re.compile(r"\bmi?ne\b|\bores?\b|crude|borates|ulexite|datolite|boric|boron|natural"
                        r"|kyanite|usable")),
)  # fmt: skip
_REO = re.compile(r"rare-earth-oxide|\breo\b")
_GROSS = re.compile(r"gross|calcined equivalent|calculated equivalent|usable ore|crude ore"
                    r"|recoverable ore|marketable|\bore\b$")  # fmt: skip
_CONTAINED = re.compile(r"content|contained|equiv|eqivalent")
_MARKER_TYPES = {"", "NA", "XX"}
UNHEADED = "unheaded column "
_NOTE_UNIT = re.compile(r"\b(million|thousand) metric tons\b", re.IGNORECASE)
_FILE_CODE = re.compile(r"mcs\d{4}-?(?P<code>[a-z][a-z\-]*?)_(world|salient)", re.I)
_VINTAGE = re.compile(r"mcs[ _-]?(\d{4})", re.IGNORECASE)
_TRENDS = re.compile(r"^mcs\d{4}_(fig|t)\d+_", re.IGNORECASE)


@dataclass(frozen=True)
class ValueColumn:
    """A decoded value column: ``Prod_kt_est_2022`` → prod, kt, estimated, 2022."""

    name: str
    kind: str
    """'prod', 'cap' or 'reserves'."""
    unit: str | None
    estimated: bool
    year: int | None
    product: str | None
    """Product encoded in the name ('Sponge', 'ore K2O equiv'), if any."""


def decode_column(name: str) -> ValueColumn | str | None:
    """Decode a value or notes column name; None when it is neither.

    Returns the kind (``'prod'``, ``'cap'``, ``'reserves'``) as a string for a
    notes column such as ``Prod_note`` or ``RESERVE_NOTES``.
    """
    tokens = [t for t in re.split(r"[_\s]+", name.strip()) if t]
    if not tokens:
        return None
    kind = {"prod": "prod", "cap": "cap", "reserves": "reserves", "reserve": "reserves"}
    head = kind.get(tokens[0].lower())
    if head is None:
        return None
    if tokens[-1].lower() in ("note", "notes"):
        return head
    year = int(tokens.pop()) if re.fullmatch(r"\d{4}", tokens[-1]) else None
    rest = tokens[1:]
    estimated = any(t.lower() == "est" for t in rest)
    units = [t for t in rest if t.lower() in UNIT_CODES]
    product = " ".join(t for t in rest if t.lower() != "est" and t not in units) or None
    unit = UNIT_CODES[units[-1].lower()] if units else None
    return ValueColumn(name, head, unit, estimated, year, product)


def read_usgs_world(path: Path) -> pd.DataFrame:
    """Read an MCS world CSV as text cells, tolerating BOM, CRLF and legacy encodings.

    Columns without a header are dropped when empty and renamed ``unheaded column
    <position>`` otherwise (their text is kept in the rows' notes). The frame
    index is the 1-based file row (header = row 1), so messages can name it.
    """
    text = path.read_bytes()
    try:
        decoded = text.decode("utf-8-sig")
    except UnicodeDecodeError:
        logger.info("%s is not UTF-8; reading it as cp1252", path)
        decoded = text.decode("cp1252", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(decoded), dtype=object, keep_default_na=False,
                            skip_blank_lines=False)  # fmt: skip
    except pd.errors.EmptyDataError:
        msg = "empty file: expected a header row and data rows"
        raise InputError(msg, source=str(path)) from None
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+), saw (\d+)", str(exc))
        if found is None:
            msg = f"malformed CSV: {exc}"
            raise InputError(msg, source=str(path)) from exc
        msg = f"{found.group(2)} cells where the header has fewer (unquoted comma?)"
        raise InputError(msg, source=str(path), row=int(found.group(1))) from exc
    frame.columns = [clean_text(str(c)) for c in frame.columns]
    renamed = {}
    for pos, col in enumerate(frame.columns, start=1):
        if not col or col.startswith("Unnamed:"):
            renamed[col] = f"{UNHEADED}{pos}" if any(v.strip() for v in frame[col]) else ""
    frame = frame.rename(columns=renamed).drop(columns=[""], errors="ignore")
    frame.index = frame.index + 2
    return frame


def _descriptive_columns(frame: pd.DataFrame, path: Path) -> dict[str, str | None]:
    names = {c.replace(" ", "").lower(): c for c in reversed(frame.columns)}
    cols = {key: names.get(key) for key in COLUMN_MAP}
    if cols["country"] is None:
        msg = "no 'Country' column"
        raise InputError(msg, source=str(path), field="Country")
    if cols["type"] is None and len(frame.columns) > 2:
        # MCS2024 fluorspar publishes the type text itself as the third header.
        cols["type"] = frame.columns[2]
    return cols


def _decode_columns(
    frame: pd.DataFrame, descriptive: dict[str, str | None], path: Path
) -> tuple[list[ValueColumn], dict[str, str]]:
    values: list[ValueColumn] = []
    notes: dict[str, str] = {}
    for col in frame.columns:
        if col in descriptive.values() or col.startswith(UNHEADED):
            continue
        decoded = decode_column(col)
        if decoded is None:
            msg = "unrecognised column (expected Prod_*, Cap_*, Reserves_* or *_notes)"
            raise InputError(msg, source=str(path), row=1, field=col)
        if isinstance(decoded, str):
            notes[decoded] = col
        else:
            values.append(decoded)
    return values, notes


def measure_of(type_text: str) -> str:
    """Production measure (mine, refinery, smelter, plant) from a published type text."""
    text = type_text.lower()
    return next((m for m, rule in _MEASURE_RULES if rule.search(text)), "plant")


def basis_of(type_text: str) -> str:
    """Mass basis (REO, gross, contained) from a published type text; see module notes."""
    text = type_text.lower()
    if _REO.search(text):
        return "REO"
    if _GROSS.search(text):
        return "gross"
    return "contained" if _CONTAINED.search(text) else "gross"


def _commodity_of(path: Path, cells: dict[str, str], col: str | None, row: int) -> str:
    match = _FILE_CODE.search(path.name)
    label = cells[col] if col else (match["code"] if match else path.stem)
    try:
        return resolve_commodity(clean_text(str(label)))
    except NotFoundError as exc:
        raise InputError(str(exc), source=str(path), row=row if col else None, field=col) from exc


@dataclass(frozen=True)
class _Row:
    """What a row says before its value cells: commodity, type, country and unit."""

    rowno: int
    commodity: str
    type_text: str
    measure: str
    basis: str
    country: countries.CountryLabel
    unit: str | None


def _row_context(
    rowno: int,
    cells: dict[str, str],
    cols: dict[str, str | None],
    path: Path,
    memory: dict[str, Any],
) -> _Row:
    commodity = _commodity_of(path, cells, cols["commodity"], rowno)
    type_text = clean_text(cells[cols["type"]]) if cols["type"] else ""
    before: _Row | None = memory.get(commodity)
    inherit = before is not None and type_text.upper() in _MARKER_TYPES
    unit = clean_text(cells[cols["unit_meas"]]) if cols["unit_meas"] else None
    # One MCS2025 rutile row lacks UNIT_MEAS; the other rows of its block state it.
    unit = memory.setdefault(f"{commodity}|{type_text}", unit) if cols["unit_meas"] else None
    country_col = str(cols["country"])
    row = _Row(
        rowno,
        commodity,
        type_text,
        before.measure if inherit and before else measure_of(type_text),
        before.basis if inherit and before else basis_of(type_text),
        countries.parse_country(cells[country_col], source=str(path), row=rowno, field=country_col),
        unit or None,
    )
    memory[commodity] = row
    return row


def _record(row: _Row, col: ValueColumn, raw: str, notes: list[str], path: Path) -> dict[str, Any]:
    cell = parse_value(raw, source=str(path), row=row.rowno, field=col.name)
    if cell.value is not None and cell.value < 0:
        what = {"prod": "production", "cap": "capacity"}.get(col.kind, col.kind)
        msg = f"negative {what} {cell.value:g}: published quantities are never below zero"
        raise InputError(msg, source=str(path), row=row.rowno, field=col.name)
    stated = _NOTE_UNIT.search(notes[0] if notes else "") if col.kind == "reserves" else None
    unit = f"{stated[1].lower()} metric tons" if stated else row.unit or col.unit
    if unit is not None and unit not in TONNES_PER_UNIT:
        msg = f"unknown unit {unit!r}; expected one of {', '.join(TONNES_PER_UNIT)}"
        raise InputError(msg, source=str(path), row=row.rowno, field=col.name)
    factor = TONNES_PER_UNIT.get(unit) if unit else None
    label = row.country
    extra = [f"country label qualifier: {q}" for q in label.qualifiers]
    extra += [f"footnote {label.footnote}"] if label.footnote not in (None, "e") else []
    type_text = f"{row.type_text} [{col.product}]" if col.product else row.type_text
    return {
        "commodity": row.commodity,
        "type": type_text or f"{row.measure} (type not published)",
        "country": label.iso3,
        "country_name": label.label,
        "year": col.year,
        "value": cell.value,
        "unit": unit,
        "quantity_t": cell.value * factor if cell.value is not None and factor else None,
        "basis": basis_of(type_text) if col.product else row.basis,
        "estimated": col.estimated or label.estimated or "estimated" in type_text.lower(),
        "qualifier": cell.flag,
        "note": "; ".join([*extra, *notes]) or None,
    }


_WITHHELD_NOTE = re.compile(r"\bW for (\d{2})(?:\s*[-–]\s*(\d{2}))?\b")


def _withheld_years(note: str) -> set[int]:
    """Years a note declares withheld: ``"W for 23-24"`` → {2023, 2024}.

    MCS 2025 leaves the value cells of withheld rows empty and says so in the
    notes; the README promises withheld values stay as null rows with a flag.
    """
    years: set[int] = set()
    for first, last in _WITHHELD_NOTE.findall(note):
        a = 2000 + int(first)
        b = 2000 + int(last) if last else a
        years.update(range(a, b + 1))
    return years


def _parse_row(
    row: _Row, cells: dict[str, str], values: list[ValueColumn], notes: dict[str, str], path: Path
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ('production' | 'reserves', record) for each non-empty value cell of a row."""
    extras = [c for c in cells if c.startswith(UNHEADED) and clean_text(cells[c])]
    unheaded = [f"{c}: {clean_text(cells[c])}" for c in extras]
    for col in values:
        note = clean_text(cells[notes[col.kind]]) if col.kind in notes else ""
        raw = cells[col.name]
        if not clean_text(raw):
            if col.year is None or col.year not in _withheld_years(note):
                continue
            raw = "W"  # MCS 2025 states "W for 23-24" in the notes, leaving the cells empty
        rec = _record(row, col, raw, [n for n in (note, *unheaded) if n], path)
        if col.kind == "reserves":
            yield "reserves", rec
            continue
        text = row.type_text.lower()
        capacity = col.kind == "cap" or ("capacity" in text and "production" not in text)
        yield "production", {**rec, "measure": row.measure + (" capacity" if capacity else "")}


def parse_usgs_world(
    frame: pd.DataFrame, *, path: Path, vintage: int
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Turn a raw MCS world table into tidy production and reserves frames.

    Parameters
    ----------
    frame
        Output of :func:`read_usgs_world` (text cells, index = file row).
    path
        The file, for messages and (per-commodity layout) the commodity code.
    vintage
        MCS edition year, e.g. 2025; reserves without a year refer to ``vintage - 1``.

    Returns
    -------
    production, reserves, metadata
        Frames with the columns of the ``production`` / ``reserves`` tables except
        ``source_id``; metadata names the layout, vintage and decoded columns.

    Raises
    ------
    InputError
        On the first malformed cell, naming file, row and column.
    """
    cols = _descriptive_columns(frame, path)
    values, notes = _decode_columns(frame, cols, path)
    values = [replace(c, year=vintage - 1) if c.year is None else c for c in values]
    out: dict[str, list[dict[str, Any]]] = {"production": [], "reserves": []}
    memory: dict[str, Any] = {}
    for rowno, cells in frame.to_dict("index").items():
        if any(v.strip() for v in cells.values()):
            row = _row_context(int(rowno), cells, cols, path, memory)
            for table, rec in _parse_row(row, cells, values, notes, path):
                out[table].append(rec)
    layout = "wide" if cols["commodity"] else "per-commodity"
    metadata = {"path": str(path), "vintage": vintage, "layout": layout, "columns": values}
    return pd.DataFrame(out["production"]), pd.DataFrame(out["reserves"]), metadata


def vintage_of(path: Path) -> int:
    """MCS edition year from a file or folder name (``usgs_mcs2024``, ``mcs2023-…``)."""
    for part in reversed(path.resolve().parts):
        match = _VINTAGE.search(part)
        if match:
            return int(match[1])
    msg = "cannot tell the MCS edition year from the path (expected 'mcs<year>' in a name)"
    raise InputError(msg, source=str(path))


def default_source_id(path: Path) -> str:
    """Source id for a user ingest: ``usgs-mcs-<edition>:<name>``.

    The edition prefix keeps it in the ``usgs-mcs`` family and orders it after
    the bundled vintage of the same year, so queries prefer the newer load;
    the name suffix keeps a one-file load from replacing a whole bundled vintage.
    """
    return f"usgs-mcs-{vintage_of(path)}:{path.name}"


def classify_file(path: Path) -> str | None:
    """'world', 'salient', 'trends' or None (not an MCS table we read)."""
    name = path.name
    if path.suffix.lower() != ".csv":
        return None
    if _TRENDS.match(name) or path.parent.name == "industry_trends":
        return "trends"
    if name.lower().endswith("_salient.csv"):
        return "salient"
    if re.search(r"_world(_data)?\.csv$", name, re.IGNORECASE):
        return "world"
    return None


def _parse_files(paths: list[Path], source_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    prods, reserves = [], []
    for path in paths:
        prod, res, _ = parse_usgs_world(read_usgs_world(path), path=path, vintage=vintage_of(path))
        prods.append(prod.assign(source_id=source_id))
        reserves.append(res.assign(source_id=source_id))
    return pd.concat(prods, ignore_index=True), pd.concat(reserves, ignore_index=True)


def load(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Load an MCS vintage folder (world, salient and industry-trends files) or one file.

    Every world file is parsed and validated before any row is inserted; the
    caller's transaction makes the whole load all-or-nothing. Salient and
    industry-trends files go to :func:`load_salient_file` / :func:`load_trends_file`.
    """
    files = sorted(p for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file())
    kinds = {p: classify_file(p) for p in files}
    if path.is_file() and kinds[path] is None:
        msg = "not a USGS MCS world, salient or industry-trends CSV file"
        raise InputError(msg, source=str(path))
    world = [p for p in files if kinds[p] == "world"]
    rows: dict[str, int] = {"production": 0, "reserves": 0}
    if world:
        prod, res = _parse_files(world, source_id)
        rows["production"] = insert_frame(con, PRODUCTION, prod, source=str(path))
        rows["reserves"] = insert_frame(con, RESERVES, res, source=str(path))
    others: dict[Path, str | None] = {p: k for p, k in kinds.items() if k in ("salient", "trends")}
    warnings = _load_salient(con, others, source_id, rows) if others else []
    logger.info("loaded %s from %s: %s", source_id, path, rows)
    return LoadReport(source_id, str(path), rows, tuple(warnings))


def _load_salient(
    con: duckdb.DuckDBPyConnection,
    files: dict[Path, str | None],
    source_id: str,
    rows: dict[str, int],
) -> list[str]:
    warnings: list[str] = []
    for path, kind in files.items():
        loader = load_salient_file if kind == "salient" else load_trends_file
        report = loader(con, path, source_id)
        for table, n in report.rows.items():
            rows[table] = rows.get(table, 0) + n
        warnings.extend(report.warnings)
    return warnings
