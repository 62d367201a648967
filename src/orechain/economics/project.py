"""Project files (YAML) → validated pydantic models.

A project is a chain of stages (mine → concentrator → separation/refinery →
smelter → metal → magnet). The first stage is fed by ore (throughput and feed
grades); each later stage consumes one product of an earlier stage. A product
is a stream of contained components (t of NdPr oxide, Sb, Cu …) with a gross
mass, a payable share and a price for each component from the price deck.
Product output that no later stage takes is sold.

Years are indexed 0..``years``-1 from ``start_year`` (year 0 first).
Money is in ``currency`` (USD) of ``start_year`` when ``terms`` is ``real``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from orechain.atlas.countries import check_iso3
from orechain.economics.prices import PriceSpec
from orechain.errors import InputError
from orechain.inputs import MAX_TONNES, check_tree, check_year, read_yaml
from orechain.stages import resolve_stage

logger = logging.getLogger(__name__)

StageKind = Annotated[str, AfterValidator(resolve_stage)]
"""A value-chain stage (:mod:`orechain.stages` id or alias: ``mine``, ``concentrator``, …)."""
Fraction = float
UNCERTAIN_FACTORS = ("price", "grade", "recovery", "capex", "opex", "royalty", "discount_rate")
"""Multiplicative factors the tornado and Monte Carlo can vary (1 = as in the file)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Product(_Model):
    """A product stream of a stage: recovered components, gross mass, payables, prices."""

    id: str
    recovery: dict[str, Fraction] = Field(
        description="Component → share of the stage's feed content recovered into this product."
    )
    grade: Fraction | None = Field(
        default=None, gt=0, le=1, description="Combined content of the components [t/t product]."
    )
    mass_pull: float | None = Field(
        default=None, gt=0, le=1, description="Gross product / gross feed [t/t] (e.g. 1 for ore)."
    )
    payable: Fraction = Field(default=1.0, ge=0, le=1, description="Share of contained value paid.")
    prices: dict[str, str] = Field(
        default_factory=dict, description="Component → price-deck key (default: the component)."
    )
    export: bool = Field(default=True, description="Sales of this product are exports.")

    @model_validator(mode="after")
    def _check(self) -> Product:
        bad = {c: r for c, r in self.recovery.items() if not 0 <= r <= 1}
        if bad:
            msg = f"recovery must be between 0 and 1, got {bad}"
            raise ValueError(msg)
        if (self.grade is None) == (self.mass_pull is None):
            msg = "give exactly one of 'grade' or 'mass_pull'"
            raise ValueError(msg)
        return self

    def price_key(self, component: str) -> str:
        """The price-deck key of one component."""
        return self.prices.get(component, component)


class Employment(_Model):
    """Direct employment of a stage at full production."""

    jobs: int = Field(default=0, ge=0, description="Direct operating jobs [persons].")
    construction_jobs: int = Field(
        default=0, ge=0, description="Jobs during capex years [persons]."
    )
    local_share: Fraction = Field(
        default=1.0, ge=0, le=1, description="Share held by host nationals."
    )
    wage_usd_per_yr: float = Field(
        default=0.0, ge=0, description="Mean local wage [USD/person/yr]."
    )


class ScenarioVolume(_Model):
    """Cap a stage's feed by a scenario output series: ``scale * field`` [t/yr]."""

    file: Path
    field: str = "served_t"
    scale: float = Field(default=1.0, gt=0)


