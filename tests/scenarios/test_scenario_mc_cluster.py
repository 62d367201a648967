"""A real Dask cluster (two worker processes on loopback) gives the local scheduler's draws."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from scenario_helpers import tiny

from orechain.economics.sensitivity import sample_block
from orechain.montecarlo import BLOCK, run_blocks
from orechain.scenarios.montecarlo import run_monte_carlo
from orechain.scenarios.solve import build_network
from orechain.scenarios.spec import parse_scenario

pytestmark = pytest.mark.cluster

PRICE_MC = tiny(
    horizon={"start": 2025, "end": 2026},
    options={"market": "price"},
    disruptions=[
        {
            "type": "export_restriction",
            "id": "ban",
            "country": "CHN",
            "stages": ["mining"],
            "to": ["USA"],
            "share": 1.0,
            "start": 2025,
        }
    ],
    uncertainty=[
        {
            "target": "capacity",
            "country": "AUS",
            "distribution": {"kind": "uniform", "low": 0.5, "high": 1.1},
        },
        {"target": "demand", "distribution": {"kind": "normal", "mean": 1, "sd": 0.1}},
        {"target": "disruption", "disruption": "ban", "probability": 0.5},
    ],
)


@pytest.fixture(scope="module")
def cluster_address():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=50,
    ) as cluster:
        yield cluster.scheduler_address


def test_scenario_draws_on_a_local_cluster_equal_the_local_scheduler(cluster_address):
    scn = parse_scenario(PRICE_MC)
    net = build_network(scn)
    local = run_monte_carlo(net, scn, 24, seed=5, scheduler="synchronous", block=6)
    remote = run_monte_carlo(net, scn, 24, seed=5, workers=2, scheduler=cluster_address, block=6)
    assert remote.draws.equals(local.draws)
    assert remote.prices.equals(local.prices)
    assert remote.summary == local.summary
    # the draws moved the answer, so equality is not trivial
    assert local.draws.shortfall_t.nunique() > 5


def test_block_sampling_on_a_local_cluster_equals_inline(cluster_address):
    """The economics Monte Carlo's factor blocks: same rows inline and on the cluster."""
    specs = (("lognormal", 0.0, 0.3, 0.0), ("triangular", 0.9, 1.0, 1.4))
    draw = partial(sample_block, specs)
    inline = run_blocks(draw, BLOCK + 17, seed=3)
    remote = run_blocks(draw, BLOCK + 17, seed=3, workers=2, scheduler=cluster_address)
    assert np.array_equal(remote, inline)
