import os
import time

import numpy as np
import pytest

from orechain.errors import InputError
from orechain.montecarlo import quantiles, run_draws


def normal_draw(rng: np.random.Generator) -> float:
    return float(rng.normal())


def test_same_seed_same_results_whatever_the_chunking_and_workers():
    inline = run_draws(normal_draw, 40, seed=7, scheduler="synchronous")
    chunked = run_draws(normal_draw, 40, seed=7, scheduler="synchronous", chunk_size=3)
    two = run_draws(normal_draw, 40, seed=7, workers=2, chunk_size=5)
    assert inline == chunked == two
    assert run_draws(normal_draw, 40, seed=8, scheduler="synchronous") != inline


def test_draws_are_independent_streams():
    values = np.array(run_draws(normal_draw, 2000, seed=1, scheduler="synchronous"))
    assert abs(values.mean()) < 0.1
    assert 0.9 < values.std() < 1.1


def test_quantiles_and_bad_draws():
    q = quantiles(np.arange(101), (0.1, 0.5, 0.9))
    assert q == pytest.approx({"p10": 10.0, "p50": 50.0, "p90": 90.0})
    with pytest.raises(InputError, match="draws must be at least 1"):
        run_draws(normal_draw, 0, seed=1)


def test_progress_bar_goes_to_stderr(capsys):
    results = run_draws(normal_draw, 20, seed=3, scheduler="synchronous", progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "100%" in captured.err
    assert results == run_draws(normal_draw, 20, seed=3, scheduler="synchronous")


def pid_after_a_pause(rng: np.random.Generator) -> int:
    time.sleep(0.6)
    return os.getpid()


def test_local_workers_share_the_tasks():
    """Four one-draw tasks on two local workers run in two processes.

    Dask's process pool batches ready tasks six at a time by default, which
    sent all four to one worker (and, on the corridor, 6 of 8 chunks to one
    of two workers: 1.23x from the second); the runner hands them out one by one.
    """
    pids = run_draws(pid_after_a_pause, 4, seed=1, workers=2, chunk_size=1)
    assert len(set(pids)) == 2
    assert os.getpid() not in pids
