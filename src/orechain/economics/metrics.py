"""Discounted-cash-flow metrics: NPV, IRR, payback, peak funding, break-even.

Pure functions over yearly cash flows, year 0 first, end-of-year convention:
the flow of year ``t`` is discounted by ``(1 + r)^t`` (year 0 is not discounted),
as in ``numpy_financial.npv``. Signs: money into the project is negative.

References
----------
Brealey, R. A., Myers, S. C. and Allen, F. (2020), *Principles of Corporate
Finance*, 13th ed., McGraw-Hill, ch. 2, 5 (NPV, IRR, payback, multiple IRRs).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]


class MultipleIrrWarning(UserWarning):
    """The cash flows have several internal rates of return."""


@dataclass(frozen=True)
class IrrResult:
    """An internal rate of return with the reason when there is none."""

    irr: float | None
    """The IRR [1/yr, fraction], or None when undefined."""
    roots: tuple[float, ...] = ()
    """Every real rate above -100 % at which NPV is zero [1/yr], ascending."""
    reason: str | None = None
    """Why ``irr`` is None, or a note when several roots exist."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Further remarks (e.g. which root was chosen)."""


def npv(rate: ArrayLike, cash_flows: ArrayLike) -> FloatArray | float:
    r"""Net present value of yearly cash flows, year 0 first.

    Parameters
    ----------
    rate
        Discount rate(s) [1/yr, fraction]; a scalar, or an array that broadcasts
        against the leading axes of ``cash_flows`` (several rates for one
        series give one NPV per rate).
    cash_flows
        Cash flows [currency], last axis = years 0..T.

    Returns
    -------
    float or numpy.ndarray
        NPV [currency]; a float when both inputs are one-dimensional/scalar.

    Notes
    -----
    .. math:: \mathrm{NPV}(r) = \sum_{t=0}^{T} \frac{CF_t}{(1+r)^t}

    References
    ----------
    Brealey, Myers and Allen (2020), *Principles of Corporate Finance*, ch. 2.

    Examples
    --------
    >>> round(npv(0.10, [-100.0, 60.0, 60.0]), 4)
    4.1322
    """
    cf = np.asarray(cash_flows, dtype=float)
    r = np.asarray(rate, dtype=float)
    years = np.arange(cf.shape[-1], dtype=float)
    discount = (1.0 + r[..., None]) ** -years
    out = (cf * discount).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def _npv_derivative(rate: float, cf: FloatArray) -> float:
    years = np.arange(cf.size, dtype=float)
    return float(np.sum(-years * cf * (1.0 + rate) ** (-years - 1.0)))


def _polish(rate: float, cf: FloatArray) -> float:
    """A few Newton steps on NPV(r) = 0 to clean up a polynomial root."""
    for _ in range(5):
        slope = _npv_derivative(rate, cf)
        if slope == 0.0 or not np.isfinite(slope):
            break
        step = float(npv(rate, cf)) / slope
        if not np.isfinite(step) or rate - step <= -1.0:
            break
        rate -= step
    return rate


def irr_roots(cash_flows: ArrayLike) -> tuple[float, ...]:
    r"""Every real internal rate of return above -100 %, ascending.

    Parameters
    ----------
    cash_flows
        One series of cash flows [currency], year 0 first.

    Returns
    -------
    tuple of float
        Rates [1/yr] with NPV = 0.

    Notes
    -----
    With :math:`x = 1/(1+r)`, NPV is the polynomial :math:`\sum_t CF_t x^t`;
    its real positive roots map to rates :math:`r = 1/x - 1 > -1`. Roots are
    found as companion-matrix eigenvalues (``numpy.roots``) and polished by
    Newton steps on NPV(r).
    """
    cf = np.trim_zeros(np.asarray(cash_flows, dtype=float), "b")
    if cf.size < 2 or not np.any(cf):
        return ()
    roots = np.roots(cf[::-1])
    real = roots[(np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(roots))) & (roots.real > 0)]
    rates = sorted({round(float(_polish(1.0 / x - 1.0, cf)), 12) for x in real.real})
    scale = max(float(np.abs(cf).max()), 1.0)
    return tuple(r for r in rates if abs(float(npv(r, cf))) <= 1e-6 * scale)


def _sign_changes(cf: FloatArray) -> int:
    signs = np.sign(cf[cf != 0.0])
    return int(np.count_nonzero(np.diff(signs)))


