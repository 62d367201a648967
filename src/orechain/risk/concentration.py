"""Market shares and concentration indices.

Definitions (``docs/design.md``, "Risk definitions"): the share of supplier ``c`` is
``s_c = q_c / Σ q`` where the sum runs over supplier rows plus any
"other countries" row (which counts in the denominator but is not a supplier);
HHI on the 0–10,000 scale is ``Σ (100·s_c)²``; CRn is the sum of the n largest
shares.

Each index has a core on plain sequences of floats (:func:`ranked_shares`,
:func:`hhi_of`, :func:`concentration_ratio_of`) that imports neither pandas nor
NumPy, so that ``orechain risk`` starts fast; sums follow NumPy's pairwise
order (:func:`orechain.pairwise.pairwise_sum`), so the core agrees with pandas to the last bit.
The ``pd.Series`` functions are built on the core: one code for both.

References
----------
U.S. Department of Justice & FTC (2010), Horizontal Merger Guidelines, §5.3 (HHI).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orechain.errors import InputError
from orechain.pairwise import pairwise_sum, total_of

if TYPE_CHECKING:
    import pandas as pd


def ranked_shares(
    labels: Sequence[Any], values: Sequence[float], other: float = 0.0
) -> list[tuple[int, float]]:
    """Positions and shares of ``values`` (none missing), largest share first.

    The core of :func:`shares`: ``values[i] / (Σ values + other)``; ties keep
    their input order. ``labels`` name a negative quantity in the error. Empty
    when the total is not positive.
    """
    q = [float(v) for v in values]
    if any(v < 0 for v in q) or other < 0:
        bad = [labels[i] for i, v in enumerate(q) if v < 0] or ["other"]
        msg = f"negative quantity for {bad[0]!r}; shares need non-negative quantities"
        raise InputError(msg)
    total = pairwise_sum(q) + float(other)
    if total <= 0:
        return []
    return sorted(enumerate(v / total for v in q), key=lambda p: -p[1])


def hhi_of(share: Sequence[float]) -> float:
    """:func:`hhi` of plain shares (a missing one, NaN, counts as zero)."""
    return total_of([(100.0 * s) * (100.0 * s) for s in share])


def concentration_ratio_of(share: Sequence[float], n: int) -> float:
    """:func:`concentration_ratio` of plain shares (NaN sorts last, as NumPy sorts it)."""
    values = [float(s) for s in share]
    ordered = sorted(v for v in values if not math.isnan(v)) + [v for v in values if math.isnan(v)]
    return pairwise_sum(ordered[-n:]) if n > 0 else 0.0


def shares(quantities: pd.Series, other: float = 0.0) -> pd.Series:
    """Shares of each supplier in total supply.

    Parameters
    ----------
    quantities
        Non-negative quantities by supplier (index = supplier) [any unit].
        Missing values are treated as unknown and dropped.
    other
        Quantity of an "other countries" row: in the denominator, not a supplier.

    Returns
    -------
    pandas.Series
        Shares in [0, 1], sorted descending. They sum to 1 when ``other`` is 0.

    Examples
    --------
    >>> shares(pd.Series({"CHN": 270_000.0, "USA": 45_000.0}), other=15_000.0).round(4).to_dict()
    {'CHN': 0.8182, 'USA': 0.1364}
    """
    import pandas as pd

    q = quantities.dropna().astype(float)
    ranked = ranked_shares(q.index, q.to_numpy().tolist(), other)
    if not ranked:
        return pd.Series(dtype=float)
    return pd.Series(
        [s for _, s in ranked], index=q.index[[i for i, _ in ranked]], name=q.name, dtype=float
    )


def hhi(share: pd.Series) -> float:
    """Herfindahl–Hirschman index on the 0–10,000 scale: ``Σ (100·s_c)²``.

    With n suppliers whose shares sum to 1 it lies in [10,000/n, 10,000].

    Examples
    --------
    >>> hhi(pd.Series([0.5, 0.5]))
    5000.0
    """
    return hhi_of(share.to_numpy(dtype=float).tolist())


def concentration_ratio(share: pd.Series, n: int) -> float:
    """CRn: the sum of the ``n`` largest shares, in [0, 1].

    Examples
    --------
    >>> concentration_ratio(pd.Series([0.1, 0.6, 0.3]), 1)
    0.6
    """
    return concentration_ratio_of(share.to_numpy(dtype=float).tolist(), n)
