"""The ``optimize`` block of a scenario: buyer, candidates per stage, share caps, exclusions.

Its own module so that validating a scenario (:mod:`orechain.scenarios.spec_checks`)
never imports the solver (:mod:`orechain.scenarios.optimize`, HiGHS).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from orechain.errors import InputError

__all__ = ["DEFAULT_SHARES", "EXCLUSION_SETS", "Candidate", "OptimizeSpec", "StageCandidates"]

EXCLUSION_SETS: dict[str, tuple[str, ...]] = {"dfars-2027": ("CHN", "RUS", "PRK", "IRN")}
"""Named country exclusion sets."""

DEFAULT_SHARES = (1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2)
"""Maximum-share grid of the frontier."""


class Candidate(BaseModel):
    """A candidate supplier of one stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    country: str
    capacity_t: float = Field(ge=0)
    cost_per_t: float = Field(1.0, ge=0)
    risk: float = Field(0.0, ge=0, description="Risk score, e.g. rescaled WGI, 0 = none")


class StageCandidates(BaseModel):
    """Candidates of one stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    stage: str
    demand_t: float | None = Field(None, gt=0, description="[t] in this stage's basis")
    candidates: list[Candidate] = Field(min_length=1)


class OptimizeSpec(BaseModel):
    """The ``optimize`` block of a scenario file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    buyer: str
    demand_t: float = Field(gt=0)
    max_share: float = Field(1.0, gt=0, le=1)
    exclude: str | list[str] = Field(default_factory=list)
    risk_penalty: float = Field(0.0, ge=0)
    stages: list[StageCandidates] = Field(min_length=1)
    shares: list[float] = Field(default_factory=lambda: list(DEFAULT_SHARES))

    @property
    def excluded(self) -> set[str]:
        """Excluded ISO3 codes (a named set is expanded)."""
        if isinstance(self.exclude, str):
            if self.exclude not in EXCLUSION_SETS:
                msg = f"unknown exclusion set {self.exclude!r}; known: {', '.join(EXCLUSION_SETS)}"
                raise InputError(msg, field="optimize.exclude")
            return set(EXCLUSION_SETS[self.exclude])
        return set(self.exclude)
