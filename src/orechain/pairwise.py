"""Sums of floats in NumPy's order, without NumPy.

pandas and NumPy add float64 arrays pairwise (blocks of 128, eight accumulators),
which can differ from Python's left-to-right ``sum`` in the last bit. The
pandas-free paths (``orechain risk``) add with :func:`pairwise_sum`, so that they
print byte-identical figures to the DataFrame API, and start without NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["PAIRWISE_BLOCK", "pairwise_sum", "total_of"]

PAIRWISE_BLOCK = 128
"""NumPy's ``PW_BLOCKSIZE``: runs up to this long are summed with eight accumulators."""


def pairwise_sum(values: Sequence[float]) -> float:
    """Σ ``values`` in the order NumPy's ``np.add.reduce`` adds float64s (pairwise).

    Python's ``sum`` adds left to right and may differ from ``Series.sum()`` in the
    last bit; this follows NumPy's ``pairwise_sum`` (blocks of 128, eight
    accumulators), so figures printed by the pandas-free CLI path are byte-identical
    to the DataFrame API's.
    """
    return 0.0 + _pairwise(values, 0, len(values))


def _pairwise(a: Sequence[float], lo: int, n: int) -> float:
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= PAIRWISE_BLOCK:
        r = [float(x) for x in a[lo : lo + 8]]
        i, whole = 8, n - n % 8
        while i < whole:
            for j in range(8):
                r[j] += a[lo + i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for k in range(lo + i, lo + n):
            res += a[k]
        return res
    half = n // 2
    half -= half % 8
    return _pairwise(a, lo, half) + _pairwise(a, lo + half, n - half)


def _present(value: float | None) -> float:
    """A value, or 0.0 for a missing one (None, NaN): what ``nansum`` adds."""
    return 0.0 if value is None or math.isnan(value) else float(value)


def total_of(values: Sequence[float | None]) -> float:
    """Sum of ``values``, missing ones (None, NaN) left out, as ``Series.sum()`` adds them."""
    return pairwise_sum([_present(v) for v in values])
