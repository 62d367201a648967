r"""The yearly cash-flow table of a project, vectorised over draws.

Inputs are in real money of the start year. When inflation is non-zero the
table is computed in nominal money (tax depreciation and debt are nominal) and,
for ``terms: real``, deflated back, so the erosion of depreciation allowances
by inflation is captured.

Sign convention: revenue, costs and taxes are positive amounts; free cash
flows are signed (negative = money into the project).

Notes
-----
.. math::

    FCF^{project}_t = R_t - Roy_t - O_t - K_t - Cl_t - Tax_t \\
    Y_t = R_t - Roy_t - O_t - Dep_t - Int_t - Cl_t \\
    FCF^{equity}_t = FCF^{project}_t + D_t - Int_t - P_t \\
    HT_t = Roy_t + Tax_t + W_t + G_t + w^{local}_t

with revenue :math:`R`, royalty :math:`Roy`, opex :math:`O`, capex :math:`K`,
closure :math:`Cl`, taxable income :math:`Y`, debt drawdown :math:`D`,
interest :math:`Int`, principal :math:`P`, withholding tax :math:`W`, state
equity cash :math:`G` and local wages :math:`w^{local}` (host-country take
:math:`HT`). Tax includes the interest shield (capital cash-flow convention).

References
----------
Luca, O. and Mesa Puyo, D. (2016), *Fiscal Analysis of Resource Industries
(FARI) Methodology*, IMF, doi:10.5089/9781498345446.005.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from orechain.economics.fiscal import (
    debt_schedule,
    depreciation_schedule,
    income_tax,
    split_equity,
    tax_rates,
)
from orechain.economics.production import Flows, Prepared, compute_flows, product_value

logger = logging.getLogger(__name__)

Array = np.ndarray


@dataclass(frozen=True)
class Factors:
    """Multiplicative factors on a project's inputs (1 = as in the file).

    Each is a float or an array of shape (n,) for n draws.
    """

    price: float | Array = 1.0
    grade: float | Array = 1.0
    recovery: float | Array = 1.0
    capex: float | Array = 1.0
    opex: float | Array = 1.0
    royalty: float | Array = 1.0
    discount_rate: float | Array = 1.0
    price_by_key: Mapping[str, float | Array] = field(default_factory=dict)

    def column(self, name: str, n: int) -> Array:
        """One factor as an (n, 1) column."""
        value = getattr(self, name)
        return np.broadcast_to(np.asarray(value, dtype=float).reshape(-1, 1), (n, 1))

    def draws(self) -> int:
        """Number of draws implied by the array-valued factors."""
        sizes = [np.size(getattr(self, f)) for f in FACTOR_NAMES]
        sizes += [np.size(v) for v in self.price_by_key.values()]
        return max(sizes)


FACTOR_NAMES = ("price", "grade", "recovery", "capex", "opex", "royalty", "discount_rate")


@dataclass(frozen=True)
class CashFlows:
    """Yearly cash-flow table for n draws; money arrays are (n, T) [USD/yr]."""

    years: Array
    """Calendar years, shape (T,)."""
    sold_t: dict[str, Array]
    """Product id → contained mass sold [t/yr]."""
    revenue: Array
    export_revenue: Array
    royalty: Array
    opex: Array
    capex: Array
    closure: Array
    depreciation: Array
    interest: Array
    taxable_income: Array
    tax: Array
    fcf_project: Array
    fcf_equity: Array
    fcf_investor: Array
    government_equity: Array
    withholding_tax: Array
    local_wages: Array
    host_take: Array
    value_added: dict[str, Array]
    """Stage id → gross value added [USD/yr]."""
    revenue_by_key: dict[str, Array]
    """Price-deck key → revenue [USD/yr]."""
    discount_rate: Array
    """Discount rate per draw [1/yr], shape (n,)."""


def _stage_costs(prep: Prepared, flows: Flows, opex_f: Array, capex_f: Array) -> dict[str, Array]:
    """Opex, capex and local wages per stage [USD/yr, real]."""
    out: dict[str, Array] = {}
    t = np.arange(prep.project.years)
    for stage in prep.project.stages:
        on = prep.operating[stage.id]
        sched = np.array([stage.capex_usd.get(int(y), 0.0) for y in t])
        sustaining = stage.sustaining_capex_usd_per_yr * (t > stage.production_start)
        opex = (
            stage.opex_fixed_usd_per_yr * on
            + stage.opex_variable_usd_per_t * flows.feed_t[stage.id]
        )
        job = stage.employment
        out[f"opex:{stage.id}"] = opex * opex_f
        out[f"capex:{stage.id}"] = (sched + sustaining) * capex_f
        out[f"wages:{stage.id}"] = np.broadcast_to(
            job.jobs * job.local_share * job.wage_usd_per_yr * on, opex.shape
        )
    return out


def _sales(prep: Prepared, flows: Flows, price: dict[str, Array]) -> dict[str, Array]:
    """Revenue of each product's sold share [USD/yr] and the value of all output."""
    out: dict[str, Array] = {}
    for stage in prep.project.stages:
        for product in stage.products:
            value = product_value(prep, product.id, flows, price)
            out[f"value:{product.id}"] = value
            out[f"sales:{product.id}"] = value * (1.0 - flows.taken[product.id])
    return out


