"""Techno-economic model of value-chain projects: cash flows, NPV/IRR, host take.

The pure finance functions (:func:`npv`, :func:`irr`, :func:`payback_years`,
:func:`peak_funding`) sit under everything else; projects load from YAML
(:func:`load_project`) and evaluate with :func:`evaluate_project`.
"""

from __future__ import annotations

from orechain.economics.metrics import (
    IrrResult,
    MultipleIrrWarning,
    irr,
    irr_result,
    npv,
    payback_years,
    peak_funding,
    solve_breakeven,
)

__all__ = [
    "IrrResult",
    "MultipleIrrWarning",
    "irr",
    "irr_result",
    "npv",
    "payback_years",
    "peak_funding",
    "solve_breakeven",
]
