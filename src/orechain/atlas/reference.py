"""Loader of the reference tables: the commodity catalogue and the ISO country list.

The ``commodities`` table comes from ``data/reference/commodities.yaml`` (see
:mod:`orechain.atlas.commodities`); the ``countries`` table lists every ISO 3166-1
country plus Kosovo (``XKX``, used by the World Bank), with short names and UN
M49 sub-regions from OreChain's own ``data/reference/countries.csv`` (see
:mod:`orechain.atlas.countries`). Both are loaded first during a build so that
other loaders and queries can join on them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orechain.atlas.countries import iso_countries
from orechain.atlas.ingest import LoadReport
from orechain.atlas.schema import COMMODITIES, COUNTRIES
from orechain.atlas.store import insert_frame
from orechain.errors import InputError
from orechain.inputs import read_yaml

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

CATALOGUE = "commodities.yaml"


def read_commodities(path: Path) -> pd.DataFrame:
    """Read a commodity catalogue YAML into rows of the ``commodities`` table.

    Raises
    ------
    InputError
        When an entry lacks ``id`` or ``name``, or an id appears twice; the
        message names the entry (1-based) and the field.
    """
    raw = read_yaml(path) or {}
    rows = []
    for i, entry in enumerate(raw.get("commodities") or [], start=1):
        for key in ("id", "name"):
            if not entry.get(key):
                msg = f"commodity entry {i} lacks {key!r}"
                raise InputError(msg, source=str(path), row=i, field=key)
        rows.append(
            {
                "commodity": entry["id"],
                "name": entry["name"],
                "aliases": [str(a) for a in entry.get("aliases") or []],
                "usgs_codes": [str(c) for c in entry.get("usgs_codes") or []],
                "critical": bool(entry.get("critical", False)),
            }
        )
    frame = pd.DataFrame(rows, columns=COMMODITIES.column_names)
    dupes = sorted(set(frame["commodity"][frame["commodity"].duplicated()]))
    if dupes:
        msg = f"duplicate commodity ids: {', '.join(dupes)}"
        raise InputError(msg, source=str(path), field="id")
    return frame


def load(con: duckdb.DuckDBPyConnection, path: Path, source_id: str) -> LoadReport:
    """Fill ``commodities`` and ``countries`` from the ``data/reference`` folder.

    Parameters
    ----------
    con
        Atlas connection, inside a transaction the caller opened.
    path
        The ``data/reference`` folder (or the catalogue file itself).
    source_id
        Source id of the reference entry, e.g. ``orechain-reference``.
    """
    catalogue = path / CATALOGUE if path.is_dir() else path
    if not catalogue.exists():
        msg = f"no {CATALOGUE} in the reference folder"
        raise InputError(msg, source=str(path))
    commodities = read_commodities(catalogue)
    rows = {
        "commodities": insert_frame(con, COMMODITIES, commodities, source=str(catalogue)),
        "countries": insert_frame(con, COUNTRIES, iso_countries(), source="pycountry"),
    }
    logger.info("loaded reference tables for %s: %s", source_id, rows)
    return LoadReport(source_id, str(path), rows)
