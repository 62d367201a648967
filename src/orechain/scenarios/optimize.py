"""Diversification optimiser: where a buyer should source each stage.

For a buyer region with demand ``D`` [t] at every stage, choose tonnes
``x_{s,c}`` from candidate country ``c`` at stage ``s`` to

    minimise  Σ_{s,c} (cost_{s,c} + λ · risk_{s,c}) · x_{s,c}
    s.t.      Σ_c x_{s,c} = D                 (each stage covered)
              x_{s,c} ≤ capacity_{s,c}        (what the supplier can spare)
              x_{s,c} ≤ m · D                 (maximum share per country)
              x_{s,c} = 0 for excluded c      (e.g. the dfars-2027 set)

The worst-case shortfall is the largest single-country, single-stage loss,
``D · max_{s,c} x_{s,c} / D_s`` in final-product tonnes (an N−1 criterion).
Sweeping ``m`` traces the cost vs worst-case-shortfall frontier; a share cap
that capacity cannot meet is reported as infeasible, not dropped silently.

References
----------
DFARS 252.225-7052 and 10 U.S.C. 4872 (covered countries: North Korea, China,
Russia, Iran), extended to mining, refining and separation from 1 January 2027.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from orechain.errors import InfeasibleScenarioError, InputError
from orechain.scenarios.constraints import LinearProgram
from orechain.scenarios.highs import solve_lp
from orechain.scenarios.optimize_spec import (
    OptimizeSpec,
)

if TYPE_CHECKING:
    from orechain.scenarios.spec import Scenario


def solve_sourcing(spec: OptimizeSpec, max_share: float) -> dict[str, Any]:
    """Least cost + risk sourcing at one share cap; raises InfeasibleScenarioError if impossible."""
    lp = LinearProgram()
    excluded = spec.excluded
    index: list[tuple[str, str]] = []
    needs: dict[str, float] = {}
    for st in spec.stages:
        need = needs[st.stage] = st.demand_t or spec.demand_t
        cap = max_share * need
        upper = [0.0 if c.country in excluded else min(c.capacity_t, cap) for c in st.candidates]
        cost = [c.cost_per_t + spec.risk_penalty * c.risk for c in st.candidates]
        cols = lp.add_columns(np.array(upper), np.array(cost))
        lp.add_row(
            "cover",
            f"{spec.buyer} {st.stage} covered",
            [int(i) for i in cols],
            [1.0] * len(cols),
            need,
            need,
        )
        index += [(st.stage, c.country) for c in st.candidates]
    lp.col_weight = [-c for c in lp.col_cost]  # one-stage LP: minimise cost
    sol = solve_lp(lp, lexicographic=False)
    alloc: dict[str, dict[str, float]] = {}
    for (stage, country), x in zip(index, sol.x, strict=True):
        if x > 1e-9:
            alloc.setdefault(stage, {})[country] = float(x)
    worst = spec.demand_t * max(
        (x / needs[stage] for stage, by in alloc.items() for x in by.values()), default=0.0
    )
    return {
        "max_share": max_share,
        "cost": float(np.dot(lp.col_cost, sol.x)),
        "worst_case_shortfall_t": worst,
        "allocation": alloc,
        "feasible": True,
    }


def frontier(spec: OptimizeSpec) -> list[dict[str, Any]]:
    """Cost and worst-case shortfall for each share cap of ``spec.shares``."""
    rows = []
    for m in sorted(set(spec.shares), reverse=True):
        try:
            row = solve_sourcing(spec, m)
        except InfeasibleScenarioError:
            row = {"max_share": m, "cost": None, "worst_case_shortfall_t": None, "feasible": False}
        rows.append({k: v for k, v in row.items() if k != "allocation"})
    return rows


def optimize_scenario(scn: Scenario) -> dict[str, Any]:
    """Run the scenario's ``optimize`` block: the chosen sourcing and the frontier."""
    if scn.optimize is None:
        msg = "the scenario has no 'optimize' block"
        raise InputError(msg, source=scn.source_path, field="optimize")
    spec = OptimizeSpec.model_validate(scn.optimize)
    best = solve_sourcing(spec, spec.max_share)
    return {
        "scenario": scn.name,
        "buyer": spec.buyer,
        "demand_t": spec.demand_t,
        "excluded": sorted(spec.excluded),
        **best,
        "frontier": frontier(spec),
        "assumptions": list(scn.assumptions),
    }
