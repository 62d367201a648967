"""Block-vectorised draws: draw i depends on the seed and i alone."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orechain.errors import InputError
from orechain.montecarlo import BLOCK, run_blocks


def two_normals(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.column_stack([rng.normal(size=n), rng.uniform(size=n)])


@settings(max_examples=15, deadline=None)
@given(
    st.integers(min_value=1, max_value=3 * BLOCK),
    st.integers(min_value=1, max_value=3 * BLOCK),
    st.integers(min_value=0, max_value=2**32),
)
def test_a_draw_is_the_same_whatever_the_number_of_draws(n, m, seed):
    a = run_blocks(two_normals, n, seed=seed)
    b = run_blocks(two_normals, m, seed=seed)
    k = min(n, m)
    assert a.shape == (n, 2)
    assert np.array_equal(a[:k], b[:k])


def test_same_rows_on_processes_and_inline_and_new_seed_differs():
    n = 2 * BLOCK + 5
    inline = run_blocks(two_normals, n, seed=11)
    assert np.array_equal(inline, run_blocks(two_normals, n, seed=11, workers=2))
    assert np.array_equal(
        inline, run_blocks(two_normals, n, seed=11, workers=2, scheduler="synchronous")
    )
    assert not np.array_equal(inline, run_blocks(two_normals, n, seed=12))
    # blocks are independent streams, not copies of one another
    assert not np.array_equal(inline[:BLOCK], inline[BLOCK : 2 * BLOCK])
    assert abs(inline[:, 0].mean()) < 0.05


def test_bad_draws_and_seed_are_input_errors():
    with pytest.raises(InputError, match="draws must be at least 1"):
        run_blocks(two_normals, 0, seed=1)
    with pytest.raises(InputError, match="seed must be a non-negative"):
        run_blocks(two_normals, 5, seed=-1)
