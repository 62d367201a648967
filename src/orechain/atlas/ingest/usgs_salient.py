"""U.S. salient statistics and the net-import-reliance figure of USGS MCS releases.

Each MCS data release has one ``mcsYYYY-<code>_salient.csv`` per commodity (U.S.
production, trade, consumption, price, employment and net import reliance over
five years) and the figure data of the introductory chapter
(``MCSYYYY_Fig2_Net_Import_Reliance.csv``). The USGS vintage loader
(:mod:`orechain.atlas.ingest.usgs_mcs`) calls :func:`load_salient_file` and
:func:`load_trends_file` for the files it finds in a vintage folder.

Salient headers differ per commodity and vintage (``USprod_Mine_t``,
``Imports_Ores_kt``, ``Price_US_ctslb``, ``Bauxite_NIR_pct``, ``HPQPrice_dt``,
``USprod_Minet``). Each column keeps its published name as ``item``; the
``variable`` comes from the first keyword found (:data:`VARIABLE_KEYWORDS`) and
the unit from the name's last ``_``-separated token (:data:`UNITS`).

Unit decoding (last token of the column name, or its ending when USGS glued it
to a word, e.g. ``Minet`` → t):

=========  ==============  =========  =================
suffix     unit            suffix     unit
=========  ==============  =========  =================
t          t               dkg        USD/kg
kt         kt              dlb        USD/lb
mmt        Mt              ctslb      USc/lb
kg         kg              dt         USD/t
g          g               dst        USD/short ton
mct        Mct (carats)    dto, dtoz  USD/troy oz
ct         ct (carats)     dg         USD/g
pct        pct             dct        USD/ct
num, um    number          df         USD/flask
mcm        million m3      mdol       million USD
msqft      million ft2     index      index
=========  ==============  =========  =================

Exceptions, all published mislabels: net-import-reliance columns are percent
whatever their suffix (``NIR_Compounds-Metals_t``, ``NIR_ct``); employment is a
head count (``Employment_m``, ``Employment_``); a price column whose suffix is
not a price unit (``Alumina_Price_kt``) or is ambiguous
(``Price_dt dlb (both used)``) gets a null unit.

References
----------
U.S. Geological Survey (2025), Mineral Commodity Summaries 2025 Data Release,
https://doi.org/10.5066/P13XCP3R (likewise P144BA54 for 2024, P9WCYUI6 for 2023,
P9KKMCP4 for 2022).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.ingest import LoadReport
from orechain.atlas.ingest.values import clean_text, parse_value
from orechain.atlas.schema import SALIENT, US_IMPORT_SOURCES
from orechain.errors import InputError, NotFoundError

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

UNITS: dict[str, str] = {
    "t": "t", "kt": "kt", "mmt": "Mt", "kg": "kg", "g": "g", "mct": "Mct", "ct": "ct",
    "pct": "pct", "num": "number", "um": "number", "mcm": "million m3",
    "msqft": "million ft2", "index": "index", "mdol": "million USD",
    "dkg": "USD/kg", "dlb": "USD/lb", "ctslb": "USc/lb", "dt": "USD/t",
    "dst": "USD/short ton", "dto": "USD/troy oz", "dtoz": "USD/troy oz", "dg": "USD/g",
    "dct": "USD/ct", "df": "USD/flask",
}  # fmt: skip
"""Column-name suffix → unit; see the module docstring."""

VARIABLE_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("net_import_reliance", ("NIR",)),
    ("price", ("price",)),
    ("employment", ("employment",)),
    ("stocks", ("stocks",)),
    ("imports", ("imports",)),
    ("exports", ("exports",)),
    ("consumption", ("consum", "apparent", "apprnt")),
    ("us_production", ("prod", "mine", "refinery", "extracted")),
)
"""Keyword → variable, first match wins (``Price_Imports_dct`` is a price).
``NIR`` is matched case-sensitively, the others case-insensitively; anything
else (shipments from the national stockpile, sales, sold) is ``other``."""

ID_COLUMNS = ("DataSource", "Source", "Commodity", "Year")
PRICE_UNIT = re.compile(r"^(USD|USc|index|million USD)")
_FILE_CODE = re.compile(r"mcs\d{4}-(?P<code>.+)_salient$", re.IGNORECASE)


def read_csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Rows of a USGS CSV as ``(line number, cells)``; BOM and CRLF handled.

    The header is line 1. Blank rows are dropped; cells are kept as published.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((reader.line_num, cells))
    if not rows:
        msg = "empty file"
        raise InputError(msg, source=str(path))
    return rows


def decode_column(name: str) -> tuple[str, str | None]:
    """Variable and unit of a salient column name.

    Examples
    --------
    >>> decode_column("Price_US_ctslb"), decode_column("NIR_Compounds-Metals_t")
    (('price', 'USc/lb'), ('net_import_reliance', 'pct'))
    >>> decode_column("USprod_Minet"), decode_column("Shipments_Gov_t")
    (('us_production', 't'), ('other', 't'))
    """
    variable = _variable(name)
    unit = _unit(name.rsplit("_", 1)[-1] if "_" in name else name)
    if variable == "net_import_reliance":
        unit = "pct"
    elif variable == "employment":
        unit = "number"
    elif variable == "price" and (unit is None or not PRICE_UNIT.match(unit)):
        unit = None
    return variable, unit


def _variable(name: str) -> str:
    lowered = name.lower()
    for variable, keys in VARIABLE_KEYWORDS:
        haystack = name if variable == "net_import_reliance" else lowered
        if any(k in haystack for k in keys):
            return variable
    return "other"


def _unit(token: str) -> str | None:
    key = token.strip().lower()
    if key in UNITS:
        return UNITS[key]
    for suffix in sorted(UNITS, key=len, reverse=True):
        if key.endswith(suffix) and len(key) - len(suffix) >= 3:
            return UNITS[suffix]
    return None


def commodity_from_file(path: Path, published_name: str | None) -> str:
    """Commodity id from the file-name code (``rareee``), else the Commodity column.

    Raises
    ------
    InputError
        Naming the file, when neither resolves in the commodity catalogue.
    """
    match = _FILE_CODE.search(path.stem)
    candidates = [match.group("code")] if match else []
    if published_name:
        candidates.append(clean_text(published_name))
    for candidate in candidates:
        try:
            return resolve_commodity(candidate)
        except NotFoundError:
            continue
    msg = f"unknown commodity (file code / name {', '.join(map(repr, candidates))})"
    raise InputError(msg, source=str(path), field="Commodity")


def parse_salient(path: Path, rows: list[tuple[int, list[str]]]) -> tuple[pd.DataFrame, list[str]]:
    """Long ``salient`` rows of one salient file, and warnings.

    Every cell is parsed before anything is returned, so a broken cell fails the
    whole file (:class:`~orechain.errors.InputError` naming row and column).
    """
    header = [clean_text(h) for h in rows[0][1]]
    columns, warnings = _data_columns(path, header, rows[1:])
    year_at = header.index("Year")
    name_at = header.index("Commodity")
    commodity = commodity_from_file(path, rows[1][1][name_at] if len(rows) > 1 else None)
    records = []
    for line, cells in rows[1:]:
        year = _year(cells[year_at] if year_at < len(cells) else "", path, line)
        for at, item in columns:
            raw = cells[at] if at < len(cells) else ""
            cell = parse_value(raw, source=str(path), row=line, field=item)
            variable, unit = decode_column(item)
            records.append((commodity, year, variable, item, cell.value, unit, cell.flag))
    names = ["commodity", "year", "variable", "item", "value", "unit", "flag"]
    return pd.DataFrame.from_records(records, columns=names), warnings


def _data_columns(
    path: Path, header: list[str], rows: list[tuple[int, list[str]]]
) -> tuple[list[tuple[int, str]], list[str]]:
    """Positions and names of the data columns; duplicate names get a ``(2)`` suffix."""
    columns: list[tuple[int, str]] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for at, name in enumerate(header):
        if name in ID_COLUMNS:
            continue
        if not name:
            if any(at < len(c) and c[at].strip() for _, c in rows):
                warnings.append(f"{path.name}: values under unnamed column {at + 1} ignored")
            continue
        if name in seen:
            warnings.append(f"{path.name}: duplicate column {name!r} kept as {name + ' (2)'!r}")
            name = f"{name} (2)"
        seen.add(name)
        columns.append((at, name))
    return columns, warnings


def _year(raw: str, path: Path, line: int) -> int:
    text = clean_text(raw)
    if not re.fullmatch(r"\d{4}", text):
        msg = f"year {raw!r} is not a four-digit year"
        raise InputError(msg, source=str(path), row=line, field="Year")
    return int(text)


def load_salient_file(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Load one ``*_salient.csv`` into the ``salient`` table.

    A file whose header is a world-production layout (``Source,Country,Type``,
    three such files are misnamed in the MCS 2024 release) is skipped with a
    warning, since it holds no U.S. salient statistics.
    """
    from orechain.atlas.store import insert_frame

    rows = read_csv_rows(path)
    header = [clean_text(h) for h in rows[0][1]]
    if "Year" not in header or "Commodity" not in header:
        note = f"{path.name}: not a salient-statistics layout (header {header[:3]}); skipped"
        logger.info(note)
        return LoadReport(source_id, str(path), {}, (note,))
    frame, warnings = parse_salient(path, rows)
    frame["source_id"] = source_id
    count = insert_frame(con, SALIENT, frame, source=str(path))
    return LoadReport(source_id, str(path), {"salient": count}, tuple(warnings))