def irr_result(cash_flows: ArrayLike, near: float = 0.10) -> IrrResult:
    r"""The internal rate of return with its reason when undefined.

    Parameters
    ----------
    cash_flows
        One series of cash flows [currency], year 0 first.
    near
        When several rates give NPV = 0, the one nearest this rate [1/yr] is
        reported (normally the discount rate).

    Returns
    -------
    IrrResult
        ``irr`` is None with a ``reason`` when there is no sign change in the
        flows or no real root above -100 %.

    Notes
    -----
    IRR is the rate :math:`r^*` with :math:`\mathrm{NPV}(r^*) = 0`. A series
    with no sign change has none; one with several sign changes may have
    several (Descartes' rule of signs), in which case IRR is ambiguous and NPV
    should be preferred (Brealey, Myers and Allen 2020, ch. 5).
    """
    cf = np.asarray(cash_flows, dtype=float)
    changes = _sign_changes(cf)
    if changes == 0:
        return IrrResult(None, reason="no sign change in the cash flows: IRR is undefined")
    roots = irr_roots(cf)
    if not roots:
        return IrrResult(None, reason="no real rate above -100 % sets NPV to zero")
    chosen = min(roots, key=lambda r: abs(r - near))
    if len(roots) == 1:
        return IrrResult(chosen, roots=roots)
    note = (
        f"{len(roots)} rates set NPV to zero ({', '.join(f'{r:.4%}' for r in roots)}); "
        f"reported the one nearest {near:.2%}"
    )
    return IrrResult(chosen, roots=roots, reason=note, notes=(note,))


def irr(cash_flows: ArrayLike, near: float = 0.10) -> float | None:
    r"""Internal rate of return [1/yr], or None when undefined.

    Parameters
    ----------
    cash_flows
        One series of cash flows [currency], year 0 first.
    near
        Rate [1/yr] used to choose among several roots.

    Returns
    -------
    float or None
        The IRR; None when there is no sign change or no real root (call
        :func:`irr_result` for the reason). With several roots, the one nearest
        ``near`` is returned and a :class:`MultipleIrrWarning` is issued.

    Notes
    -----
    Solves :math:`\sum_t CF_t (1+r)^{-t} = 0`; see :func:`irr_result`.

    References
    ----------
    Brealey, Myers and Allen (2020), *Principles of Corporate Finance*, ch. 5.

    Examples
    --------
    >>> round(irr([-100.0, 110.0]), 6)
    0.1
    >>> irr([100.0, 50.0]) is None
    True
    """
    result = irr_result(cash_flows, near)
    if result.irr is not None and len(result.roots) > 1:
        warnings.warn(result.reason or "several IRRs", MultipleIrrWarning, stacklevel=2)
    return result.irr


def payback_years(cash_flows: ArrayLike, rate: float | None = None) -> float | None:
    r"""Years from year 0 until cumulative cash flow turns non-negative for good.

    Parameters
    ----------
    cash_flows
        Cash flows [currency], year 0 first.
    rate
        If given, discounted payback at this rate [1/yr].

    Returns
    -------
    float or None
        Payback period [yr], interpolated linearly within the year of recovery;
        None if the cumulative flow ends negative, 0 if it never goes negative.

    Notes
    -----
    With :math:`C_t = \sum_{s \le t} CF_s`, payback is the last :math:`t`
    with :math:`C_{t-1} < 0 \le C_t`, plus the fraction
    :math:`-C_{t-1}/CF_t` of that year, counted from the end of year 0.
    """
    cf = np.asarray(cash_flows, dtype=float)
    if rate is not None:
        cf = cf / (1.0 + rate) ** np.arange(cf.size)
    cum = np.cumsum(cf)
    if cum[-1] < 0:
        return None
    negative = np.flatnonzero(cum < 0)
    if negative.size == 0:
        return 0.0
    last = int(negative[-1])
    return last + float(-cum[last] / cf[last + 1])


def peak_funding(cash_flows: ArrayLike) -> FloatArray | float:
    r"""Largest cumulative cash deficit, the funding the project needs at its worst.

    Parameters
    ----------
    cash_flows
        Cash flows [currency], last axis = years.

    Returns
    -------
    float or numpy.ndarray
        :math:`\max(0, -\min_t C_t)` [currency], non-negative, with
        :math:`C_t` the cumulative undiscounted cash flow.
    """
    cum = np.cumsum(np.asarray(cash_flows, dtype=float), axis=-1)
    out = np.maximum(0.0, -cum.min(axis=-1))
    return float(out) if np.ndim(out) == 0 else out


def solve_breakeven(
    func: Callable[[float], float],
    lo: float = 0.0,
    hi: float = 2.0,
    *,
    tol: float = 1e-7,
    max_hi: float = 1e4,
) -> float | None:
    r"""The argument where a monotone function crosses zero (bisection).

    Parameters
    ----------
    func
        A function of one variable, monotone on the search interval (e.g. NPV
        as a function of a price multiplier).
    lo, hi
        Initial bracket; ``hi`` is doubled up to ``max_hi`` until the sign
        differs from ``func(lo)``.
    tol
        Absolute tolerance on the argument.
    max_hi
        Largest upper bound tried.

    Returns
    -------
    float or None
        The root, or None if no sign change was found in ``[lo, max_hi]``.

    Notes
    -----
    Bisection halves the bracket each step, so it needs
    :math:`\lceil\log_2((hi-lo)/tol)\rceil` evaluations and cannot diverge.
    """
    f_lo = func(lo)
    if f_lo == 0.0:
        return lo
    f_hi = func(hi)
    while np.sign(f_hi) == np.sign(f_lo):
        if hi >= max_hi:
            return None
        hi *= 2.0
        f_hi = func(hi)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        f_mid = func(mid)
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
