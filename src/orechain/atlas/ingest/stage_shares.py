"""Country shares of value-chain stages that the USGS tables lack → ``stage_shares``.

Sources, one loader dispatching on the file:

- ``eucrm.json`` — EU CRM 2023 final report, Table A "major global supplier":
  the top supplier's share per raw material, stage E (extraction) → ``mining``,
  P (processing) → ``processing``. Shares are averages over the assessment's
  reference period (mostly 2016–2020), stored under year 2020.
- ``iea.json`` — IEA Critical Minerals Dataset (May 2025, base year 2024):
  mining and refining supply by country for copper, cobalt, lithium, nickel,
  graphite and the magnet rare earths (Nd, Pr, Dy, Tb; refining = separation
  and refining). Only the 2024 values are loaded: later years are IEA
  base-case projections, not production. Two IEA footnotes that the JSON
  conversion parsed as "countries" (no values) are dropped.
- ``refining.json`` — critical-materials-atlas, refined-stage leaders reported
  from IEA GCMO 2025 and USGS MCS 2024/25; only entries not computed from the
  IEA dataset (``computed: false``) are loaded, because iea.json already
  covers the others.
- ``stage_shares_curated.csv`` — published estimates for stages with no
  machine-readable source; every row must cite its document.

References
----------
European Commission (2023), Study on the critical raw materials for the EU 2023
— Final report, DOI 10.2873/725585. IEA (2025), Critical Minerals Dataset,
https://www.iea.org/data-and-statistics/data-product/critical-minerals-dataset
(CC BY 4.0).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.ingest import LoadReport
from orechain.atlas.ingest.values import clean_text, parse_value
from orechain.atlas.schema import STAGE_SHARES
from orechain.errors import InputError, NotFoundError
from orechain.stages import is_stage, resolve_stage

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

COLUMNS = ["commodity", "stage", "country", "year", "share", "quantity_t", "note"]

EU_STAGES = {"E": "mining", "P": "processing"}
EU_YEAR = 2020
EU_MATERIALS: dict[str, str | None] = {
    "bauxite": "bauxite-and-alumina", "magnesium": "magnesium-metal", "antimony": "antimony",
    "manganese": "manganese", "arsenic": "arsenic", "graphite": "graphite",
    "baryte": "barite", "magnets": "rare-earths", "beryllium": "beryllium",
    "niobium": "niobium", "nickel": "nickel", "boron": "boron", "phosphate": "phosphate-rock",
    "cobalt": "cobalt", "copper": "copper", "feldspar": "feldspar-and-nepheline-syenite",
    "fluorspar": "fluorspar", "silicon": "silicon", "strontium": "strontium",
    "gallium": "gallium", "tantalum": "tantalum", "germanium": "germanium",
    "hafnium": "zirconium-and-hafnium", "titanium": "titanium-and-titanium-dioxide",
    "tungsten": "tungsten", "vanadium": "vanadium", "lithium": "lithium",
    "palladium": None, "platinum": None, "phosphorus": None, "cokingcoal": None,
}  # fmt: skip
"""EU material key → commodity id; None = not loaded. Platinum and palladium are two
metals of one USGS commodity (a stage share has no item column); phosphorus and
coking coal are not USGS MCS commodities."""

IEA_YEAR = "2024"
IEA_NOTES = {"Rare Earth Elements": "IEA magnet rare earth elements (Nd, Pr, Dy, Tb)"}

REFINED_STAGES: dict[str, tuple[str, str]] = {
    "antimony": ("antimony", "refining"), "tungsten": ("tungsten", "refining"),
    "niobium": ("niobium", "refining"), "tantalum": ("tantalum", "refining"),
    "titanium": ("titanium-and-titanium-dioxide", "metal"), "zinc": ("zinc", "refining"),
    "tin": ("tin", "refining"), "lead": ("lead", "refining"),
    "molybdenum": ("molybdenum", "refining"), "manganese": ("manganese", "refining"),
    "chromium": ("chromium", "smelting"), "bauxite": ("aluminum", "smelting"),
}  # fmt: skip
"""refining.json material → (commodity id, stage) of its ``reported`` refined form."""
REFINED_YEAR = 2024

CURATED_COLUMNS = (*COLUMNS, "citation")


def _stage(name: str, path: Path, i: int) -> str:
    """The vocabulary id of a stage a file names; an unknown stage is an error naming the row."""
    if not is_stage(name):
        msg = f"unknown stage {name!r}; expected a stage of orechain.stages"
        row = i + 2 if path.suffix.lower() == ".csv" else None  # header is row 1
        raise InputError(msg, source=str(path), row=row, field="stage")
    return resolve_stage(name)


def load(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Load one stage-shares file (chosen by name) into ``stage_shares``, all or nothing."""
    from orechain.atlas.store import insert_frame

    parsers = {"eucrm.json": parse_eucrm, "iea.json": parse_iea, "refining.json": parse_refining}
    parser = parsers.get(path.name)
    if parser is None and path.suffix.lower() == ".csv":
        parser = parse_curated
    if parser is None:
        msg = f"not a stage-shares file (expected {', '.join(parsers)} or a curated CSV)"
        raise InputError(msg, source=str(path))
    frame, warnings = parser(path)
    frame["stage"] = [_stage(st, path, i) for i, st in enumerate(frame["stage"])]
    frame["source_id"] = source_id
    count = insert_frame(con, STAGE_SHARES, frame, source=str(path))
    return LoadReport(source_id, str(path), {"stage_shares": count}, tuple(warnings))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON: {exc.msg}"
        raise InputError(msg, source=str(path), row=exc.lineno) from exc
    if not isinstance(data, dict):
        msg = "expected a JSON object at the top level"
        raise InputError(msg, source=str(path))
    return data


