"""Evaluate a project: cash-flow table, NPV/IRR, payback, break-even, host take, jobs.

:func:`evaluate_project` is the one entry point the CLI and API call; the
result is a frozen dataclass with a JSON-ready :meth:`ProjectResult.to_dict`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orechain.economics.cashflow import CashFlows, Factors, compute_cashflows
from orechain.economics.metrics import IrrResult, irr_result, npv, payback_years, peak_funding
from orechain.economics.metrics import solve_breakeven as _solve
from orechain.economics.prices import TO_USD_PER_T
from orechain.economics.production import Prepared, prepare

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.economics.project import Project

logger = logging.getLogger(__name__)

TABLE_COLUMNS = (
    "revenue", "export_revenue", "royalty", "opex", "capex", "closure", "depreciation",
    "interest", "taxable_income", "tax", "fcf_project", "fcf_equity", "fcf_investor",
    "government_equity", "withholding_tax", "local_wages", "host_take",
)  # fmt: skip
"""Money columns of the cash-flow table [USD/yr]."""


@dataclass(frozen=True)
class Breakeven:
    """The price level at which project NPV is zero."""

    multiplier: float | None
    """Factor on every deck price giving NPV = 0 [-]; None if none in (0, 10^4]."""
    key: str | None
    """Deck key of the largest revenue source."""
    price: float | None
    """That key's break-even price in its first production year [deck unit]."""
    unit: str | None
    """Unit of ``price`` (the deck entry's unit)."""


