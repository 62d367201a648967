"""Small explicit networks with hand-solved optima."""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
from hypothesis import strategies as st

from orechain.scenarios.highs import _pass_diagonal, silent_highs

INF = highspy.kHighsInf


def tiny(**overrides: Any) -> dict[str, Any]:
    """Two mines → one refinery → USA (defence 30 t at weight 10, EV 100 t at weight 1).

    Quantity mode (no prices).

    Hand solution: the refinery (120 t) binds; defence is served in full, EV gets
    90 t (shortfall 10 t); the refinery's shadow price is 1 (one more tonne serves
    one more EV tonne). Least cost takes 100 t from mine A (cost 1) and 20 t
    from mine B (cost 2).
    """
    raw: dict[str, Any] = {
        "name": "tiny",
        "horizon": {"start": 2025, "end": 2025},
        "demand": [
            {"region": "USA", "sector": "defence", "tonnes": 30, "source": "ASSUMPTION: test"},
            {"region": "USA", "sector": "ev", "tonnes": 100, "source": "ASSUMPTION: test"},
        ],
        "priorities": {"defence": 10, "ev": 1},
        "options": {"market": "quantity"},
        "network": {
            "stages": ["mining", "refining"],
            "nodes": [
                {"id": "A", "country": "AUS", "stage": "mining", "capacity_t": 100},
                {"id": "B", "country": "CHN", "stage": "mining", "capacity_t": 50},
                {"id": "R", "country": "USA", "stage": "refining", "capacity_t": 120},
            ],
            "links": [
                {"from": "A", "to": "R", "cost_per_t": 1},
                {"from": "B", "to": "R", "cost_per_t": 2},
                {"from": "R", "to": "USA", "cost_per_t": 0},
            ],
        },
    }
    raw.update(overrides)
    return raw


def every_bound_family(market: str) -> dict[str, Any]:
    """Every bound family a draw moves: capacity, outage, new-capacity ramp, stock, recycling."""
    raw = tiny(
        horizon={"start": 2025, "end": 2027},
        options={"market": market},
        disruptions=[
            {
                "type": "outage",
                "id": "fire",
                "country": "AUS",
                "stage": "mining",
                "share": 0.5,
                "start": 2025,
                "end": 2026,
            },
            {
                "type": "export_restriction",
                "id": "ban",
                "country": "CHN",
                "stages": ["mining"],
                "to": ["USA"],
                "share": 0.6,
                "start": 2026,
            },
        ],
        mitigations=[
            {
                "type": "new_capacity",
                "id": "newref",
                "country": "PAK",
                "stage": "refining",
                "tonnes_per_year": 40,
                "start": 2026,
                "ramp": [0.5, 1.0],
            },
            {"type": "stockpile", "id": "ndcs", "region": "USA", "tonnes": 15, "max_per_year": 10},
            {"type": "recycling", "id": "rec", "region": "USA", "share": 0.05, "start": 2026},
        ],
        uncertainty=[
            {
                "target": "capacity",
                "stage": "mining",
                "distribution": {"kind": "uniform", "low": 0.3, "high": 1.3},
            },
            {
                "target": "capacity",
                "country": "USA",
                "distribution": {"kind": "triangular", "low": 0.6, "mode": 1.0, "high": 1.1},
            },
            {
                "target": "demand",
                "region": "USA",
                "distribution": {"kind": "normal", "mean": 1, "sd": 0.25},
            },
            {"target": "disruption", "disruption": "fire", "probability": 0.5},
        ],
    )
    return raw


def loaded_highs(a, cost, bounds):
    """A silent HiGHS holding min c·x over the dense matrix ``a`` within ``bounds``."""
    col_lo, col_up, row_lo, row_up = bounds
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lo, col_up
    lp.row_lower_, lp.row_upper_ = row_lo, row_up
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, a.size + 1, a.shape[1], dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(a.shape[1], dtype=np.int32), a.shape[0])
    lp.a_matrix_.value_ = a.reshape(-1)
    h = silent_highs()
    h.passModel(lp)
    return h


