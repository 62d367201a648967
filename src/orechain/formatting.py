"""One number formatter for every human-facing figure (CLI, API display fields, web, reports).

The same figure must read the same wherever it is shown: thousands separators,
two significant decimals below 1,000, '–' for a missing value, percentages
with one decimal and a space before the sign, money in millions with its
currency. Kept free of heavy imports: the CLI imports it at start-up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

MISSING = "–"
"""Shown for a missing or not-a-number value."""


def is_missing(value: Any) -> bool:
    """True for None and NaN (pandas/numpy missing values included)."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, digits: int = 2) -> str:
    """A number for a table cell: ``1,234``, ``12.35``, ``0.05``; '–' when missing.

    Integers and values of 1,000 or more get thousands separators and no
    decimals; smaller values ``digits`` decimals. Booleans read yes/no; other
    objects their ``str``.
    """
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000 or value == int(value):
            return f"{value:,.0f}"
        return f"{value:,.{digits}f}"
    return str(value)


def percent(fraction: Any, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.4412`` → ``44.1 %``; '–' when missing."""
    if is_missing(fraction):
        return MISSING
    return f"{100 * float(fraction):,.{digits}f} %"


OPEN_RANGE = 0.01
"""A share whose range is wider than this (1 percentage point) is shown with it."""


def share_range(span: Sequence[float] | None) -> str:
    """`` (lo–hi)`` in whole percents when a share's range is wider than :data:`OPEN_RANGE`.

    Scenario origin shares carry their range over equally cheap routings; a
    narrower range is noise and is not shown. Whole percents still show a
    range wider than one point as two different numbers: ``(32–71)``.
    """
    if span is None or len(span) != 2 or span[1] - span[0] <= OPEN_RANGE:
        return ""
    return f" ({100 * span[0]:.0f}–{100 * span[1]:.0f})"


def share_range_note(samples: int) -> str:
    """What a ``(lo–hi)`` beside a share means, under any table that shows one."""
    return (
        f"(lo–hi) beside a share: its range over {samples} equally cheap routings of the "
        "least-cost stage, in whole percents; the model picks no share inside it."
    )


def points(delta: Any, digits: int = 1) -> str:
    """A difference of two fractions in percentage points: ``-0.043`` → ``-4.3 pp``."""
    if is_missing(delta):
        return MISSING
    return f"{100 * float(delta):+,.{digits}f} pp"


def money(value: Any, currency: str = "", *, scale: str = "M") -> str:
    """Money in millions (``M``) or units: ``-31,842,631`` → ``-31.8 M USD``."""
    if is_missing(value):
        return MISSING
    amount = float(value)
    text = f"{amount / 1e6:,.1f} M" if scale == "M" else f"{amount:,.0f}"
    return f"{text} {currency}".strip()


def ratio(value: Any, digits: int = 2) -> str:
    """A plain multiplier or index, fixed decimals: ``1.4832`` → ``1.48``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}"


UNIT_LABELS = {
    "metr. t": "t",
    "metric tons": "t",
    "thousand metric tons": "kt",
    "million metric tons": "Mt",
    "kilograms": "kg",
}
"""Short, unambiguous labels for the units sources print (World Mining Data's
``metr. t`` is a metric ton)."""


def unit_label(unit: str | None) -> str:
    """The unit as shown to a reader: ``metr. t`` → ``t``; unknown units unchanged."""
    if not unit:
        return ""
    return UNIT_LABELS.get(unit.strip(), unit)