@dataclass(frozen=True)
class ProjectResult:
    """Headline results of one project evaluation (money in ``currency``)."""

    project: str
    currency: str
    terms: str
    """``real`` (money of ``start_year``) or ``nominal``."""
    discount_rate: float
    """[1/yr] in the stated terms."""
    npv: float
    """After-tax project NPV at ``discount_rate`` [USD]."""
    npv_by_rate: dict[float, float]
    """Project NPV at each reported rate [USD]."""
    irr: IrrResult
    """Project IRR [1/yr] with the reason when undefined."""
    investor_npv: float
    """NPV of the investor's equity cash flow after state equity and WHT [USD]."""
    investor_irr: IrrResult
    payback_years: float | None
    """Undiscounted payback counted from year 0 [yr]."""
    peak_funding: float
    """Largest cumulative project cash deficit [USD]."""
    breakeven: Breakeven
    table: pd.DataFrame
    """Cash-flow table, one row per year [USD/yr; sold_t columns in t/yr]."""
    host_take: dict[str, float | None]
    """Undiscounted totals by component, ``pv`` at the discount rate [USD], ``aetr_pv`` [-]."""
    jobs: dict[str, int]
    """Direct operating jobs at full production, local ones, peak construction jobs."""
    export_revenue: float
    """Undiscounted total export revenue [USD]."""
    value_added_by_stage: dict[str, float]
    """Undiscounted gross value added per stage [USD]."""
    price_sources: dict[str, str]
    assumptions: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary; the cash-flow rows carry the headline columns."""
        rows = self.table.rename(columns={"fcf_project": "fcf"}).to_dict(orient="records")
        return {
            "project": self.project,
            "currency": self.currency,
            "terms": self.terms,
            "discount_rate": self.discount_rate,
            "npv": self.npv,
            "npv_by_rate": {f"{r:g}": v for r, v in self.npv_by_rate.items()},
            "irr": self.irr.irr,
            "irr_reason": self.irr.reason,
            "investor_npv": self.investor_npv,
            "investor_irr": self.investor_irr.irr,
            "payback_years": self.payback_years,
            "peak_funding": self.peak_funding,
            "breakeven_price": self.breakeven.__dict__,
            "cash_flows": rows,
            "host_take": self.host_take,
            "jobs": self.jobs,
            "export_revenue": self.export_revenue,
            "value_added_by_stage": self.value_added_by_stage,
            "price_sources": self.price_sources,
            "assumptions": self.assumptions,
            "notes": self.notes,
        }


def project_npv(prep: Prepared, factors: Factors | None = None) -> np.ndarray:
    """After-tax project NPV per draw [USD], shape (n,)."""
    cf = compute_cashflows(prep, factors)
    return np.asarray(npv(cf.discount_rate, cf.fcf_project))


def solve_breakeven(prep: Prepared, cf: CashFlows) -> Breakeven:
    """Break-even on all prices together, reported on the main revenue key."""
    multiplier = _solve(lambda m: float(project_npv(prep, Factors(price=m))[0]), 0.0, 2.0)
    by_key = {k: float(v[0].sum()) for k, v in cf.revenue_by_key.items()}
    if not by_key:
        return Breakeven(multiplier, None, None, None)
    key = max(by_key, key=lambda k: by_key[k])
    unit = prep.project.prices[key].unit
    base = prep.prices[key][prep.first_production] / TO_USD_PER_T[unit]
    price = None if multiplier is None else float(multiplier * base)
    return Breakeven(multiplier, key, price, unit)


def _host_take(cf: CashFlows, rate: float) -> dict[str, float | None]:
    parts = ("royalty", "tax", "withholding_tax", "government_equity", "local_wages")
    out: dict[str, float | None] = {k: float(getattr(cf, k)[0].sum()) for k in parts}
    out["total"] = float(cf.host_take[0].sum())
    out["pv"] = float(npv(rate, cf.host_take[0]))
    out["aetr_pv"] = _take_share(cf, rate)
    return out


def _take_share(cf: CashFlows, rate: float) -> float | None:
    """Average effective tax rate: PV(state receipts, excl. wages) / PV(pre-fiscal cash flow).

    The IMF FARI "AETR"; it exceeds 1 for marginal projects and is None when
    the pre-fiscal present value is not positive.
    """
    pre = cf.revenue[0] - cf.opex[0] - cf.capex[0] - cf.closure[0]
    gov = cf.royalty[0] + cf.tax[0] + cf.withholding_tax[0] + cf.government_equity[0]
    base = float(npv(rate, pre))
    return float(npv(rate, gov)) / base if base > 0 else None


def _jobs(project: Project) -> dict[str, int]:
    e = [s.employment for s in project.stages]
    return {
        "operations": sum(x.jobs for x in e),
        "operations_local": round(sum(x.jobs * x.local_share for x in e)),
        "construction_peak": sum(x.construction_jobs for x in e),
    }


def cashflow_table(cf: CashFlows) -> pd.DataFrame:
    """The deterministic (first-draw) cash-flow table, one row per year."""
    data: dict[str, Any] = {"year": cf.years.astype(int)}
    data |= {f"sold_t:{k}": v[0] for k, v in cf.sold_t.items()}
    data |= {c: getattr(cf, c)[0] for c in TABLE_COLUMNS}
    return pd.DataFrame(data)


def evaluate_project(project: Project, atlas: Atlas | None = None) -> ProjectResult:
    """Evaluate a project: every headline metric and the cash-flow table.

    Parameters
    ----------
    project
        A validated project.
    atlas
        Needed when a price comes from the atlas.

    Returns
    -------
    ProjectResult
        See its fields; money in the project's currency and terms.
    """
    prep = prepare(project, atlas)
    cf = compute_cashflows(prep)
    rate, fcf = project.discount_rate, cf.fcf_project[0]
    rates = sorted({rate, *project.extra_discount_rates})
    irr_p, irr_i = irr_result(fcf, near=rate), irr_result(cf.fcf_investor[0], near=rate)
    notes = [n for r in (irr_p, irr_i) for n in r.notes]
    for note in notes:
        logger.warning("%s: %s", project.name, note)
    return ProjectResult(
        project=project.name,
        currency=project.currency,
        terms=project.terms,
        discount_rate=rate,
        npv=float(npv(rate, fcf)),
        npv_by_rate={r: float(npv(r, fcf)) for r in rates},
        irr=irr_p,
        investor_npv=float(npv(rate, cf.fcf_investor[0])),
        investor_irr=irr_i,
        payback_years=payback_years(fcf),
        peak_funding=float(peak_funding(fcf)),
        breakeven=solve_breakeven(prep, cf),
        table=cashflow_table(cf),
        host_take=_host_take(cf, rate),
        jobs=_jobs(project),
        export_revenue=float(cf.export_revenue[0].sum()),
        value_added_by_stage={k: float(v[0].sum()) for k, v in cf.value_added.items()},
        price_sources=dict(prep.price_sources),
        assumptions=list(project.assumptions),
        notes=notes,
    )
