"""Market shares and concentration indices.

Definitions (``docs/design.md``, "Risk definitions"): the share of supplier ``c`` is
``s_c = q_c / Σ q`` where the sum runs over supplier rows plus any
"other countries" row (which counts in the denominator but is not a supplier);
HHI on the 0–10,000 scale is ``Σ (100·s_c)²``; CRn is the sum of the n largest
shares.

References
----------
U.S. Department of Justice & FTC (2010), Horizontal Merger Guidelines, §5.3 (HHI).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orechain.errors import InputError


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
    q = quantities.dropna().astype(float)
    if (q < 0).any() or other < 0:
        bad = q[q < 0].index.tolist() or ["other"]
        msg = f"negative quantity for {bad[0]!r}; shares need non-negative quantities"
        raise InputError(msg)
    total = float(q.sum()) + float(other)
    if total <= 0:
        return pd.Series(dtype=float)
    return (q / total).sort_values(ascending=False, kind="stable")


def hhi(share: pd.Series) -> float:
    """Herfindahl–Hirschman index on the 0–10,000 scale: ``Σ (100·s_c)²``.

    With n suppliers whose shares sum to 1 it lies in [10,000/n, 10,000].

    Examples
    --------
    >>> hhi(pd.Series([0.5, 0.5]))
    5000.0
    """
    return float(((100.0 * share.astype(float)) ** 2).sum())


def concentration_ratio(share: pd.Series, n: int) -> float:
    """CRn: the sum of the ``n`` largest shares, in [0, 1].

    Examples
    --------
    >>> concentration_ratio(pd.Series([0.1, 0.6, 0.3]), 1)
    0.6
    """
    values = np.sort(share.to_numpy(dtype=float))
    return float(values[-n:].sum()) if n > 0 else 0.0
