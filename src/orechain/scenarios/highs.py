"""Solving a :class:`~orechain.scenarios.constraints.LinearProgram` with HiGHS, lexicographically.

Stage 1 maximises priority-weighted served demand ``Σ w_p u_p``. Stage 2 fixes
that optimum (``Σ w_p u_p ≥ z* − ε``) and minimises cost ``Σ c_j x_j``. The
duals reported are stage 1's: the gain in weighted served demand per extra
unit of a constraint's right-hand side — which constraints are the chokepoints.

References
----------
Huangfu, Q. & Hall, J. A. J. (2018), Parallelizing the dual revised simplex
method, Math. Prog. Comp. 10, 119–142, doi:10.1007/s12532-017-0130-5 (HiGHS).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import highspy
import numpy as np

from orechain.errors import InfeasibleScenarioError
from orechain.scenarios.constraints import INF, LinearProgram

TOL = 1e-9
"""Relative tolerance of the stage-1 optimum fixed in stage 2."""


@dataclass(frozen=True)
class Solution:
    """Primal values and stage-1 duals of one solved LP."""

    x: np.ndarray
    row_dual: np.ndarray
    """Stage-1 row duals, sign-flipped to 'weighted tonnes served per unit of RHS' (≥ 0)."""
    col_dual: np.ndarray
    weighted_served: float
    cost: float


def _highs_lp(lp: LinearProgram, cost: np.ndarray) -> highspy.HighsLp:
    model = highspy.HighsLp()
    model.num_col_ = len(lp.col_upper)
    model.num_row_ = len(lp.row_upper)
    model.col_cost_ = cost
    model.col_lower_ = np.asarray(lp.col_lower)
    model.col_upper_ = np.asarray(lp.col_upper)
    model.row_lower_ = np.asarray(lp.row_lower)
    model.row_upper_ = np.asarray(lp.row_upper)
    lengths = [len(c) for c, _ in lp.entries]
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    model.a_matrix_.index_ = np.concatenate([c for c, _ in lp.entries]).astype(np.int32)
    model.a_matrix_.value_ = np.concatenate([v for _, v in lp.entries])
    return model


@cache
def _new_highs() -> highspy.Highs:
    """One silent HiGHS instance per process, reused by every solve (passModel resets it).

    HiGHS writes a banner to C-level stdout when its first instance is made,
    which would corrupt ``--json`` output; stdout's file descriptor is pointed
    at /dev/null for that one construction.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with Path(os.devnull).open("w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    return h


def _check_status(h: highspy.Highs, lp: LinearProgram) -> None:
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return
    text = h.modelStatusToString(status)
    msg = f"the scenario's linear programme is {text.lower()}: {diagnose(lp)}"
    raise InfeasibleScenarioError(msg)


def diagnose(lp: LinearProgram) -> str:
    """Name the first constraint that cannot hold with non-negative variables."""
    rows = zip(lp.row_name, lp.row_lower, lp.row_upper, lp.entries, strict=True)
    for name, lo, up, (_, vals) in rows:
        if up < lo or (up < -1e-9 and bool(np.all(vals >= 0))):
            return f"constraint {name!r} needs {lo:g} ≤ row ≤ {up:g}, impossible for x ≥ 0"
    for j, (lo, up) in enumerate(zip(lp.col_lower, lp.col_upper, strict=True)):
        if up < lo:
            return f"variable {j} has upper bound {up:g} below its lower bound {lo:g}"
    return "no single constraint is contradictory; check capacities and demand signs"


def solve_lp(lp: LinearProgram, *, lexicographic: bool = True) -> Solution:
    """Solve ``lp``: max weighted served demand, then (optionally) min cost at that optimum.

    Raises
    ------
    InfeasibleScenarioError
        When HiGHS reports the LP infeasible or unbounded; the message names the
        offending constraint where one bound alone is contradictory.
    """
    weight = np.asarray(lp.col_weight)
    h = _new_highs()
    h.passModel(_highs_lp(lp, -weight))
    h.run()
    _check_status(h, lp)
    sol = h.getSolution()
    row_dual = -np.asarray(sol.row_dual)
    col_dual = -np.asarray(sol.col_dual)
    z = -h.getInfo().objective_function_value
    x = np.asarray(sol.col_value)
    if lexicographic:
        x = _min_cost(h, lp, weight, z)
    cost = float(np.dot(lp.col_cost, x))
    return Solution(x, row_dual, col_dual, z, cost)


def _min_cost(h: highspy.Highs, lp: LinearProgram, weight: np.ndarray, z: float) -> np.ndarray:
    idx = np.nonzero(weight)[0].astype(np.int32)
    floor = z - TOL * max(1.0, abs(z))
    h.addRow(floor, INF, len(idx), idx, weight[idx])
    h.changeColsCost(
        len(lp.col_cost), np.arange(len(lp.col_cost), dtype=np.int32), np.asarray(lp.col_cost)
    )
    h.run()
    _check_status(h, lp)
    return np.asarray(h.getSolution().col_value)
