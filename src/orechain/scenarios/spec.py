"""Scenario files: YAML → validated pydantic models with cross-reference checks.

A scenario names a commodity (whose network is built from the atlas) or defines
its own ``network``; a horizon; demand by region and sector; sector priorities;
disruptions (export restrictions, outages); mitigations (new capacity on a ramp,
stockpile releases, recycling); and ``uncertainty`` blocks for Monte Carlo. Every
name a block uses (country, stage, region, sector, disruption id, node) is
checked against the rest of the file, after flodym's
``MFADefinition.check_dimension_letters``; a failure is an
:class:`~orechain.errors.InputError` naming the file and the field path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from orechain.atlas.commodities import resolve_commodity
from orechain.errors import InputError
from orechain.inputs import check_tree, check_year, check_year_fields, read_yaml
from orechain.scenarios.chains import canonical_stage, chain_for
from orechain.scenarios.spec_blocks import (
    ROW,
    NetworkSpec,
    Observed,
    Uncertainty,
    _fail,
    _Model,
    check_country,
)

PSEUDO_COUNTRIES = ("OTHER",)
"""Supplier codes that are not ISO3 countries ("other countries" in a source)."""

_FIELD = re.compile(r"^\[(?P<field>[^\]]+)\] (?P<reason>.*)$", re.S)


Country = Annotated[str, AfterValidator(check_country)]
"""An ISO3 code (or OTHER), upper-cased and checked."""

StageName = Annotated[str, AfterValidator(canonical_stage)]
"""A stage name with aliases resolved."""


class Horizon(_Model):
    """First and last modelled year (inclusive)."""

    start: int = Field(ge=1900, le=2200)
    end: int = Field(ge=1900, le=2200)

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        for name in ("start", "end"):
            try:
                check_year(getattr(self, name), f"horizon.{name}")
            except InputError as exc:
                _fail(f"horizon.{name}", exc.reason)
        if self.end < self.start:
            _fail("horizon.end", f"end {self.end} is before start {self.start}")
        return self

    @property
    def years(self) -> list[int]:
        """Every year of the horizon."""
        return list(range(self.start, self.end + 1))


class Demand(_Model):
    """Demand of one region and sector: ``tonnes · (1 + growth)^(year − base_year)``."""

    region: str
    sector: str
    tonnes: float | Literal["network"] = Field(
        description="[t] in the stage's basis, or 'network': the base allocation's remainder"
    )
    stage: StageName | None = None
    growth: float = Field(0.0, ge=-0.5, le=1.0)
    base_year: int | None = None
    source: str = Field(description="Data source, or text starting 'ASSUMPTION'")
    elasticity: float | None = Field(
        None, lt=0, ge=-5, description="Own-price elasticity of demand; None: options.elasticity"
    )

    @field_validator("tonnes")
    @classmethod
    def _non_negative(cls, value: float | str) -> float | str:
        if isinstance(value, float) and value < 0:
            msg = "tonnes must be non-negative"
            raise ValueError(msg)
        return value

    @property
    def assumption(self) -> bool:
        """True when the figure is labelled as an assumption."""
        return self.source.strip().upper().startswith("ASSUMPTION")


class _Window(_Model):
    start: int
    end: int | None = None

    def active(self, year: int) -> bool:
        """Whether the block applies in ``year``."""
        return self.start <= year and (self.end is None or year <= self.end)


class ExportRestriction(_Window):
    """Exports of a country's output at some stages to some regions cut by ``share``."""

    type: Literal["export_restriction"]
    id: str
    country: Country
    stages: list[StageName] = Field(min_length=1)
    to: list[str] | Literal["all"] = "all"
    share: float = Field(ge=0.0, le=1.0)
    commodity: str | None = None
    trace: Literal["origin", "direct"] = "origin"
    """``origin``: binds material of this country's ``stages`` wherever it goes next
    (through third countries too); ``direct``: binds its direct exports only."""
    note: str = ""


class Outage(_Window):
    """A share of one node's capacity lost."""

    type: Literal["outage"]
    id: str
    country: Country
    stage: StageName
    share: float = Field(ge=0.0, le=1.0)
    note: str = ""


Disruption = Annotated[ExportRestriction | Outage, Field(discriminator="type")]


