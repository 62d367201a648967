"""Techno-economic model of value-chain projects: cash flows, NPV/IRR, host take.

The pure finance functions (:func:`npv`, :func:`irr`, :func:`payback_years`,
:func:`peak_funding`) sit under everything else; projects load from YAML
(:func:`load_project`) and evaluate with :func:`evaluate_project`.
"""

from __future__ import annotations

from orechain.economics.compare import Comparison, compare_projects
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
from orechain.economics.project import Project, load_project
from orechain.economics.results import ProjectResult, evaluate_project
from orechain.economics.sensitivity import MonteCarloResult, montecarlo, tornado

__all__ = [
    "Comparison",
    "MonteCarloResult",
    "Project",
    "ProjectResult",
    "compare_projects",
    "evaluate_project",
    "load_project",
    "montecarlo",
    "tornado",
    "IrrResult",
    "MultipleIrrWarning",
    "irr",
    "irr_result",
    "npv",
    "payback_years",
    "peak_funding",
    "solve_breakeven",
]
