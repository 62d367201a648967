r"""Fiscal terms and finance: royalty, depreciation, income tax, debt, state equity.

Vectorised over draws: every array is shape ``(n, T)`` (draws × years) and
money is nominal (tax is levied on nominal income).

References
----------
Daniel, P., Keen, M. and McPherson, C. (eds) (2010), *The Taxation of Petroleum
and Minerals: Principles, Problems and Practice*, Routledge/IMF,
doi:10.4324/9780203851081 (royalty, CIT, loss carry-forward, tax holidays,
state equity, withholding tax on dividends).
Luca, O. and Mesa Puyo, D. (2016), *Fiscal Analysis of Resource Industries
(FARI) Methodology*, IMF Technical Notes and Manuals 16/01,
doi:10.5089/9781498345446.005 (the cash-flow layout and "government take").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from orechain.economics.project import Debt, Depreciation, Fiscal

logger = logging.getLogger(__name__)

Array = np.ndarray


def depreciation_schedule(capex: Array, first_production: int, rule: Depreciation) -> Array:
    r"""Tax depreciation of capital spending [currency/yr], shape (n, T).

    Parameters
    ----------
    capex
        Capital spending by year [currency], shape (n, T).
    first_production
        Year index when assets go into service; earlier spending starts
        depreciating then.
    rule
        Method, life [yr] and, for declining balance, the rate [1/yr].

    Returns
    -------
    numpy.ndarray
        Deduction per year; whatever is left undepreciated at the horizon is
        written off in the last year, so the deductions sum to the capex.

    Notes
    -----
    Straight line: vintage :math:`K_v` gives :math:`K_v/L` in each of the
    :math:`L` years from :math:`\max(v, t_0)`. Declining balance: the pool
    :math:`B_t` (spending in service, less deductions) gives :math:`\delta B_t`.
    """
    n, T = capex.shape
    t0 = min(first_production, T - 1)
    placed = capex.copy()
    placed[:, t0] += capex[:, :t0].sum(axis=1)
    placed[:, :t0] = 0.0
    if rule.method == "straight_line":
        dep = np.zeros_like(capex)
        for v in range(t0, T):
            dep[:, v : v + rule.life_years] += placed[:, v : v + 1] / rule.life_years
    else:
        dep = _declining_balance(placed, rule.rate or 2.0 / rule.life_years)
    dep[:, -1] += capex.sum(axis=1) - dep.sum(axis=1)
    return dep


def _declining_balance(placed: Array, rate: float) -> Array:
    dep = np.zeros_like(placed)
    pool = np.zeros(placed.shape[0])
    for t in range(placed.shape[1]):
        pool = pool + placed[:, t]
        dep[:, t] = rate * pool
        pool = pool - dep[:, t]
    return dep


def income_tax(taxable: Array, rates: Array, carry_years: int | None) -> tuple[Array, Array]:
    r"""Corporate income tax with losses carried forward (oldest first).

    Parameters
    ----------
    taxable
        Taxable income before loss relief [currency], shape (n, T).
    rates
        Tax rate each year [-], shape (T,); zero in tax-holiday years.
    carry_years
        How many years a loss may be carried forward; None = without limit.

    Returns
    -------
    tuple of numpy.ndarray
        Tax paid and losses used, each shape (n, T).

    Notes
    -----
    :math:`T_t = \tau_t \max(0, Y_t - L^{used}_t)` where losses of earlier
    years (not older than the limit) offset profit, oldest first. In holiday
    years (:math:`\tau_t = 0`) profit is exempt and does not consume losses;
    losses made then are still carried forward.
    """
    n, T = taxable.shape
    pool = np.zeros((n, T))
    tax, used = np.zeros((n, T)), np.zeros((n, T))
    for t in range(T):
        if carry_years is not None and t - carry_years - 1 >= 0:
            pool[:, : t - carry_years] = 0.0
        profit = np.maximum(taxable[:, t], 0.0)
        if rates[t] > 0:
            for v in range(t):
                take = np.minimum(pool[:, v], profit - used[:, t])
                used[:, t] += take
                pool[:, v] -= take
        pool[:, t] = np.maximum(-taxable[:, t], 0.0)
        tax[:, t] = rates[t] * (profit - used[:, t])
    return tax, used


def tax_rates(fiscal: Fiscal, years: int, first_production: int) -> Array:
    """Income-tax rate per year [-], zero during the tax holiday."""
    rates = np.full(years, fiscal.income_tax_rate)
    rates[first_production : first_production + fiscal.tax_holiday_years] = 0.0
    return rates


@dataclass(frozen=True)
class DebtFlows:
    """Debt cash flows [currency/yr], shape (n, T)."""

    drawdown: Array
    interest: Array
    principal: Array


def debt_schedule(capex: Array, debt: Debt | None, first_production: int) -> DebtFlows:
    r"""Borrowing a share of pre-production capex, repaid as an annuity.

    Parameters
    ----------
    capex
        Capital spending [currency], shape (n, T).
    debt
        Share, rate [1/yr] and tenor [yr]; None for an all-equity project.
    first_production
        Year index when repayment starts.

    Returns
    -------
    DebtFlows
        Drawdown, interest and principal per year.

    Notes
    -----
    Drawdown :math:`D_t = s K_t` for :math:`t < t_0`; interest
    :math:`i B_{t-1}` on the opening balance; from :math:`t_0` a level payment
    :math:`A = B_{t_0-1}\, i / (1 - (1+i)^{-N})` for :math:`N` years.
    """
    zeros = np.zeros_like(capex)
    if debt is None or debt.share == 0 or first_production == 0:
        return DebtFlows(zeros, zeros.copy(), zeros.copy())
    draw = zeros.copy()
    draw[:, :first_production] = debt.share * capex[:, :first_production]
    i, N = debt.rate, debt.tenor_years
    annuity_factor = i / (1 - (1 + i) ** -N) if i > 0 else 1.0 / N
    interest, principal = zeros.copy(), zeros.copy()
    balance = np.zeros(capex.shape[0])
    payment = np.zeros(capex.shape[0])
    for t in range(capex.shape[1]):
        interest[:, t] = i * balance
        if t == first_production:
            payment = balance * annuity_factor
        if t >= first_production:
            principal[:, t] = np.minimum(balance, payment - interest[:, t])
        balance = balance + draw[:, t] - principal[:, t]
    return DebtFlows(draw, interest, principal)


@dataclass(frozen=True)
class EquitySplit:
    """Equity cash flows split between the state and the investor [currency/yr]."""

    government: Array
    """Free-carried dividends plus the state's paid-in share of equity flows."""
    withholding_tax: Array
    """Tax withheld on the investor's dividends."""
    investor: Array
    """Investor's equity cash flow after withholding tax."""


def split_equity(equity_fcf: Array, fiscal: Fiscal) -> EquitySplit:
    r"""Share equity cash flows among the state and the (foreign) investor.

    Notes
    -----
    With equity cash flow :math:`E_t`, free carry :math:`c` and paid state
    share :math:`g`: state :math:`G_t = g E_t + c \max(E_t, 0)`; investor
    before tax :math:`I_t = E_t - G_t`; withholding tax
    :math:`W_t = w \max(I_t, 0)`. All free cash is assumed distributed in the
    year it arises (cash sweep), so positive :math:`E_t` are dividends.
    """
    gov = fiscal.government_equity_share * equity_fcf
    gov = gov + fiscal.government_free_carry * np.maximum(equity_fcf, 0.0)
    investor = equity_fcf - gov
    wht = fiscal.withholding_tax_rate * np.maximum(investor, 0.0)
    return EquitySplit(gov, wht, investor - wht)
