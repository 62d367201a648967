"""The Monte Carlo summary from stacked arrays equals the table-based one, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import tiny

from orechain.scenarios.montecarlo import (
    Draws,
    MonteCarloResult,
    draws_frame,
    make_context,
    prices_frame,
    summarise_arrays,
    summarise_draws,
    write_parquet,
)
from orechain.scenarios.solve import build_network
from orechain.scenarios.spec import parse_scenario

OUTAGE = {"type": "outage", "stage": "mining", "share": 0.5, "start": 2025}
RAW = tiny(
    horizon={"start": 2025, "end": 2027},
    options={"market": "price"},
    regions={"USA": ["USA"], "EU": ["DEU"]},
    priorities={"defence": 10, "ev": 1, "all": 1},
    disruptions=[
        {**OUTAGE, "id": "a", "country": "AUS"},
        {**OUTAGE, "id": "b", "country": "CHN"},
    ],
    uncertainty=[
        {"target": "disruption", "disruption": "a", "probability": 0.3},
        {"target": "disruption", "disruption": "b", "probability": 0.6},
    ],
)
RAW["demand"] += [
    {"region": "USA", "sector": "ev", "stage": "mining", "tonnes": 9, "source": "ASSUMPTION"},
    {"region": "EU", "sector": "all", "tonnes": 40, "source": "ASSUMPTION"},
]
RAW["network"]["links"] += [
    {"from": "R", "to": "EU", "cost_per_t": 0},
    {"from": "A", "to": "USA", "cost_per_t": 0},
]
SCN = parse_scenario(RAW)
CTX = make_context(build_network(SCN), SCN)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1e-9, 1.0, 1e3, 1e12]),
)
def test_array_summary_equals_the_table_summary(n, seed, scale):
    rng = np.random.default_rng(seed)
    n_y, n_p, n_s = 3, len(CTX.points), len(CTX.net.stages)
    short = np.maximum(0.0, rng.normal(0, 1, (n, n_y, n_p))) * scale * rng.random((n, n_y, n_p))
    short[rng.random(short.shape) < 0.3] = 0.0
    price = rng.lognormal(0, 0.3, (n, n_y, n_s))
    price[rng.random(price.shape) < 0.2] = np.nan
    occurs = rng.random((n, n_y, 2)) < 0.5
    out = Draws(short, np.zeros((n, n_y), dtype=bool), occurs, price)
    frame = draws_frame(CTX, out)
    expected = summarise_draws(frame, "USA", prices_frame(CTX, out))
    got = summarise_arrays(CTX, out)
    assert got == expected
    assert list(got["by_sector"]) == list(expected["by_sector"])  # type: ignore[call-overload]
    labels = set(frame.disrupted.astype(str))
    assert labels <= {"", "a", "b", "a,b"}
    on_a = frame.disrupted.astype(str).str.contains("a")
    assert on_a.to_numpy().reshape(n, n_y, -1)[:, :, 0].tolist() == occurs[:, :, 0].tolist()


def _synthetic(n: int, seed: int) -> Draws:
    rng = np.random.default_rng(seed)
    n_y, n_p, n_s = 3, len(CTX.points), len(CTX.net.stages)
    short = np.maximum(0.0, rng.normal(0, 5, (n, n_y, n_p)))
    price = rng.lognormal(0, 0.3, (n, n_y, n_s))
    return Draws(short, rng.random((n, n_y)) < 0.2, rng.random((n, n_y, 2)) < 0.5, price)


@pytest.mark.parametrize(("n", "block"), [(23, 5), (10, 10), (3, 100)])
def test_parquet_written_in_blocks_reads_back_as_the_whole_table(tmp_path, n, block):
    """Row groups of ``block`` draws, numbered on from the block's first draw: same table."""
    out = _synthetic(n, seed=n)
    result = MonteCarloResult(summarise_arrays(CTX, out), 0.0, CTX, out)
    path = write_parquet(result, tmp_path / "draws.parquet", block=block)
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, result.draws)
    assert pq.ParquetFile(path).num_row_groups == -(-n // block)
    assert not list(tmp_path.glob("*.tmp"))


def test_tables_are_built_only_when_asked():
    out = _synthetic(4, seed=1)
    result = MonteCarloResult(summarise_arrays(CTX, out), 0.0, CTX, out)
    assert "draws" not in result.__dict__
    assert result.draws is result.draws  # built once, then kept
    assert len(result.draws) == 4 * 3 * len(CTX.points)
