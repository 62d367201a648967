"""How far supply shares by origin move over equally cheap routings.

The least-cost stage of a year's programme has alternative optima: many
routes cost exactly the same (in the atlas networks every contract route costs
1, every spot route 1.5, every offtake 0.9), so which of the equally cheap
routings HiGHS returns depends on its starting basis, and with it the traced
supply shares by origin. The run's answer (the point estimate) is one vertex
of that least-cost face. Here the face is sampled: ``K`` seeded random
directions over the flow (and origin-class) columns, each minimised on the
face (:func:`orechain.scenarios.highs.face_vertex`), give ``K`` other vertices
with the same served demand, stage-1 objective and total cost; each is traced
with the same functions as the point estimate, and each share is reported as
its ``[min, max]`` over the samples and the point. The range is an inner bound
of what the face allows (more samples can only widen it): the model does not
determine a share inside it.

Only deterministic runs sample (``options.routing_samples``, default 8);
Monte Carlo draws never do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from orechain.scenarios.constraints import LinearProgram
from orechain.scenarios.highs import face_vertices

if TYPE_CHECKING:
    from orechain.scenarios.solve import YearSolve

logger = logging.getLogger(__name__)

SEED = 20261202
"""Fixed seed of the sampled directions (with the year): the same run gives the same ranges."""

Shares = dict[str, dict[str, dict[str, float]]]
"""Region → stage → origin → share of the region's supply [0–1]."""

Ranges = dict[str, dict[str, dict[str, tuple[float, float]]]]
"""Region → stage → origin → (lowest, highest) share over the sampled routings and the point."""


def label(samples: int) -> str:
    """The assumptions line explaining ``supply_share_range_by_origin``."""
    return (
        f"supply_share_range_by_origin: range over {samples} equally cheap routings of the "
        "least-cost stage (same served demand and total cost, seeded random directions): "
        "the model does not determine a share inside it"
    )


def routing_ranges(
    solved: YearSolve,
    year: int,
    point: Shares,
    shares_of: Callable[[np.ndarray], Shares],
    samples: int,
) -> tuple[Ranges, int]:
    """Share ranges of one solved year over ``samples`` equally cheap routings; samples solved.

    ``point`` is the run's traced shares and ``shares_of`` traces a solution
    vector the same way (:func:`orechain.scenarios.solve.region_shares`).
    """
    pinned, free = face_columns(solved)
    xs = sample_routings(solved.lp, solved.sol.x, pinned, free, samples, (SEED, year))
    return share_ranges(point, [shares_of(x) for x in xs]), len(xs)


def face_columns(solved: YearSolve) -> tuple[np.ndarray, np.ndarray]:
    """The face's pinned columns and the columns its directions move.

    Pinned: served demand (price mode: also the demand steps), so every sample
    serves what the run serves. Moved: link flows and origin-class flows.
    """
    lay = solved.lay
    pinned = lay.served
    if solved.market is not None:
        pinned = np.concatenate([pinned, solved.market.steps])
    free = lay.flow
    if lay.origin is not None and lay.origin.columns:
        free = np.concatenate([free, np.fromiter(lay.origin.columns.values(), dtype=int)])
    return pinned, free


def sample_routings(
    lp: LinearProgram,
    point: np.ndarray,
    pinned: np.ndarray,
    free: np.ndarray,
    samples: int,
    seed: tuple[int, ...],
) -> list[np.ndarray]:
    """Up to ``samples`` vertices of ``lp``'s least-cost face through ``point``.

    Sample ``k`` minimises a standard-normal direction over the ``free``
    columns (zero elsewhere) on the face (:func:`~orechain.scenarios.highs.face_vertex`,
    all samples on one loaded face: :func:`~orechain.scenarios.highs.face_vertices`); the directions
    come from one generator seeded with ``seed``. A sample HiGHS cannot solve
    is logged and skipped.
    """
    rng = np.random.default_rng(seed)
    directions = []
    for _ in range(samples):
        direction = np.zeros(len(point))
        direction[free] = rng.standard_normal(len(free))
        directions.append(direction)
    out = []
    for k, x in enumerate(face_vertices(lp, point, pinned, directions)):
        if x is None:
            logger.warning("routing sample %d (seed %s) found no vertex; skipped", k, seed)
            continue
        out.append(x)
    return out


def share_ranges(point: Shares, sampled: list[Shares]) -> Ranges:
    """Each share's ``(min, max)`` over the point estimate and the samples.

    An origin missing from one answer counts as 0 there, so the range always
    holds the point estimate.
    """
    out: Ranges = {}
    for region, stages in point.items():
        answers = [stages, *(s.get(region, {}) for s in sampled)]
        names = dict.fromkeys(st for a in answers for st in a)
        out[region] = {}
        for stage in names:
            mixes = [a.get(stage, {}) for a in answers]
            origins = dict.fromkeys(o for m in mixes for o in m)
            out[region][stage] = {
                o: (min(m.get(o, 0.0) for m in mixes), max(m.get(o, 0.0) for m in mixes))
                for o in origins
            }
    return out