class NewCapacity(_Model):
    """New capacity: ``min(tonnes · ramp[t − start], build_rate · (t − start + 1))``."""

    type: Literal["new_capacity"]
    id: str
    country: Country
    stage: StageName
    tonnes_per_year: float = Field(gt=0)
    start: int
    ramp: list[Annotated[float, Field(ge=0.0, le=1.0)]] = Field(default_factory=lambda: [1.0])
    build_rate_limit: float | None = Field(None, gt=0, description="[t/yr per year]")
    cost_per_t: float = Field(0.0, ge=0)
    offtake: list[Country] = Field(
        default_factory=list,
        description="Buyers (ISO3) that take the whole output under offtake agreements; "
        "empty: sells to any next-stage plant or end use.",
    )
    note: str = ""

    def capacity(self, year: int) -> float:
        """Capacity available in ``year`` [t]."""
        if year < self.start:
            return 0.0
        step = year - self.start
        frac = self.ramp[min(step, len(self.ramp) - 1)]
        cap = self.tonnes_per_year * frac
        if self.build_rate_limit is not None:
            cap = min(cap, self.build_rate_limit * (step + 1))
        return cap


class Stockpile(_Model):
    """A strategic stock a region may draw down when supply falls short."""

    type: Literal["stockpile"]
    id: str
    region: str
    tonnes: float = Field(ge=0)
    stage: StageName | None = None
    release: Literal["on_shortfall"] = "on_shortfall"
    max_per_year: float | None = Field(None, ge=0)
    start: int | None = None
    note: str = ""


class Recycling(_Model):
    """Secondary supply covering a share of a region's demand."""

    type: Literal["recycling"]
    id: str
    region: str
    share: float = Field(ge=0.0, le=1.0)
    stage: StageName | None = None
    start: int | None = None
    note: str = ""


Mitigation = Annotated[NewCapacity | Stockpile | Recycling, Field(discriminator="type")]


class Options(_Model):
    """Network-building assumptions; each default is echoed in the output."""

    data_year: int | None = None
    data_source: str = "usgs-mcs"
    """Production source family or one vintage (``usgs-mcs-2024``) the atlas network is
    built from; a backtest names the last vintage published before its event."""
    utilisation: float = Field(0.85, gt=0, le=1)
    contract_headroom: float = Field(0.1, ge=0)
    spot_premium: float = Field(0.5, ge=0)
    offtake_cost: float = Field(0.9, ge=0)
    capacity_growth: float = Field(0.0, ge=-0.5, le=1.0)
    stockpile_cost: float = Field(5.0, ge=0)
    recycling_cost: float = Field(2.0, ge=0)
    market: Literal["price", "quantity"] = "price"
    """``price``: welfare-maximising market clearing with demand curves and supply
    steps (:mod:`orechain.scenarios.market`); ``quantity``: priority-weighted
    served tonnes, no prices."""
    elasticity: float = Field(-0.3, lt=0, ge=-5)
    """Default own-price elasticity of demand at the reference point (ASSUMPTION)."""
    excess_cost: float = Field(0.5, ge=0)
    """Extra unit cost of output above a node's base-year output (relative units)."""
    base_price_usd_per_t: float | None = Field(None, gt=0)
    """Base-year price of the end-use stage's product [USD/t], for consumer cost."""
    base_price_source: str = ""
    routing_samples: int = Field(8, ge=0, le=64)
    """Equally cheap routings of the least-cost stage sampled per year for the ranges of
    the supply shares by origin (:mod:`orechain.scenarios.routing`); 0 = off."""


class Report(_Model):
    """What the output focuses on."""

    focus_region: str | None = None
    compare_without: list[str] = Field(default_factory=list)
    """Mitigation ids to drop in a second, comparison run ("without Pakistan")."""
    history: bool = False
    """Print the focus region's atlas import, consumption and price history beside the run."""