def load_trends_file(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Load an industry-trends file; only the net-import-reliance figure (Fig. 2) is used.

    Fig. 2 gives, per commodity, the published net import reliance of the latest
    year (→ ``salient``, variable ``net_import_reliance``, item ``Fig2: <label>``)
    and the major import sources in descending order of import share
    (→ ``us_import_sources`` with rank, share null). Fig. 3 is a map of how many
    commodities each country is a major source of — not per commodity — so it
    is skipped, like the other trend tables, with a warning. Every cell and
    country is checked before anything is inserted; a label the commodity
    catalogue lacks is reported as a warning and its row is not loaded.
    """
    from orechain.atlas.store import insert_frame

    if "Net_Import_Reliance" not in path.name:
        note = f"{path.name}: industry-trends table not used by the atlas; skipped"
        return LoadReport(source_id, str(path), {}, (note,))
    salient, sources, warnings = parse_nir_figure(path, read_csv_rows(path))
    salient["source_id"] = source_id
    sources["source_id"] = source_id
    counts = {
        "salient": insert_frame(con, SALIENT, salient, source=str(path)),
        "us_import_sources": insert_frame(con, US_IMPORT_SOURCES, sources, source=str(path)),
    }
    return LoadReport(source_id, str(path), counts, tuple(warnings))


FIG2_NAMES: dict[str, str] = {
    "PLATINUM": "Platinum-Group Metals",
    "PALLADIUM": "Platinum-Group Metals",
    "ALUMINA": "Bauxite and Alumina",
    "BAUXITE": "Bauxite and Alumina",
    "NEPHELINE SYENITE": "Feldspar and Nepheline Syenite",
    "FELDSPAR": "Feldspar and Nepheline Syenite",
    "ABRASIVES": "Abrasives (Manufactured)",
    "ZIRCONIUM": "Zirconium and Hafnium",
    "TITANIUM": "Titanium and Titanium Dioxide",
}
"""Fig. 2 labels (before the comma) that name a part of a USGS chapter."""

REGIONS = frozenset({"Europe"})
"""Import-source labels that are regions, not countries: kept out with a warning."""


def fig2_commodity(label: str) -> str | None:
    """Commodity id of a Fig. 2 label such as ``RARE EARTHS, compounds and metals``.

    Tries the label, its head before the comma, the head without or with its
    parenthesis turned round (``DIAMOND (INDUSTRIAL)`` → ``industrial diamond``)
    and :data:`FIG2_NAMES`; returns None when the catalogue has none of them.

    Examples
    --------
    >>> fig2_commodity("ANTIMONY, metal and oxide"), fig2_commodity("PALLADIUM")
    ('antimony', 'platinum-group-metals')
    """
    head = clean_text(label.split(",", 1)[0])
    bare = re.sub(r"\s*\(.*?\)", "", head).strip()
    paren = re.search(r"\((.*?)\)", head)
    turned = f"{paren.group(1)} {bare}" if paren else bare
    for candidate in (label, head, bare, turned, FIG2_NAMES.get(head, "")):
        if not candidate:
            continue
        try:
            return resolve_commodity(candidate)
        except NotFoundError:
            continue
    return None


def parse_nir_figure(
    path: Path, rows: list[tuple[int, list[str]]]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``salient`` and ``us_import_sources`` rows of a Fig. 2 file, and warnings."""
    header = [clean_text(h) for h in rows[0][1]]
    nir_at, year = _prefixed(header, "Net_Import_Reliance_pct_", path)
    src_at, period = _prefixed(header, "Major_Import_Sources_", path)
    label_at = header.index("Commodity")
    salient: list[tuple[object, ...]] = []
    sources: list[tuple[object, ...]] = []
    warnings: list[str] = []
    taken: set[str] = set()
    for line, cells in rows[1:]:
        label = clean_text(cells[label_at])
        commodity = fig2_commodity(label)
        cell = parse_value(cells[nir_at], source=str(path), row=line, field=header[nir_at])
        ranked = _import_sources(cells[src_at], path, line, header[src_at], warnings)
        if commodity is None:
            warnings.append(f"{path.name} row {line}: commodity {label!r} is not in the "
                            "catalogue; row not loaded")  # fmt: skip
            continue
        salient.append((commodity, int(year), "net_import_reliance", f"Fig2: {label}",
                        cell.value, "pct", cell.flag))  # fmt: skip
        if commodity in taken:
            warnings.append(f"{path.name} row {line}: import sources of {label!r} not kept; "
                            f"{commodity!r} already has a list from an earlier row")  # fmt: skip
            continue
        taken.add(commodity)
        sources.extend((commodity, _period(period), rank, iso3, None, label)
                       for rank, iso3 in enumerate(ranked, start=1))  # fmt: skip
    salient_cols = ["commodity", "year", "variable", "item", "value", "unit", "flag"]
    source_cols = ["commodity", "period", "rank", "country", "share", "item"]
    return (pd.DataFrame.from_records(salient, columns=salient_cols),
            pd.DataFrame.from_records(sources, columns=source_cols), warnings)  # fmt: skip


def _prefixed(header: list[str], prefix: str, path: Path) -> tuple[int, str]:
    for at, name in enumerate(header):
        if name.startswith(prefix):
            return at, name.removeprefix(prefix)
    msg = f"no column starting with {prefix!r}"
    raise InputError(msg, source=str(path), row=1, field=prefix)


def _period(years: str) -> str:
    """``2020_2023`` → ``2020-23`` (the period the import shares cover)."""
    first, _, last = years.partition("_")
    return f"{first}-{last[-2:]}" if last else first


def _import_sources(raw: str, path: Path, line: int, field: str, warnings: list[str]) -> list[str]:
    """ISO3 codes of a comma-separated source list, footnote digits (``China3``) removed."""
    from orechain.atlas.countries import to_iso3

    out: list[str] = []
    for part in clean_text(raw).split(","):
        label = re.sub(r"\d+$", "", part).strip()
        if not label:
            continue
        if label in REGIONS:
            warnings.append(f"{path.name} row {line}: region {label!r} is not a country; left out")
            continue
        out.append(to_iso3(label, source=str(path), row=line, field=field))
    return out
