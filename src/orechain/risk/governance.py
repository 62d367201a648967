"""Governance scores and the governance-weighted HHI (EU CRM method).

The EU method scales the World Bank WGI (mean of the six indicator estimates,
about −2.5 … +2.5) to 0–10 with 10 the worst governance, and weights each
supplier's squared share by it: ``HHI_WGI = Σ s_c² · WGI_c``.

References
----------
European Commission (2017), Methodology for establishing the EU list of critical
raw materials, DOI 10.2873/769526, §3.2.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from orechain.pairwise import total_of

if TYPE_CHECKING:
    import pandas as pd

    from orechain.atlas.store import Atlas

WGI_MIN = -2.5
WGI_MAX = 2.5


def scale_wgi(estimate: pd.Series | float) -> pd.Series | float:
    """Map a WGI estimate on [−2.5, 2.5] linearly to [10, 0] (10 = worst), clipped.

    Examples
    --------
    >>> scale_wgi(2.5), scale_wgi(-2.5), scale_wgi(0.0)
    (0.0, 10.0, 5.0)
    """
    if isinstance(estimate, int | float | numbers.Real):
        clipped = min(max(float(estimate), WGI_MIN), WGI_MAX)
        return (WGI_MAX - clipped) * 10.0 / (WGI_MAX - WGI_MIN)
    return ((WGI_MAX - estimate.clip(WGI_MIN, WGI_MAX)) * 10.0 / (WGI_MAX - WGI_MIN)).astype(float)


def governance_by_country(atlas: Atlas, year: int) -> dict[str, float]:
    """Scaled WGI (0–10, 10 worst) by ISO3 for ``year``, without pandas.

    Uses the mean of the six indicators in the latest WGI year not after
    ``year`` for each country (WGI lags the production data by a year or two).
    """
    rows = atlas.con.execute(
        """
        WITH latest AS (
            SELECT iso3, max(year) AS year FROM wgi
            WHERE year <= ? AND estimate IS NOT NULL GROUP BY iso3
        )
        SELECT w.iso3, avg(w.estimate) AS estimate
        FROM wgi w JOIN latest l USING (iso3, year)
        GROUP BY w.iso3
        """,
        [year],
    ).fetchall()
    return {str(iso3): float(scale_wgi(est)) for iso3, est in rows}


def governance_scores(atlas: Atlas, year: int) -> pd.Series:
    """:func:`governance_by_country` as a Series named ``wgi``, indexed by ``iso3``."""
    import pandas as pd

    scores = governance_by_country(atlas, year)
    index = pd.Index(list(scores), name="iso3")
    return pd.Series(list(scores.values()), index=index, dtype=float, name="wgi")


def hhi_wgi_of(share: Sequence[float], wgi: Sequence[float | None]) -> float:
    """:func:`hhi_wgi` of plain shares and their suppliers' scores (None: no score)."""
    return total_of([None if w is None else (s * s) * w for s, w in zip(share, wgi, strict=True)])


def hhi_wgi(share: pd.Series, wgi: pd.Series) -> float:
    """Governance-weighted HHI: ``Σ s_c² · WGI_c`` over suppliers with a score.

    Parameters
    ----------
    share
        Supplier shares in [0, 1] indexed by ISO3.
    wgi
        Scaled WGI (0–10) indexed by ISO3. Suppliers without a score are left out
        (their count is reported by :func:`missing_governance`).

    Returns
    -------
    float
        On the 0–10 scale of the EU method (HHI as a fraction times WGI).
    """
    weights = wgi.reindex(share.index)
    return hhi_wgi_of(share.to_numpy(dtype=float).tolist(), weights.to_numpy(dtype=float).tolist())


def missing_governance(
    share: pd.Series | Mapping[str, float], wgi: pd.Series | Mapping[str, float]
) -> list[str]:
    """Suppliers with a share but no WGI score (Series or mappings keyed by ISO3)."""
    return sorted(str(c) for c in set(share.keys()) - set(wgi.keys()))