class Scenario(_Model):
    """A validated scenario (see ``docs/scenarios.md`` for every field)."""

    name: str
    description: str = ""
    commodity: str | None = None
    horizon: Horizon
    base_year: int | None = None
    regions: dict[str, list[str]] = Field(default_factory=dict)
    demand: list[Demand] = Field(min_length=1)
    priorities: dict[str, float] = Field(default_factory=dict)
    disruptions: list[Disruption] = Field(default_factory=list)
    mitigations: list[Mitigation] = Field(default_factory=list)
    uncertainty: list[Uncertainty] = Field(default_factory=list)
    network: NetworkSpec | None = None
    options: Options = Field(default_factory=lambda: Options.model_validate({}))
    assumptions: list[str] = Field(default_factory=list)
    optimize: dict[str, Any] | None = None
    """Diversification block, validated by :class:`orechain.scenarios.optimize.OptimizeSpec`."""
    report: Report = Field(default_factory=lambda: Report.model_validate({}))
    observed: Observed | None = None
    """Ledger volumes fixing the buyer's imports in one year (``scenarios.observed``)."""
    source_path: str | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        from orechain.scenarios.spec_checks import check_scenario

        check_scenario(self)
        return self

    @property
    def stages(self) -> list[str]:
        """Stage names in chain order."""
        if self.network is not None:
            return [canonical_stage(s) for s in self.network.stages]
        return [s.name for s in chain_for(self.commodity or "")]

    @property
    def commodity_id(self) -> str | None:
        """Canonical commodity id, if the scenario names one."""
        return resolve_commodity(self.commodity) if self.commodity else None

    @property
    def reference_year(self) -> int:
        """Year demand growth counts from (``base_year``, else the first horizon year)."""
        return self.base_year or self.horizon.start

    def sector_weight(self, sector: str) -> float:
        """Priority weight of a sector (1 when not listed)."""
        return float(self.priorities.get(sector, 1.0))

    def region_members(self, region: str) -> set[str] | None:
        """ISO3 members of a region; None for ROW (everything not listed)."""
        if region == ROW:
            return None
        return set(self.regions.get(region, [region]))

    def region_of(self, country: str) -> str:
        """The demand region a country belongs to (``ROW`` if none)."""
        for name in self.demand_regions:
            members = self.region_members(name)
            if members is not None and country in members:
                return name
        return ROW

    @property
    def focus_region(self) -> str:
        """Region the headline numbers are for (``report.focus_region``, else the first)."""
        return self.report.focus_region or self.demand_regions[0]

    def without(self, mitigation_ids: list[str]) -> Scenario:
        """A copy with some mitigations removed (their nodes stay, at zero capacity)."""
        kept = [m for m in self.mitigations if m.id not in mitigation_ids]
        return self.model_copy(update={"mitigations": kept})

    @property
    def demand_regions(self) -> list[str]:
        """Region names with demand, in first-mention order."""
        return list(dict.fromkeys(d.region for d in self.demand))


def _error_from_validation(exc: ValidationError, source: str) -> InputError:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or None
    reason = str(err["msg"]).removeprefix("Value error, ")
    found = _FIELD.match(reason)
    if found:
        field, reason = found["field"], found["reason"]
    return InputError(reason, source=source, field=field)


def parse_scenario(raw: Any, source: str = "<scenario>") -> Scenario:
    """Validate a parsed YAML mapping; raise InputError naming ``source`` and the field."""
    if not isinstance(raw, dict):
        msg = "a scenario file must be a YAML mapping"
        raise InputError(msg, source=source)
    check_tree(raw, source)  # NaN, inf, 1e308, deep nesting: before any field is read
    check_year_fields(raw, source, ("start", "end", "base_year", "data_year"))
    observed = raw.get("observed")
    if isinstance(observed, dict) and "flows" in observed:
        msg = "observed flows are read from the ledger, not typed in the file"
        raise InputError(msg, source=source, field="observed.flows")
    try:
        scn = Scenario.model_validate({**raw, "source_path": source})
    except ValidationError as exc:
        raise _error_from_validation(exc, source) from None
    from orechain.scenarios.observed import resolve_observed

    return resolve_observed(scn)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path
        The file; a bare bundled name (``pakistan-us-corridor``) also works, see
        :func:`orechain.scenarios.bundled.resolve_scenario_path`.

    Raises
    ------
    InputError
        Unreadable YAML, a missing or malformed field, or a name that refers to
        nothing (unknown country, stage, region, sector, disruption or node).
    """
    from orechain.scenarios.bundled import resolve_scenario_path

    file = resolve_scenario_path(path)
    raw = read_yaml(file)
    return parse_scenario(raw, str(file))