def _value_added(prep: Prepared, flows: Flows, money: dict[str, Array]) -> dict[str, Array]:
    """Gross value added per stage: output − feed value − non-wage opex [USD/yr]."""
    va: dict[str, Array] = {}
    for stage in prep.project.stages:
        out = sum((money[f"value:{p.id}"] for p in stage.products), np.zeros(1))
        feed = 0.0 if stage.feed is None else flows.taken[stage.feed] * money[f"value:{stage.feed}"]
        bought = money[f"opex:{stage.id}"] - money[f"wages:{stage.id}"]
        va[stage.id] = out - feed - bought
    return va


def _revenue_by_key(prep: Prepared, flows: Flows, price: dict[str, Array]) -> dict[str, Array]:
    out: dict[str, Array] = {}
    for stage in prep.project.stages:
        for product in (p for p in stage.products if p.id in prep.valued):
            sold = 1.0 - flows.taken[product.id]
            for component, x in flows.output[product.id].items():
                key = product.price_key(component)
                if key in price:
                    out[key] = out.get(key, 0.0) + x * sold * product.payable * price[key]
    return out


def _prices(prep: Prepared, factors: Factors, n: int) -> dict[str, Array]:
    base = factors.column("price", n)
    return {
        k: p[None, :] * base * np.asarray(factors.price_by_key.get(k, 1.0)).reshape(-1, 1)
        for k, p in prep.prices.items()
    }


def compute_cashflows(prep: Prepared, factors: Factors | None = None) -> CashFlows:
    """Yearly cash-flow table of a compiled project for one or many draws.

    Parameters
    ----------
    prep
        The compiled project (:func:`orechain.economics.production.prepare`).
    factors
        Multiplicative factors on inputs; arrays of length n give n draws.

    Returns
    -------
    CashFlows
        The table, in real money of the start year (``terms: real``) or
        nominal money (``terms: nominal``) [USD/yr].
    """
    factors = factors or Factors()
    n = factors.draws()
    p = prep.project
    flows = compute_flows(prep, factors.column("grade", n), factors.column("recovery", n))
    prices = _prices(prep, factors, n)
    money = _sales(prep, flows, prices)
    money |= _stage_costs(prep, flows, factors.column("opex", n), factors.column("capex", n))
    stage_ids = [s.id for s in p.stages]
    products = [(pr, s) for s in p.stages for pr in s.products]
    real = {
        "revenue": sum((money[f"sales:{pr.id}"] for pr, _ in products), np.zeros((n, 1))),
        "export_revenue": sum(
            (money[f"sales:{pr.id}"] for pr, _ in products if pr.export), np.zeros((n, 1))
        ),
        "opex": sum((money[f"opex:{s}"] for s in stage_ids), np.zeros((n, 1))),
        "capex": sum((money[f"capex:{s}"] for s in stage_ids), np.zeros((n, 1))),
        "local_wages": sum((money[f"wages:{s}"] for s in stage_ids), np.zeros((n, 1))),
        "closure": np.zeros((n, p.years)),
    }
    real = {k: np.broadcast_to(v, (n, p.years)).astype(float) for k, v in real.items()}
    real["closure"][:, -1] = sum(s.closure_cost_usd for s in p.stages)
    index = (1.0 + p.inflation) ** np.arange(p.years)
    table = _fiscal_table({k: v * index for k, v in real.items()}, prep, factors, n)
    deflate = index if p.terms == "real" else np.ones(p.years)
    sold = {
        pr.id: sum(x for x in flows.output[pr.id].values()) * (1 - flows.taken[pr.id])
        for pr, _ in products
    }
    return CashFlows(
        years=prep.years,
        sold_t=sold,
        **{k: v / deflate for k, v in table.items()},
        value_added={
            k: v * np.ones((n, p.years)) for k, v in _value_added(prep, flows, money).items()
        },
        revenue_by_key=_revenue_by_key(prep, flows, prices),
        discount_rate=p.discount_rate * factors.column("discount_rate", n)[:, 0],
    )


def _fiscal_table(
    nominal: dict[str, Array], prep: Prepared, factors: Factors, n: int
) -> dict[str, Array]:
    """Royalty, depreciation, debt, tax, free cash flows and host take (nominal)."""
    p, f = prep.project, prep.project.fiscal
    out = dict(nominal)
    out["royalty"] = f.royalty_rate * factors.column("royalty", n) * out["revenue"]
    out["depreciation"] = depreciation_schedule(out["capex"], prep.first_production, f.depreciation)
    debt = debt_schedule(out["capex"], p.debt, prep.first_production)
    out["interest"] = debt.interest
    out["taxable_income"] = (
        out["revenue"]
        - out["royalty"]
        - out["opex"]
        - out["depreciation"]
        - debt.interest
        - out["closure"]
    )
    rates = tax_rates(f, p.years, prep.first_production)
    out["tax"], _ = income_tax(out["taxable_income"], rates, f.loss_carry_forward_years)
    out["fcf_project"] = (
        out["revenue"] - out["royalty"] - out["opex"] - out["capex"] - out["closure"] - out["tax"]
    )
    out["fcf_equity"] = out["fcf_project"] + debt.drawdown - debt.interest - debt.principal
    split = split_equity(out["fcf_equity"], f)
    out["government_equity"], out["withholding_tax"] = split.government, split.withholding_tax
    out["fcf_investor"] = split.investor
    out["host_take"] = (
        out["royalty"] + out["tax"] + split.withholding_tax + split.government + out["local_wages"]
    )
    return out