def _country(label: str, source: str, field: str) -> str:
    from orechain.atlas.countries import to_iso3

    if clean_text(label).lower() in ("rest of world", "rest of the world"):
        return "OTHER"
    return to_iso3(clean_text(label), source=source, field=field)


def _iso3_code(code: str, source: str, field: str) -> str:
    from orechain.atlas.countries import country_name

    try:
        country_name(code)
    except NotFoundError as exc:
        msg = f"{code!r} is not an ISO3 country code"
        raise InputError(msg, source=source, field=field) from exc
    return code.upper()


def _share(raw: object, source: str, field: str, scale: float) -> float:
    value = parse_value(raw, source=source, field=field).value
    if value is None or not 0 <= value / scale <= 1:
        msg = f"share {raw!r} is not a number between 0 and {scale:g}"
        raise InputError(msg, source=source, field=field)
    return value / scale


def parse_eucrm(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Top-supplier rows of the EU CRM 2023 Table A extract."""
    materials = _read_json(path).get("materials") or {}
    rows, warnings = [], []
    for key, entry in materials.items():
        field = f"materials.{key}"
        if key not in EU_MATERIALS:
            msg = f"EU material {key!r} has no entry in EU_MATERIALS"
            raise InputError(msg, source=str(path), field=field)
        stage = EU_STAGES.get(str(entry.get("stage_code")))
        if stage is None:
            msg = f"stage code {entry.get('stage_code')!r} is not E or P"
            raise InputError(msg, source=str(path), field=f"{field}.stage_code")
        country = _country(str(entry.get("name", "")), str(path), f"{field}.name")
        share = _share(entry.get("pct"), str(path), f"{field}.pct", 100.0)
        commodity = EU_MATERIALS[key]
        if commodity is None:
            warnings.append(f"{path.name}: EU material {key!r} not loaded (see EU_MATERIALS)")
            continue
        note = (
            f"EU CRM 2023 major global supplier of {key} ({entry.get('stage')}); top supplier only"
        )
        rows.append((commodity, stage, country, EU_YEAR, share, None, note))
    return pd.DataFrame.from_records(rows, columns=COLUMNS), warnings


def parse_iea(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Mining and refining shares by country, 2024, from the IEA supply tables.

    Shares are each row over the sum of the country rows and "Rest of world"
    (the share definition of ``docs/design.md``); where that sum differs from IEA's published
    total by more than 0.5 % (nickel) a warning says so.
    """
    supply = _read_json(path).get("supply") or {}
    rows: list[tuple[object, ...]] = []
    warnings: list[str] = []
    for material, stages in supply.items():
        commodity = _commodity(material, str(path), f"supply.{material}")
        for stage, table in stages.items():
            field = f"supply.{material}.{stage}"
            rows.extend(_iea_stage(commodity, material, stage, table, str(path), field, warnings))
    return pd.DataFrame.from_records(rows, columns=COLUMNS), warnings


def _iea_stage(
    commodity: str, material: str, stage: str, table: dict[str, Any], source: str,
    field: str, warnings: list[str],
) -> list[tuple[object, ...]]:  # fmt: skip
    total = parse_value((table.get("total") or {}).get(IEA_YEAR), source=source, field=field).value
    if not total:
        msg = f"no {IEA_YEAR} total"
        raise InputError(msg, source=source, field=f"{field}.total")
    note = f"{IEA_NOTES.get(material, 'IEA ' + material)}, {stage} supply [kt]"
    values: list[tuple[str, float]] = []
    for label, years in (table.get("countries") or {}).items():
        cell = parse_value(years.get(IEA_YEAR), source=source, field=f"{field}.{label[:40]}")
        if cell.value is None and all(v is None for v in years.values()):
            warnings.append(f"IEA {material} {stage}: footnote {label[:40]!r} dropped")
            continue
        values.append((_country(label, source, f"{field}.countries"), cell.value or 0.0))
    covered = sum(v for _, v in values)
    if abs(covered - total) > 0.005 * total:
        warnings.append(f"IEA {material} {stage}: rows sum to {covered:g} kt, total {total:g} kt; "
                        "shares use the sum of rows")  # fmt: skip
    year = int(IEA_YEAR)
    return [(commodity, stage, c, year, v / covered, v * 1e3, note) for c, v in values]


def _commodity(name: str, source: str, field: str) -> str:
    try:
        return resolve_commodity(name)
    except NotFoundError as exc:
        msg = f"unknown commodity {name!r}"
        raise InputError(msg, source=source, field=field) from exc


def parse_refining(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Refined-stage leaders that iea.json does not already cover (``computed: false``)."""
    rows, warnings = [], []
    for at, entry in enumerate(_read_json(path).get("rows") or []):
        reported = entry.get("reported") or {}
        material = str(entry.get("material"))
        if reported.get("computed", True):
            continue
        if material not in REFINED_STAGES:
            warnings.append(f"{path.name}: refined leader of {material!r} not mapped; not loaded")
            continue
        commodity, stage = REFINED_STAGES[material]
        field = f"rows[{at}].reported"
        country = _iso3_code(str(reported.get("iso3", "")), str(path), f"{field}.iso3")
        share = _share(reported.get("pct"), str(path), f"{field}.pct", 100.0)
        note = (f"ASSUMPTION: {reported.get('form')}: top producer only, a curated value "
                "compiled by critical-materials-atlas from IEA GCMO 2025 / USGS MCS 2024-25 "
                "without a page citation (year not stated); not a primary-source figure. "
                + _baci_refined_share(entry, country))  # fmt: skip
        rows.append((commodity, stage, country, REFINED_YEAR, share, None, note))
    return pd.DataFrame.from_records(rows, columns=COLUMNS), warnings


def _baci_refined_share(entry: dict[str, Any], iso3: str) -> str:
    """The same file's BACI export share of the refined form, to show beside the claim."""
    refined = entry.get("refined") or {}
    top = refined.get("top") or []
    mine = next((t.get("pct") for t in top if t.get("iso3") == iso3), None)
    share = refined.get("chn") if iso3 == "CHN" else mine
    leader = top[0] if top else {}
    form = entry.get("refined_form", "refined form")
    said = f"{iso3} {share} %" if share is not None else f"{iso3} not among the top exporters"
    return (
        f"Beside it, BACI HS17 exports of {form} (value, mean 2022-2024): {said}; "
        f"leader {leader.get('iso3', '?')} {leader.get('pct', '?')} %."
    )


def parse_curated(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Curated published estimates; each row needs a citation and a share in [0, 1]."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in CURATED_COLUMNS if c not in frame.columns]
    if missing:
        msg = f"missing column(s) {', '.join(missing)}"
        raise InputError(msg, source=str(path), row=1, field=missing[0])
    rows = []
    for line, row in enumerate(frame.to_dict("records"), start=2):
        rows.append(_curated_row(row, str(path), line))
    return pd.DataFrame.from_records(rows, columns=COLUMNS), []


def _curated_row(row: dict[str, str], source: str, line: int) -> tuple[object, ...]:
    if not clean_text(row["citation"]):
        msg = "every curated share must cite its published document"
        raise InputError(msg, source=source, row=line, field="citation")
    share = parse_value(row["share"], source=source, row=line, field="share").value
    if share is None or not 0 <= share <= 1:
        msg = f"share {row['share']!r} is not a number between 0 and 1"
        raise InputError(msg, source=source, row=line, field="share")
    year = clean_text(row["year"])
    if not (year.isdigit() and len(year) == 4):
        msg = f"year {row['year']!r} is not a four-digit year"
        raise InputError(msg, source=source, row=line, field="year")
    quantity = parse_value(row["quantity_t"], source=source, row=line, field="quantity_t").value
    note = f"published estimate: {clean_text(row['note'])} [{clean_text(row['citation'])}]"
    country = _country(row["country"], source, "country")
    commodity = _commodity(row["commodity"], source, "commodity")
    return (commodity, clean_text(row["stage"]), country, int(year), share, quantity, note)