class Stage(_Model):
    """One stage of the value chain with its throughput, costs and jobs."""

    id: str
    kind: StageKind
    feed: str | None = Field(default=None, description="Product id consumed; None = ore-fed.")
    throughput_t_per_yr: float = Field(
        gt=0, le=MAX_TONNES, description="Nameplate gross feed [t/yr] at 365 d."
    )
    feed_grade: dict[str, Fraction] = Field(default_factory=dict, description="Ore content [t/t].")
    operating_days: float = Field(default=365.0, gt=0, le=366)
    production_start: int = Field(ge=0, description="Year index of first production.")
    ramp_up: list[Fraction] = Field(default_factory=list, description="Share of nameplate.")
    products: list[Product] = Field(default_factory=list)
    capex_usd: dict[int, float] = Field(default_factory=dict, description="Year index → USD.")
    sustaining_capex_usd_per_yr: float = Field(default=0.0, ge=0)
    opex_fixed_usd_per_yr: float = Field(default=0.0, ge=0, description="Includes wages.")
    opex_variable_usd_per_t: float = Field(default=0.0, ge=0, description="Per t gross feed.")
    closure_cost_usd: float = Field(default=0.0, ge=0)
    employment: Employment = Field(default_factory=lambda: Employment())
    volume_from_scenario: ScenarioVolume | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Stage:
        if self.feed is None and not self.feed_grade:
            msg = "an ore-fed stage (no 'feed') needs 'feed_grade'"
            raise ValueError(msg)
        if any(not 0 <= g <= 1 for g in self.feed_grade.values()):
            msg = "feed_grade values must be between 0 and 1"
            raise ValueError(msg)
        if any(not 0 <= r <= 1 for r in self.ramp_up):
            msg = "ramp_up values must be between 0 and 1"
            raise ValueError(msg)
        if any(v < 0 for v in self.capex_usd.values()):
            msg = "capex_usd values must be non-negative"
            raise ValueError(msg)
        return self


class Depreciation(_Model):
    """Tax depreciation of capital spending."""

    method: Literal["straight_line", "declining_balance"] = "straight_line"
    life_years: int = Field(default=10, ge=1)
    rate: Fraction | None = Field(default=None, gt=0, le=1, description="Declining-balance rate.")


class Fiscal(_Model):
    """Host-country fiscal terms."""

    royalty_rate: Fraction = Field(default=0.0, ge=0, le=1, description="On gross revenue.")
    income_tax_rate: Fraction = Field(default=0.0, ge=0, le=1)
    depreciation: Depreciation = Field(default_factory=lambda: Depreciation())
    loss_carry_forward_years: int | None = Field(
        default=None, ge=0, description="None = unlimited."
    )
    tax_holiday_years: int = Field(default=0, ge=0, description="From the first production year.")
    withholding_tax_rate: Fraction = Field(
        default=0.0, ge=0, le=1, description="On dividends abroad."
    )
    government_free_carry: Fraction = Field(default=0.0, ge=0, lt=1)
    government_equity_share: Fraction = Field(
        default=0.0, ge=0, lt=1, description="Paid-in equity."
    )
    source: str | None = None


class Debt(_Model):
    """Debt finance of the construction capex."""

    share: Fraction = Field(ge=0, le=1, description="Share of pre-production capex borrowed.")
    rate: Fraction = Field(ge=0, le=1, description="Interest [1/yr, nominal].")
    tenor_years: int = Field(ge=1, description="Annuity repayment from first production.")


class Distribution(_Model):
    """A distribution of one multiplicative factor (1 = the file's value)."""

    dist: Literal["normal", "lognormal", "triangular", "uniform"]
    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    low: float | None = None
    mode: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _params(self) -> Distribution:
        need = {
            "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd"),
            "triangular": ("low", "mode", "high"),
            "uniform": ("low", "high"),
        }[self.dist]
        missing = [p for p in need if getattr(self, p) is None]
        if missing:
            msg = f"{self.dist} distribution needs {', '.join(missing)}"
            raise ValueError(msg)
        return self


class Project(_Model):
    """A value-chain project: stages, price deck, fiscal terms, finance."""

    name: str
    description: str = ""
    country: str = Field(description="Host country, ISO 3166-1 alpha-3.")
    currency: Literal["USD"] = "USD"
    start_year: int
    years: int = Field(ge=2, le=100, description="Model horizon including construction.")
    terms: Literal["real", "nominal"] = "real"
    inflation: float = Field(default=0.0, ge=-0.1, le=1)
    discount_rate: float = Field(gt=-1, le=1)
    extra_discount_rates: list[float] = Field(default_factory=list)
    stages: list[Stage] = Field(min_length=1)
    prices: dict[str, PriceSpec]
    fiscal: Fiscal = Field(default_factory=lambda: Fiscal())
    debt: Debt | None = None
    uncertainty: dict[str, Distribution] = Field(default_factory=dict)
    assumptions: list[str] = Field(default_factory=list, description="Labelled assumptions.")
    sources: dict[str, str] = Field(default_factory=dict, description="Field → where from.")
    _base_dir: Path | None = PrivateAttr(None)

    @property
    def base_dir(self) -> Path | None:
        """Folder of the project file (scenario files are relative to it)."""
        return self._base_dir

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        try:
            return check_iso3(value, "country")
        except InputError as exc:
            raise ValueError(exc.reason) from None

    @field_validator("start_year")
    @classmethod
    def _plausible_year(cls, value: int) -> int:
        try:
            return check_year(value, "start_year")
        except InputError as exc:
            raise ValueError(exc.reason) from None

    @model_validator(mode="after")
    def _cross_references(self) -> Project:
        check_stage_graph(self)
        check_prices(self)
        check_uncertainty(self)
        return self