def solve_dense(a, cost, bounds):
    """HiGHS from scratch: (x, objective, basis, row duals, col duals)."""
    h = loaded_highs(a, cost, bounds)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    sol, basis = h.getSolution(), h.getBasis()
    x = np.asarray(sol.col_value)
    return x, float(cost @ x), basis, sol.row_dual, sol.col_dual


@st.composite
def programmes(draw):
    """A random bounded LP (min c·x, A x ≤ b, 0 ≤ x ≤ u; some columns fixed) and new bounds."""
    m = draw(st.integers(2, 6))
    n = draw(st.integers(3, 9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, size=(m, n)).astype(float)
    cost = rng.integers(-5, 3, size=n).astype(float)
    col_up = rng.integers(1, 20, size=n).astype(float)
    fixed = rng.random(n) < 0.25
    col_lo = np.where(fixed, col_up, 0.0)
    slack = rng.integers(5, 40, size=m).astype(float)
    row_up = a @ col_lo + slack  # feasible: fixed columns at their value, the rest at 0
    row_lo = np.full(m, -INF)
    # the new bounds: each moves by up to ±30 %, and a fixed column may be freed
    scale = draw(st.floats(0.05, 0.3))
    new_up = col_up * (1 + scale * rng.uniform(-1, 1, n))
    freed = fixed & (rng.random(n) < 0.5)
    new_lo = np.where(fixed & ~freed, new_up, 0.0)
    new_row = a @ new_lo + slack * (1 + scale * rng.uniform(-1, 1, m))
    return a, cost, (col_lo, col_up, row_lo, row_up), (new_lo, new_up, row_lo, new_row)


def solve_qp(a, cols, size, bounds):
    """HiGHS's tie QP, min Σ_cols (s − x)² / s within ``bounds``: (status, x, basis, sol)."""
    n = a.shape[1]
    cost = np.zeros(n)
    cost[cols] = -2.0
    h = loaded_highs(a, cost, bounds)
    diag = np.zeros(n)
    diag[cols] = 2.0 / size
    _pass_diagonal(h, diag)
    h.setOptionValue("qp_regularization_value", 0.0)
    h.run()
    sol = h.getSolution()
    return h.getModelStatus(), np.asarray(sol.col_value), h.getBasis(), sol


def shared_supply(rng):
    """Buyers (the first ``k`` columns) share supplies through rows ``A x ≤ 0``: the tie QP.

    Returns the matrix, the rationed columns, the sizes, the supplies and the
    bounds (buyers up to their size, one supply column per row).
    """
    k = int(rng.integers(2, 5))
    m = int(rng.integers(k, k + 3))
    n = k + m  # k buyers' served columns and one supply column per row
    a = np.zeros((m, n))
    a[:, :k] = rng.random((m, k)) < 0.3
    a[np.arange(k), np.arange(k)] = 1.0  # each buyer has a supply of its own, some share more
    a[np.arange(m), k + np.arange(m)] = -1.0  # row: Σ served − supply ≤ 0
    cols = np.arange(k)
    size = rng.uniform(5, 50, size=k)
    supply = a[:, :k] @ size * rng.uniform(0.2, 0.9, size=m)
    bounds = (np.zeros(n), np.concatenate([size, supply]), np.full(m, -INF), np.zeros(m))
    return a, cols, size, supply, bounds


def kept_qp(a, cols, size, bounds):
    """HiGHS's tie QP at ``bounds`` and a cache holding its basis; (None, x) if not kept.

    Not kept: HiGHS's answer not reproduced to 1e-6 (or a superbasic column outside the tie).
    """
    from orechain.scenarios.vertex import QuadraticCache

    status, x, basis, sol = solve_qp(a, cols, size, bounds)
    assert status == highspy.HighsModelStatus.kOptimal
    cache = QuadraticCache(a, cols)
    args = (basis.col_status, basis.row_status, bounds, x, size, sol.row_dual, sol.col_dual)
    return (cache if cache.add_qp(*args) is not None else None), x
