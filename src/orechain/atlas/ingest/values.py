"""Parsing of published cells: numbers, bounds, withheld and missing markers.

USGS and other releases write numbers as ``"7,900"``, ``1230 ``, ``>2000000``,
``<1``, ``W`` (withheld), ``NA``, ``--``, ``XX`` (not applicable), ``E`` (net
exporter), ``Less than ½ unit.`` or ``Large``, sometimes with mojibake such as
``Â`` from a non-breaking space read with the wrong encoding. The USGS salient
files add ``Small``, ``>50%``, a Unicode minus (``−88``), an estimate prefix
(``e150``), ranges (``50–300``) and bounds in words (``Less than 50,000 tons``).
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
    "LESS THAN ½ UNIT": "<0.5",
    "LESS THAN A HALF UNIT": "<0.5",
    "LESS THAN ONE-HALF UNIT": "<0.5",
    "SMALL": "small",
    "VARIABLE, DEPENDING ON TYPE OF PRODUCT": "variable",
    "..": "NA",
    "VERY SMALL": "small",
    'CATEGORIZED AS "LARGE"': "large",
    "INCLUDED IN WORLD TOTAL.": "included",
    "INCLUDED IN WORLD TOTAL": "included",
    "INCLUDED WITH ILMENITE": "included",
    'INCLUDED WITH "OTHER COUNTRIES."': "included",
}
"""Published markers → flag stored beside a null value."""

_RANGE = re.compile(r"^(?P<lo>\d[\d,]*(\.\d+)?)[–-](?P<hi>\d[\d,]*(\.\d+)?)$")
_LESS_THAN_WORDS = re.compile(r"^less than\s+(?P<rest>.+?)\.?$", re.IGNORECASE)

_NUMBER = re.compile(r"^(?P<q>[<>]=?)?\s*(?P<num>[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|[-+]?\.\d+)$")


@dataclass(frozen=True)
class Cell:
    """A parsed cell: the number (or None) and a flag or bound qualifier."""

    value: float | None
    flag: str | None = None
    """'>' / '<' for bounds, 'W', 'NA', 'XX', 'E', 'large', 'small', 'variable', '<0.5',
    'e' (published estimate), 'range:LO-HI' or '<' + words (value None); None for a plain number."""


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
    >>> parse_value("e150"), parse_value("50–300")
    (Cell(value=150.0, flag='e'), Cell(value=None, flag='range:50-300'))
    """
    if raw is None:
        return Cell(None)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Cell(None) if math.isnan(float(raw)) else Cell(float(raw))
    text = clean_text(str(raw))
    if not text:
        return Cell(None)
    flag = FLAGS.get(text.upper().replace("“", '"').replace("”", '"'))
    if flag is not None:
        return Cell(None, flag)
    worded = _worded(text)
    if worded is not None:
        return worded
    text = text.replace(" ", "").replace("\u2212", "-").removesuffix("%")
    estimated = text[:1] == "e" and text[1:2].isdigit()
    match = _NUMBER.match(text[1:] if estimated else text)
    if match is None:
        msg = f"cannot read {str(raw)!r} as a number (expected digits, a bound like '>100', W, NA)"
        raise InputError(msg, source=source, row=row, field=field)
    value = float(match.group("num").replace(",", ""))
    qualifier = match.group("q")
    return Cell(value, "e" if estimated else (qualifier[0] if qualifier else None))


def _worded(text: str) -> Cell | None:
    """Ranges and bounds written in words keep no number: the unit in the words may differ.

    ``50–300`` becomes ``Cell(None, 'range:50-300')``; ``Less than 50,000 tons``
    (in a column of million tons) becomes ``Cell(None, '<50,000 tons')``.
    """
    rng = _RANGE.match(text.replace(" ", ""))
    if rng is not None:
        return Cell(None, f"range:{rng.group('lo')}-{rng.group('hi')}")
    less = _LESS_THAN_WORDS.match(text)
    if less is not None:
        return Cell(None, f"<{less.group('rest')}")
    return None