def check_stage_graph(project: Project) -> None:
    """Unique ids; each feed names an earlier product, taken by one stage only."""
    made: dict[str, Product] = {}
    taken: set[str] = set()
    ids = [s.id for s in project.stages]
    if len(ids) != len(set(ids)):
        msg = f"stage ids must be unique, got {ids}"
        raise ValueError(msg)
    for i, stage in enumerate(project.stages):
        if stage.feed is not None:
            if stage.feed not in made:
                msg = f"stages[{i}].feed: {stage.feed!r} is not a product of an earlier stage"
                raise ValueError(msg)
            if stage.feed in taken:
                msg = f"stages[{i}].feed: product {stage.feed!r} is already fed to another stage"
                raise ValueError(msg)
            taken.add(stage.feed)
        last = max(stage.production_start, *stage.capex_usd, 0)
        if last >= project.years or min(stage.capex_usd, default=0) < 0:
            msg = f"stages[{i}]: years must lie within 0..{project.years - 1}"
            raise ValueError(msg)
        for product in stage.products:
            if product.id in made:
                msg = f"stages[{i}]: duplicate product id {product.id!r}"
                raise ValueError(msg)
            made[product.id] = product


def sold_products(project: Project) -> list[tuple[int, Product]]:
    """(stage index, product) of every product that may be sold (not fully fed on)."""
    taken = {s.feed for s in project.stages if s.feed}
    return [(i, p) for i, s in enumerate(project.stages) for p in s.products if p.id not in taken]


def check_prices(project: Project) -> None:
    """Every component of a sold product has a price-deck entry."""
    for i, product in sold_products(project):
        for component in product.recovery:
            key = product.price_key(component)
            if key not in project.prices:
                msg = (
                    f"stages[{i}] product {product.id!r}: missing price {key!r} for component "
                    f"{component!r} (add it under 'prices')"
                )
                raise ValueError(msg)


def check_uncertainty(project: Project) -> None:
    """Uncertain factors are known names (``price``, ``price:<deck key>``, …)."""
    for name in project.uncertainty:
        base, _, key = name.partition(":")
        bad_key = bool(key) and (base != "price" or key not in project.prices)
        if base not in UNCERTAIN_FACTORS or bad_key:
            known = ", ".join(UNCERTAIN_FACTORS)
            msg = f"uncertainty: unknown factor {name!r}; use {known} or price:<deck key>"
            raise ValueError(msg)


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def project_from_dict(raw: object, *, source: str, base_dir: Path | None = None) -> Project:
    """Validate a parsed project document; errors name the file and field path."""
    if not isinstance(raw, dict):
        msg = "a project file must hold a mapping"
        raise InputError(msg, source=source)
    check_tree(raw, source)  # NaN, inf, 1e308, deep nesting: before any field is read
    try:
        project = Project.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise InputError(reason, source=source, field=_loc(tuple(first["loc"])) or None) from exc
    project._base_dir = base_dir
    return project


def load_project(path: Path | str) -> Project:
    """Read and validate a project YAML file.

    Parameters
    ----------
    path
        The project file.

    Returns
    -------
    Project
        The validated project.

    Raises
    ------
    InputError
        Naming the file, the field path (e.g. ``stages[1].products[0]``) and
        the reason, for unreadable YAML or any invalid value.
    """
    path = Path(path)
    raw = read_yaml(path)
    return project_from_dict(raw, source=str(path), base_dir=path.parent)
