"""One Monte Carlo runner on Dask, shared by the scenario engine and economics.

Draw ``i`` always gets the random stream ``SeedSequence(seed).spawn(draws)[i]``,
so results depend only on the seed — not on the chunk size, the number of
workers or the scheduler. Draws run in chunks as Dask tasks: on the local
multiprocessing scheduler by default, or on a distributed cluster when a
scheduler address (``tcp://host:8786``) is given.

When one draw costs microseconds, setting up a generator per draw dominates;
:func:`run_blocks` then gives each *block* of :data:`BLOCK` draws one stream
and samples it vectorised. A block is always sampled at full size and cut, so
draw ``i`` still depends on the seed and ``i`` alone (not on the number of
draws, chunks or workers).

References
----------
NumPy, "Parallel random number generation" (SeedSequence.spawn),
https://numpy.org/doc/stable/reference/random/parallel.html.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from statistics import NormalDist
from typing import Any, TypeVar

import dask
import numpy as np
from dask.diagnostics import ProgressBar

from orechain.errors import InputError

logger = logging.getLogger(__name__)

T = TypeVar("T")

DrawFunction = Callable[[np.random.Generator], T]
"""One draw: takes its own generator, returns a picklable result."""


def draw_seeds(seed: int, draws: int) -> list[np.random.SeedSequence]:
    """The independent seed of every draw, fixed by ``seed`` alone."""
    _check(seed, draws)
    return list(np.random.SeedSequence(seed).spawn(draws))


def _check(seed: int, draws: int) -> None:
    if draws < 1:
        msg = f"draws must be at least 1, got {draws}"
        raise InputError(msg, field="draws")
    if seed < 0:
        msg = f"seed must be a non-negative integer, got {seed}"
        raise InputError(msg, field="seed")


def _run_chunk(func: DrawFunction[T], seeds: Sequence[np.random.SeedSequence]) -> list[T]:
    """``func`` on each seed, inside ``func.chunk()`` where it has one (a task's set-up)."""
    with _task(func):
        return [func(np.random.default_rng(s)) for s in seeds]


def _task(func: Any) -> AbstractContextManager[Any]:
    """``func.chunk()`` where ``func`` has one (a task's set-up), else nothing."""
    chunk = getattr(func, "chunk", None)
    return chunk() if chunk is not None else nullcontext()


def _chunks(seeds: list[np.random.SeedSequence], size: int) -> list[list[np.random.SeedSequence]]:
    return [seeds[i : i + size] for i in range(0, len(seeds), size)]


def run_draws(
    func: DrawFunction[T],
    draws: int,
    *,
    seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> list[T]:
    """Run ``func`` once per draw and return the results in draw order.

    Parameters
    ----------
    func
        A module-level (picklable) function of one ``numpy.random.Generator``.
    draws
        Number of draws.
    seed
        Master seed; the same seed gives the same results on any scheduler.
    workers
        Local worker processes (default: all cores). 1 runs in this process.
    scheduler
        ``None`` for the local multiprocessing scheduler, ``"synchronous"`` to
        run inline, or a distributed scheduler address such as ``tcp://host:8786``.
    chunk_size
        Draws per task (default: about four tasks per worker).
    progress
        Show a progress bar on stderr (local schedulers; for the CLI).
    """
    chunks = _compute(_run_chunk, func, draws, seed, workers, scheduler, chunk_size, progress)
    return [r for chunk in chunks for r in chunk]


ArrayDraw = Callable[[np.random.Generator], tuple[np.ndarray, ...]]
"""One draw returning a fixed tuple of arrays (the same shapes for every draw)."""


def run_stacked(
    func: ArrayDraw,
    draws: int,
    *,
    seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    first: int = 0,
) -> tuple[np.ndarray, ...]:
    """As :func:`run_draws` for draws made of arrays: one stacked array per field, draws first.

    Each chunk is stacked on its worker, so what travels back is a few compact
    arrays per chunk, not one Python object per draw. Same streams, so the
    same results as :func:`run_draws` for the same seed. ``first`` starts at
    that draw: draws ``first … first + draws − 1`` of the seed (a later batch).
    """
    chunks = _compute(
        _stack_chunk, func, draws, seed, workers, scheduler, chunk_size, progress, first
    )
    return tuple(np.concatenate(field) for field in zip(*chunks, strict=True))


def _stack_chunk(func: ArrayDraw, seeds: Sequence[np.random.SeedSequence]) -> tuple[Any, ...]:
    """A chunk's draws stacked: by ``func.block`` (all generators at once) where it has one."""
    block = getattr(func, "block", None)
    if block is not None:
        with _task(func):
            return tuple(block([np.random.default_rng(s) for s in seeds]))
    return stack_rows(_run_chunk(func, seeds))


def stack_rows(rows: Sequence[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """Draws' tuples of arrays as one array per field, draws first."""
    return tuple(np.stack(field) for field in zip(*rows, strict=True))


def _compute(
    chunk_func: Callable[[Any, Sequence[np.random.SeedSequence]], Any],
    func: Any,
    draws: int,
    seed: int,
    workers: int | None,
    scheduler: str | None,
    chunk_size: int | None,
    progress: bool,
    first: int = 0,
) -> list[Any]:
    """Run ``chunk_func(func, seeds)`` over chunks of the draw seeds; chunk results in order."""
    seeds = draw_seeds(seed, first + draws)[first:]
    n_workers = workers or (dask.system.CPU_COUNT or 1)
    size = chunk_size or max(1, -(-draws // (4 * n_workers)))
    chunks = _chunks(seeds, size)
    logger.info("running %d draws in %d tasks", draws, len(chunks))
    local = "synchronous" if scheduler == "synchronous" or n_workers == 1 else "processes"
    return _dispatch(chunk_func, func, chunks, n_workers, scheduler or local, progress)


def _dispatch(
    chunk_func: Callable[[Any, Any], Any],
    func: Any,
    chunks: Sequence[Any],
    n_workers: int,
    scheduler: str,
    progress: bool = False,
) -> list[Any]:
    """``chunk_func(func, chunk)`` for every chunk, results in chunk order.

    On a distributed scheduler ``func`` (with the model it carries) is
    scattered to every worker once and the tasks refer to it, instead of
    pickling it into every task.
    """
    if "://" in scheduler:
        with _connect(scheduler) as client:
            shared = client.scatter(func, broadcast=True)
            futures = [client.submit(chunk_func, shared, chunk, pure=False) for chunk in chunks]
            return list(client.gather(futures))
    tasks = [dask.delayed(chunk_func)(func, chunk) for chunk in chunks]
    # Dask's process pool hands out ready tasks in batches of 6 by default
    # (config "chunksize"): with 8 tasks on 2 workers one worker got 6 and the
    # other idled after 2 (measured 2026-12-02: 1.23x from the second worker).
    # Our tasks are already sized (about 4 per worker), so one at a time.
    batch = {"chunksize": 1} if scheduler == "processes" else {}
    with ProgressBar(out=sys.stderr) if progress else nullcontext():
        return list(dask.compute(*tasks, scheduler=scheduler, num_workers=n_workers, **batch))


BLOCK = 4096
"""Draws per random stream in :func:`run_blocks` (fixed: changing it changes every draw)."""

BlockFunction = Callable[[np.random.Generator, int], np.ndarray]
"""A block of draws: takes the block's generator and its size, returns one row per draw."""


def _run_blocks(func: BlockFunction, seeds: Sequence[tuple[np.random.SeedSequence, int]]) -> Any:
    return np.concatenate([func(np.random.default_rng(s), BLOCK)[:n] for s, n in seeds])


def run_blocks(
    func: BlockFunction,
    draws: int,
    *,
    seed: int,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> np.ndarray:
    """Run ``func`` on blocks of :data:`BLOCK` draws; return the rows of all draws in order.

    Block ``k`` (draws ``k·BLOCK … (k+1)·BLOCK − 1``) uses the stream
    ``SeedSequence(seed).spawn(blocks)[k]``; spawned children do not depend on
    how many are spawned, so draw ``i`` is the same for any ``draws > i``.
    ``workers`` and ``scheduler`` as in :func:`run_draws` (tasks are whole blocks).
    """
    _check(seed, draws)
    blocks = -(-draws // BLOCK)
    seeds = _block_seeds(seed, draws, blocks)
    n_workers = workers or (dask.system.CPU_COUNT or 1)
    if n_workers == 1 and (scheduler is None or scheduler == "synchronous"):
        return np.asarray(_run_blocks(func, seeds))
    per_task = max(1, -(-blocks // (4 * n_workers)))
    chunks = [seeds[i : i + per_task] for i in range(0, blocks, per_task)]
    results = _dispatch(_run_blocks, func, chunks, n_workers, scheduler or "processes")
    return np.concatenate(results)


def _block_seeds(seed: int, draws: int, blocks: int) -> list[tuple[np.random.SeedSequence, int]]:
    children = np.random.SeedSequence(seed).spawn(blocks)
    return [(c, min(BLOCK, draws - k * BLOCK)) for k, c in enumerate(children)]


CONNECT_TIMEOUT_S = 5.0
"""How long to wait for a distributed scheduler before calling it unreachable [s]."""


def _connect(address: str) -> Any:
    """A ``distributed.Client`` of ``address``; InputError quickly if nobody answers."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        msg = (
            f"Dask scheduler {address} is unreachable within {CONNECT_TIMEOUT_S:g} s ({reason}); "
            "start it or omit --scheduler"
        )
        raise InputError(msg) from None


def quantile_ci(
    values: np.ndarray, probs: Sequence[float] = (0.05, 0.5, 0.95), level: float = 0.95
) -> dict[str, tuple[float, float]]:
    """Distribution-free confidence interval of each quantile, from order statistics.

    The ``p``-quantile lies between the order statistics of ranks
    ``n·p ∓ z·√(n·p·(1 − p))`` with probability ``level`` whatever the
    distribution (normal approximation to the binomial count of draws below
    it; Conover 1999, Practical Nonparametric Statistics, §3.2). Ranks are
    clipped to the sample: with few draws a tail quantile's interval reaches
    the smallest or largest draw. Says how far more draws could still move
    a percentile — a P50 between two clusters of draws has a wide one.
    """
    v = np.sort(np.asarray(values, dtype=float))
    n = len(v)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    out = {}
    for p in probs:
        half = z * math.sqrt(n * p * (1 - p))
        lo = min(n - 1, max(0, math.floor(n * p - half) - 1))
        hi = min(n - 1, max(0, math.ceil(n * p + half) - 1))
        out[f"p{round(100 * p):d}"] = (float(v[lo]), float(v[hi]))
    return out


def quantiles(values: np.ndarray, probs: Sequence[float] = (0.05, 0.5, 0.95)) -> dict[str, float]:
    """Named quantiles, e.g. ``{"p5": …, "p50": …, "p95": …}`` (linear interpolation)."""
    qs = np.quantile(np.asarray(values, dtype=float), probs)
    return {f"p{round(100 * p):d}": float(q) for p, q in zip(probs, qs, strict=True)}
