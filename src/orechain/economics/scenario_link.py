"""Read a scenario run's output so a project can take prices or volumes from it.

The scenario engine (``orechain scenario run --json``) writes
``{"scenario": ..., "years": [{"year": 2027, "demand_t": ..., "served_t": ...,
"shortfall_t": ..., ...}], "summary": {...}}``. Only ``years`` is read: a
per-year series of one numeric field, or the shortfall share
``shortfall_t / demand_t`` that drives a price shock.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from orechain.errors import InputError
from orechain.inputs import read_json

logger = logging.getLogger(__name__)

SHORTFALL_SHARE = "shortfall_share"
"""Pseudo-field: ``shortfall_t / demand_t`` of each year (0 when demand is 0)."""


def _read_years(path: Path) -> list[dict[str, Any]]:
    doc = read_json(path, max_abs=None)  # missing, binary, deep, NaN: one InputError
    years = doc.get("years") if isinstance(doc, dict) else None
    if not isinstance(years, list) or not years:
        msg = "expected a scenario output with a non-empty 'years' list"
        raise InputError(msg, source=str(path), field="years")
    return years


def _value(row: dict[str, Any], field: str, path: Path, i: int) -> float:
    if field == SHORTFALL_SHARE:
        demand = float(_value(row, "demand_t", path, i))
        return float(_value(row, "shortfall_t", path, i)) / demand if demand > 0 else 0.0
    value = row.get(field)
    if not isinstance(value, int | float) or isinstance(value, bool):
        msg = f"years[{i}] has no numeric {field!r} (got {value!r})"
        raise InputError(msg, source=str(path), field=f"years[{i}].{field}")
    return float(value)


def read_scenario_series(path: Path, field: str) -> dict[int, float]:
    """One numeric field of a scenario run's output, by calendar year.

    Parameters
    ----------
    path
        The JSON written by ``orechain scenario run --json``.
    field
        A key of each ``years`` entry (``served_t``, ``shortfall_t``, a price
        field …) or ``"shortfall_share"`` for ``shortfall_t / demand_t`` [-].

    Returns
    -------
    dict of int to float
        Year → value, in the units of the scenario field.

    Raises
    ------
    InputError
        Naming the file and the entry when the file, a year or the field is
        missing or not numeric.
    """
    out: dict[int, float] = {}
    for i, row in enumerate(_read_years(path)):
        year = row.get("year") if isinstance(row, dict) else None
        if not isinstance(year, int):
            msg = f"years[{i}] has no integer 'year'"
            raise InputError(msg, source=str(path), field=f"years[{i}].year")
        out[year] = _value(row, field, path, i)
    logger.info("read %d years of %s from %s", len(out), field, path)
    return out
