"""Scenario blocks without cross-references of their own: uncertainty and explicit networks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from orechain.atlas.countries import country_name
from orechain.errors import NotFoundError
from orechain.scenarios.chains import canonical_stage

PSEUDO_COUNTRIES = ("OTHER",)
"""Supplier codes that are not ISO3 countries ("other countries" in a source)."""

ROW = "ROW"
"""Region name meaning every country not in another region."""


def _fail(field: str, reason: str) -> None:
    """Raise the ``[field] reason`` ValueError that parse_scenario turns into an InputError."""
    msg = f"[{field}] {reason}"
    raise ValueError(msg)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def check_country(code: str) -> str:
    """An upper-case ISO3 code (or ``OTHER``); ValueError if unknown."""
    iso3 = code.strip().upper()
    if iso3 in PSEUDO_COUNTRIES:
        return iso3
    try:
        country_name(iso3)
    except NotFoundError as exc:
        raise ValueError(str(exc)) from None
    return iso3


Country = Annotated[str, AfterValidator(check_country)]
StageName = Annotated[str, AfterValidator(canonical_stage)]


class Distribution(_Model):
    """A multiplier's distribution (numpy parameterisation)."""

    kind: Literal["normal", "uniform", "triangular", "lognormal"]
    mean: float = 1.0
    sd: float = Field(0.0, ge=0)
    low: float | None = None
    mode: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Distribution:
        """Check low ≤ mode ≤ high (low < high if triangular) now; numpy fails mid-run."""
        if self.kind in ("triangular", "uniform"):
            low = self.low if self.low is not None else self.mean
            high = self.high if self.high is not None else self.mean
            mode = self.mode if self.mode is not None else (low + high) / 2
            strict = self.kind == "triangular"
            if (low >= high) if strict else (low > high):
                msg = f"{self.kind} distribution needs low < high, got low {low:g}, high {high:g}"
                raise ValueError(msg)
            if not low <= mode <= high:
                msg = (
                    f"{self.kind} distribution needs low ≤ mode ≤ high, got low {low:g}, "
                    f"mode {mode:g}, high {high:g}"
                )
                raise ValueError(msg)
        return self


class Uncertainty(_Model):
    """One uncertain input: a capacity or demand multiplier, or a disruption's odds."""

    target: Literal["capacity", "demand", "disruption"]
    country: Country | None = None
    stage: StageName | None = None
    region: str | None = None
    sector: str | None = None
    disruption: str | None = None
    distribution: Distribution | None = None
    probability: float | None = Field(None, ge=0.0, le=1.0)
    note: str = ""


class NodeSpec(_Model):
    """A node of an explicit network."""

    id: str
    country: Country
    stage: StageName
    capacity_t: float = Field(ge=0)
    base_t: float | None = Field(None, ge=0)
    """Base-year output [t] (the first supply step); default the whole capacity."""
    cost_per_t: float = Field(0.0, ge=0)
    yield_: float = Field(1.0, gt=0, alias="yield")


class LinkSpec(_Model):
    """A link of an explicit network; ``to`` is a node id or a demand region."""

    source: str = Field(alias="from")
    to: str
    capacity_t: float | None = Field(None, ge=0)
    cost_per_t: float = Field(1.0, ge=0)


class NetworkSpec(_Model):
    """An explicit network (a company's own suppliers, or a test case)."""

    stages: list[StageName] = Field(min_length=1)
    nodes: list[NodeSpec] = Field(min_length=1)
    links: list[LinkSpec] = Field(min_length=1)


class ObservedFlow(_Model):
    """A flow the ledger records, filled from the ledger when the scenario loads (never typed)."""

    origin: str
    """Country the lots were shipped from (ISO3)."""
    stage: str
    """The lots' latest value-chain stage (e.g. ``beneficiation`` for a concentrate)."""
    tonnes: float
    """Received mass [t]: the assayed element (e.g. REO) where assayed, else gross."""
    basis: str
    """``REO``, ``Sb``, ``Cu`` … when every lot is assayed, else ``gross``."""
    verified_share: float
    """Share of ``tonnes`` with a certified origin upstream [-]."""
    lots: tuple[str, ...]


class Observed(_Model):
    """``observed``: fix the buyer's imports in one year to what the ledger recorded."""

    ledger: str = Field(min_length=1)
    """Ledger database (SQLite path or ``postgresql://`` URL), or ``sample``."""
    buyer: Country
    year: int
    origins: list[Country] = Field(default_factory=list)
    """Exporting countries whose flows are fixed; empty = every exporter in the ledger."""
    commodity: str | None = None
    """Ledger commodity; defaults to the scenario's (needed with an explicit ``network``)."""
    flows: tuple[ObservedFlow, ...] | None = Field(None, exclude=True)
    """What the ledger holds, filled by :func:`orechain.scenarios.observed.resolve_observed`."""
