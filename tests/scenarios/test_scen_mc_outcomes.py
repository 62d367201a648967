"""A batch's outcomes computed as arrays (:func:`orechain.scenarios.montecarlo._outcomes`).

Every row must be what that solution gives alone (bit for bit: no row may leak into
another), and the array forms of stage prices, price indices and binned sums must
equal their definitions written out row by row.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from orechain.scenarios import montecarlo as mc
from orechain.scenarios.market import ReferencePrices, price_index_rows, stage_price_rows
from orechain.scenarios.network import Network, Node, Sink
from orechain.scenarios.origin import _binned
from orechain.scenarios.solve import build_network
from orechain.scenarios.spec import load_scenario


def test_a_batch_of_outcomes_equals_each_solution_alone(atlas):
    """Corridor 2026 (price mode, origin-traced node prices): rows == one-row calls."""
    scn = load_scenario("pakistan-us-corridor")
    scn = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"end": 2026})})
    ctx = mc.make_context(build_network(scn, atlas), scn)
    year, t = 2026, 1
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(5).spawn(12)]
    inputs = [mc._draw_inputs(ctx, rng) for rng in rngs]
    state = tuple(bool(b) for b in inputs[0][2][t])
    same = [inp for inp in inputs if tuple(bool(b) for b in inp[2][t]) == state]
    assert len(same) >= 3
    stock = mc._stock(ctx)
    solved = []
    for inp in same:
        one = mc._solve_by_bounds(ctx, year, state, inp[0], inp[1], stock)
        assert one is not None
        solved.append(one)
    first = solved[0][0]
    assert first.lay.origin is not None
    assert ctx.ref is not None
    x = np.stack([s[0].sol.x for s in solved])
    duals = np.stack([s[0].price_duals for s in solved])
    demand = np.stack([s[1] for s in solved])
    held = np.repeat(stock[None], len(solved), axis=0)
    programme = (first.lp, first.lay, first.market)
    gap, left, price = mc._outcomes(ctx, programme, x, duals, demand, held)
    for k, (year_solve, wanted) in enumerate(solved):
        alone = mc._outcome(ctx, year_solve, wanted, stock)
        assert np.array_equal(gap[k], alone[0])
        assert np.array_equal(left[k], alone[1])
        assert np.array_equal(price[k], alone[2], equal_nan=True)
    assert np.isfinite(price[:, 0]).all()
    assert len({tuple(p) for p in np.nan_to_num(price)}) > 1  # the draws differ


STAGES = ("mining", "refining", "magnet")


def _net(stages: list[str]) -> Network:
    nodes = tuple(Node(f"C{i:02d}", s, 1.0) for i, s in enumerate(stages))
    return Network(stages=STAGES, nodes=nodes, sinks=(Sink("USA", "magnet"),), links=())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(STAGES), min_size=3, max_size=8).filter(
        lambda s: set(s) == set(STAGES)
    ),
    st.integers(0, 2**32 - 1),
)
def test_stage_prices_and_index_as_rows_equal_their_definitions(stages, seed):
    """Output-weighted mean per stage (the plain mean where idle), then now / base."""
    rng = np.random.default_rng(seed)
    net = _net(stages)
    rows = 5
    price = rng.uniform(0.5, 3.0, (rows, len(stages)))
    output = rng.uniform(0.0, 10.0, (rows, len(stages)))
    output[rng.random(output.shape) < 0.4] = 0.0
    got = stage_price_rows(net, price, output)
    ref = ReferencePrices(np.array([2.0]), {"mining": 1.5, "refining": 0.0})
    sink_price = rng.uniform(1.0, 4.0, (rows, 1))
    index = price_index_rows(net, 0, sink_price, got, ref)
    for r in range(rows):
        for k, stage in enumerate(STAGES):
            mask = [s == stage for s in stages]
            w, p = output[r, mask], price[r, mask]
            want = float(np.dot(w, p) / w.sum()) if w.sum() > 1e-9 else float(p.mean())
            assert got[r, k] == pytest.approx(want, rel=1e-13)
        assert index[r, 0] == got[r, 0] / 1.5
        assert index[r, 1] == 1.0  # no reference price: the index stays at 1
        assert index[r, 2] == sink_price[r, 0] / 2.0


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 4), st.integers(1, 12)), elements=st.floats(-1e6, 1e6)
    ),  # fmt: skip
    st.integers(0, 2**32 - 1),
)
def test_binned_sums_equal_bincount_row_by_row(values, seed):
    bins = np.random.default_rng(seed).integers(0, 5, values.shape[1])
    got = _binned(values, bins, 5)
    for r in range(len(values)):
        assert np.array_equal(got[r], np.bincount(bins, weights=values[r], minlength=5))
    assert np.array_equal(_binned(values[0], bins, 5), got[0])
