r"""Export concentrate versus refine at home: two projects on the same resource.

The incremental project is ``B − A`` year by year (B = concentrate plus
separation/refinery/metal, A = export concentrate). Refining pays when the
incremental NPV is positive; the price at which it stops paying is where the
incremental NPV crosses zero as every deck price is scaled together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from orechain.economics.cashflow import Factors
from orechain.economics.metrics import IrrResult, irr_result, npv, solve_breakeven
from orechain.economics.prices import TO_USD_PER_T
from orechain.economics.production import Prepared, prepare
from orechain.economics.results import ProjectResult, evaluate_project, project_npv

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.economics.project import Project

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Comparison:
    """Refine-at-home (B) minus export-concentrate (A), money in USD."""

    base: ProjectResult
    alternative: ProjectResult
    incremental_npv: float
    """NPV(B) − NPV(A) at A's discount rate [USD]."""
    incremental_irr: IrrResult
    """IRR of the yearly difference in project cash flows [1/yr]."""
    incremental_host_take: float
    """Undiscounted host-country take, B − A [USD]."""
    incremental_host_take_pv: float
    """Host take in present value at the discount rate, B − A [USD]."""
    incremental_jobs: int
    """Direct operating jobs, B − A [persons]."""
    incremental_export_revenue: float
    """Undiscounted export revenue, B − A [USD]."""
    refining_breakeven_multiplier: float | None
    """Factor on every deck price below which refining stops paying [-]."""
    refining_breakeven_price: dict[str, float]
    """That factor applied to B's main price keys in the first production year [deck unit]."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready comparison, with both projects' headline results."""
        keep = (
            "npv",
            "irr",
            "payback_years",
            "peak_funding",
            "host_take",
            "jobs",
            "export_revenue",
        )
        a, b = self.base.to_dict(), self.alternative.to_dict()
        return {
            "base": {"project": a["project"], **{k: a[k] for k in keep}},
            "alternative": {"project": b["project"], **{k: b[k] for k in keep}},
            "currency": self.base.currency,
            "discount_rate": self.base.discount_rate,
            "incremental": {
                "npv": self.incremental_npv,
                "irr": self.incremental_irr.irr,
                "irr_reason": self.incremental_irr.reason,
                "host_take": self.incremental_host_take,
                "host_take_pv": self.incremental_host_take_pv,
                "jobs": self.incremental_jobs,
                "export_revenue": self.incremental_export_revenue,
            },
            "refining_stops_paying": {
                "price_multiplier": self.refining_breakeven_multiplier,
                "prices": self.refining_breakeven_price,
            },
            "assumptions": {"base": a["assumptions"], "alternative": b["assumptions"]},
            "price_sources": {"base": a["price_sources"], "alternative": b["price_sources"]},
        }


def _aligned(a: ProjectResult, b: ProjectResult, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Two yearly columns on a common calendar (zeros outside each project's years)."""
    years = sorted(set(a.table.year) | set(b.table.year))
    sa = a.table.set_index("year")[column].reindex(years, fill_value=0.0)
    sb = b.table.set_index("year")[column].reindex(years, fill_value=0.0)
    return sa.to_numpy(), sb.to_numpy()


def incremental_npv_at(prep_a: Prepared, prep_b: Prepared, multiplier: float) -> float:
    """NPV(B) − NPV(A) with every deck price scaled by ``multiplier`` [USD]."""
    f = Factors(price=multiplier)
    return float(project_npv(prep_b, f)[0] - project_npv(prep_a, f)[0])


def compare_projects(a: Project, b: Project, atlas: Atlas | None = None) -> Comparison:
    r"""Compare export-concentrate (A) with refine-at-home (B) on the same resource.

    Parameters
    ----------
    a, b
        The base (export) and the alternative (refine) projects; they should
        share start year, currency, terms and discount rate.
    atlas
        Needed when a price comes from the atlas.

    Returns
    -------
    Comparison
        Incremental NPV, IRR, host take, jobs, export revenue and the price
        multiplier below which refining stops paying.

    Notes
    -----
    :math:`\Delta NPV = \sum_t (CF^B_t - CF^A_t)(1+r)^{-t}`; the break-even
    multiplier :math:`m^*` solves :math:`\Delta NPV(m^*) = 0` with every deck
    price scaled by :math:`m`.
    """
    if (a.start_year, a.currency, a.terms) != (b.start_year, b.currency, b.terms):
        logger.warning("projects differ in start year, currency or terms; compare with care")
    ra, rb = evaluate_project(a, atlas), evaluate_project(b, atlas)
    fa, fb = _aligned(ra, rb, "fcf_project")
    prep_a, prep_b = prepare(a, atlas), prepare(b, atlas)
    m = solve_breakeven(lambda x: incremental_npv_at(prep_a, prep_b, x), 0.0, 2.0)
    return Comparison(
        base=ra,
        alternative=rb,
        incremental_npv=float(npv(a.discount_rate, fb - fa)),
        incremental_irr=irr_result(fb - fa, near=a.discount_rate),
        incremental_host_take=_diff(rb, ra, "total"),
        incremental_host_take_pv=_diff(rb, ra, "pv"),
        incremental_jobs=rb.jobs["operations"] - ra.jobs["operations"],
        incremental_export_revenue=rb.export_revenue - ra.export_revenue,
        refining_breakeven_multiplier=m,
        refining_breakeven_price=_prices_at(prep_b, m),
    )


def _diff(b: ProjectResult, a: ProjectResult, key: str) -> float:
    return float((b.host_take[key] or 0.0) - (a.host_take[key] or 0.0))


def _prices_at(prep: Prepared, multiplier: float | None) -> dict[str, float]:
    if multiplier is None:
        return {}
    t0 = prep.first_production
    return {
        f"{k} [{prep.project.prices[k].unit}]": float(
            multiplier * v[t0] / TO_USD_PER_T[prep.project.prices[k].unit]
        )
        for k, v in prep.prices.items()
    }
