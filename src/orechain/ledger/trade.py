"""Trade fields of a physical shipment and the rules that hold them together.

What a concentrate trader writes on a bill of lading and a weight certificate:
wet and dry tonnes with the moisture content, the out-turn (discharge) weight
and its difference from the loading weight, the HS code, container and seal
numbers (ISO 6346, check digit verified), vessel, voyage, ports (UN/LOCODE),
Incoterms 2020 rule, and the seller's, buyer's and umpire's assays.

Masses are in metric tonnes [t]; moisture and grades are mass fractions [-].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from orechain.errors import ConflictError

__all__ = [
    "INCOTERMS",
    "OUTTURN_TOLERANCE",
    "Container",
    "Weighing",
    "container_check_digit",
    "outturn_difference",
    "settle_grades",
]

INCOTERMS: tuple[str, ...] = (
    "EXW",
    "FCA",
    "CPT",
    "CIP",
    "DAP",
    "DPU",
    "DDP",
    "FAS",
    "FOB",
    "CFR",
    "CIF",
)
"""The eleven Incoterms® 2020 rules (ICC publication 723E)."""

Incoterm = Literal["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"]

OUTTURN_TOLERANCE = 0.005
"""ASSUMPTION: largest out-turn vs loading dry-weight difference accepted without a declared
weight dispute, as a fraction of the loading dry weight [-] (0.5 %, a common franchise in
concentrate sales contracts; contracts set their own)."""

WEIGHT_ROUNDING_T = 0.001
"""dry_t must equal wet_t × (1 − moisture) to this many tonnes (weights are given to the kg)."""

HsCode = Annotated[str, Field(pattern=r"^\d{4}(\.?\d{2}){1,3}$")]
"""Harmonized System code, 6 to 10 digits, dots allowed (e.g. 2617.10, 2846.90)."""
UnLocode = Annotated[str, Field(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")]
"""UN/LOCODE of a port (UNECE Rec. 16), e.g. PKKHI (Karachi), USHOU (Houston)."""

_CONFIG = ConfigDict(extra="forbid", strict=True)


def container_check_digit(owner_serial: str) -> int:
    """ISO 6346 check digit of the first ten characters of a container number.

    Letters map to 10..38 skipping multiples of 11; each value is weighted by
    2**position; the sum mod 11 (10 → 0) is the check digit.
    """
    values: dict[str, int] = {}
    v = 10
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if v % 11 == 0:
            v += 1
        values[ch] = v
        v += 1
    total = sum((values[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(owner_serial))
    return total % 11 % 10


def _container_number(value: str) -> str:
    import re

    if not re.fullmatch(r"[A-Z]{3}[UJZ]\d{7}", value):
        msg = f"container number {value!r} is not ISO 6346 (owner code, U/J/Z, 6 digits, check)"
        raise ValueError(msg)
    if container_check_digit(value[:10]) != int(value[10]):
        msg = f"container number {value!r} fails its ISO 6346 check digit"
        raise ValueError(msg)
    return value


@dataclass(frozen=True)
class Container:
    """A container (ISO 6346 number) and the seal number on its doors."""

    __pydantic_config__ = _CONFIG
    number: Annotated[str, AfterValidator(_container_number)]
    seal: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


@dataclass(frozen=True)
class Weighing:
    """Wet mass [t], moisture [-] and dry mass [t]; dry = wet × (1 − moisture)."""

    __pydantic_config__ = _CONFIG
    wet_t: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    moisture: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]
    dry_t: Annotated[float, Field(gt=0, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _dry_matches(self) -> Weighing:
        expected = self.wet_t * (1 - self.moisture)
        if abs(self.dry_t - expected) > WEIGHT_ROUNDING_T:
            msg = f"dry_t {self.dry_t:g} t differs from wet_t × (1 − moisture) = {expected:.3f} t"
            raise ValueError(msg)
        return self


def outturn_difference(loaded: Weighing, outturn: Weighing) -> float:
    """Out-turn minus loading dry weight, as a fraction of the loading dry weight [-]."""
    return (outturn.dry_t - loaded.dry_t) / loaded.dry_t


def settle_grades(
    seller: dict[str, float],
    buyer: dict[str, float],
    limits: dict[str, float],
    umpire: dict[str, float] | None = None,
) -> dict[str, float]:
    """Settlement grades [-] from the seller's, buyer's and (if needed) umpire's assays.

    Per element of both assays: within the splitting limit the parties split the
    difference (mean); beyond it the umpire decides: if the umpire's result lies
    between the two, the settlement is the mean of the umpire's and the nearer
    party's result, otherwise the nearer party's result. ASSUMPTION: this is the
    common concentrate-contract rule; each contract fixes its own.

    Raises
    ------
    ConflictError
        An element differs beyond its limit and there is no umpire result for it.
    """
    out: dict[str, float] = {}
    for el in sorted(set(seller) & set(buyer)):
        s, b = seller[el], buyer[el]
        if abs(s - b) <= limits.get(el, 0.0):
            out[el] = (s + b) / 2
            continue
        if umpire is None or el not in umpire:
            msg = f"{el}: seller {s:g} and buyer {b:g} differ beyond the splitting limit"
            raise ConflictError(msg + "; an umpire assay is needed")
        u = umpire[el]
        nearer = s if abs(u - s) <= abs(u - b) else b
        out[el] = (u + nearer) / 2 if min(s, b) <= u <= max(s, b) else nearer
    return out
