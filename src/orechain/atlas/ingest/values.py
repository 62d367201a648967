"""Parsing of published cells: numbers, bounds, withheld and missing markers.

USGS and other releases write numbers as ``"7,900"``, ``1230 ``, ``>2000000``,
``<1``, ``W`` (withheld), ``NA``, ``--``, ``XX`` (not applicable), ``E`` (net
exporter), ``Less than ½ unit.`` or ``Large``, sometimes with mojibake such as
``Â`` from a non-breaking space read with the wrong encoding.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from orechain.errors import InputError

FLAGS: dict[str, str] = {
    "W": "W",
    "NA": "NA",
    "N/A": "NA",
    "--": "NA",
    "—": "NA",
    "-": "NA",
    "XX": "XX",
    "E": "E",
    "LARGE": "large",
    "LESS THAN ½ UNIT.": "<0.5",
    "LESS THAN 1/2 UNIT.": "<0.5",
    "..": "NA",
}
"""Published markers → flag stored beside a null value."""

_NUMBER = re.compile(r"^(?P<q>[<>]=?)?\s*(?P<num>[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|[-+]?\.\d+)$")


@dataclass(frozen=True)
class Cell:
    """A parsed cell: the number (or None) and a flag or bound qualifier."""

    value: float | None
    flag: str | None = None
    """'>' / '<' for bounds, 'W', 'NA', 'XX', 'E', 'large', '<0.5'; None for a plain number."""


def clean_text(text: str) -> str:
    """Strip footnote-free noise: NBSP, mojibake 'Â', doubled spaces, outer space."""
    text = text.replace("Â\xa0", " ").replace("Â", "").replace("\xa0", " ").replace("\ufeff", "")
    return re.sub(r"\s+", " ", text).strip()


def parse_value(
    raw: object, *, source: str | None = None, row: int | None = None, field: str | None = None
) -> Cell:
    """Parse one published cell.

    Empty cells give ``Cell(None)``. Unparseable text raises
    :class:`~orechain.errors.InputError` naming source, row and field.

    Examples
    --------
    >>> parse_value('"7,900"'.strip('"'))
    Cell(value=7900.0, flag=None)
    >>> parse_value(">2000000")
    Cell(value=2000000.0, flag='>')
    >>> parse_value("W")
    Cell(value=None, flag='W')
    """
    if raw is None:
        return Cell(None)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Cell(None) if math.isnan(float(raw)) else Cell(float(raw))
    text = clean_text(str(raw))
    if not text:
        return Cell(None)
    flag = FLAGS.get(text.upper())
    if flag is not None:
        return Cell(None, flag)
    text = text.replace(" ", "")
    match = _NUMBER.match(text)
    if match is None:
        msg = f"cannot read {str(raw)!r} as a number (expected digits, a bound like '>100', or W/NA)"
        raise InputError(msg, source=source, row=row, field=field)
    value = float(match.group("num").replace(",", ""))
    qualifier = match.group("q")
    return Cell(value, qualifier[0] if qualifier else None)
