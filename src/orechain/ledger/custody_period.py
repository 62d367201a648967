"""Reconciliation periods of the mass-balance chain-of-custody model.

ISO 22095 leaves the length of the period over which a site's claims must be
covered by its credits to the scheme (three or twelve months are common), so the
ledger supports calendar months, quarters and years, and arbitrary date ranges
for reports. Periods are half-open ``[start, end)`` in UTC.

References
----------
.. [1] ISO 22095:2020, "Chain of custody — General terminology and models", §5.5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from orechain.errors import InputError

GRANULARITIES = ("month", "quarter", "year")
"""Calendar reconciliation periods the acceptance policy can use."""

MIN_YEAR, MAX_YEAR = 1900, 2999
"""Years a period may name (guards datetime overflow at 0000 and 9999-Q4)."""

__all__ = ["GRANULARITIES", "Period", "parse_period", "period_of"]


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval ``[start, end)`` with a display ``label``."""

    start: datetime
    end: datetime
    label: str

    def contains(self, t: datetime) -> bool:
        """True iff ``start <= t < end``."""
        return self.start <= t < self.end


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)


def _calendar(year: int, first_month: int, months: int, label: str) -> Period:
    return Period(_month_start(year, first_month), _month_start(year, first_month + months), label)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        msg = f"period date {text!r} is not YYYY-MM-DD"
        raise InputError(msg, field="period") from exc


def parse_period(text: str) -> Period:
    """Parse ``2026``, ``2026-Q1``, ``2026-03`` or ``2026-01-01/2026-03-31`` (end inclusive).

    Raises
    ------
    InputError
        If the text is none of these forms.

    Examples
    --------
    >>> parse_period("2026-Q2").start.month
    4
    """
    text = text.strip()
    if (m := re.match(r"(\d{4})(?:$|-)", text)) and not MIN_YEAR <= int(m[1]) <= MAX_YEAR:
        msg = f"period {text!r}: the year must be from {MIN_YEAR} to {MAX_YEAR}"
        raise InputError(msg, field="period")
    if m := re.fullmatch(r"(\d{4})", text):
        return _calendar(int(m[1]), 1, 12, text)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        return _calendar(int(m[1]), 3 * int(m[2]) - 2, 3, text)
    if (m := re.fullmatch(r"(\d{4})-(\d{2})", text)) and 1 <= int(m[2]) <= 12:
        return _calendar(int(m[1]), int(m[2]), 1, text)
    if "/" in text:
        first, last = (_date(part) for part in text.split("/", 1))
        if last < first:
            msg = f"period {text!r} ends before it starts"
            raise InputError(msg, field="period")
        return Period(_utc(first), _utc(last) + timedelta(days=1), text)
    msg = f"period {text!r}: expected YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD/YYYY-MM-DD"
    raise InputError(msg, field="period")


def period_of(t: datetime, granularity: str) -> Period:
    """The calendar ``month``, ``quarter`` or ``year`` containing ``t`` (UTC).

    Raises
    ------
    InputError
        For another granularity.
    """
    t = t.astimezone(UTC)
    if granularity == "month":
        return parse_period(f"{t.year}-{t.month:02d}")
    if granularity == "quarter":
        return parse_period(f"{t.year}-Q{(t.month - 1) // 3 + 1}")
    if granularity == "year":
        return parse_period(str(t.year))
    msg = f"reconciliation period {granularity!r}: expected one of {GRANULARITIES}"
    raise InputError(msg, field="reconciliation")
