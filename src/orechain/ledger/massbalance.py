"""Mass balance of transforms, splits and merges, and the no-overdraft rule.

Conservation: for a process step the mass drawn from input lots equals the mass
of output lots plus declared losses (tailings, slag, moisture), all in one basis,
within a relative tolerance (default 0.1 %). Contained elements are checked
through assays: what comes out cannot exceed what went in. These are the
material-balance identities of material flow analysis applied to single steps.

References
----------
.. [1] ISO 22095:2020, "Chain of custody — General terminology and models", §5.
.. [2] Brunner, P. H. & Rechberger, H. (2016). Handbook of Material Flow
   Analysis, 2nd ed., CRC Press, ch. 2 (mass balance principle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orechain.errors import ConflictError, InputError

DEFAULT_TOLERANCE = 0.001
"""Relative tolerance of mass balances [-] (0.1 %)."""

__all__ = [
    "DEFAULT_TOLERANCE",
    "Balance",
    "check_conservation",
    "check_contained",
    "contained_t",
    "draw",
    "require_single_basis",
]


@dataclass(frozen=True)
class Balance:
    """Outcome of a conservation check; masses in t of one basis."""

    inputs_t: float
    """Mass drawn from input lots [t]."""
    outputs_t: float
    """Mass of output lots [t]."""
    losses_t: float
    """Declared losses [t]."""
    tolerance: float
    """Relative tolerance [-]."""

    @property
    def imbalance_t(self) -> float:
        """``inputs - (outputs + losses)`` [t]; positive means undeclared loss."""
        return self.inputs_t - self.outputs_t - self.losses_t

    @property
    def ok(self) -> bool:
        """True iff ``|imbalance| <= tolerance * inputs``."""
        return abs(self.imbalance_t) <= self.tolerance * self.inputs_t + 1e-12


def check_conservation(
    inputs_t: Sequence[float],
    outputs_t: Sequence[float],
    losses_t: Sequence[float] = (),
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    strict: bool = True,
) -> Balance:
    """Check ``Σ inputs = Σ outputs + Σ losses`` within ``tolerance``.

    Parameters
    ----------
    inputs_t, outputs_t, losses_t
        Masses [t], all in the same basis.
    tolerance
        Relative tolerance [-] on the inputs' total.
    strict
        Raise on imbalance (default); otherwise return the failing balance.

    Raises
    ------
    InputError
        If ``strict`` and the balance does not close.
    """
    bal = Balance(sum(inputs_t), sum(outputs_t), sum(losses_t), tolerance)
    if strict and not bal.ok:
        msg = (
            f"mass balance does not close: inputs {bal.inputs_t:.6g} t, outputs "
            f"{bal.outputs_t:.6g} t, losses {bal.losses_t:.6g} t, imbalance "
            f"{bal.imbalance_t:.6g} t exceeds {tolerance:.3%} of inputs"
        )
        raise InputError(msg, field="outputs")
    return bal


def draw(lot_id: str, remaining_t: float, wanted_t: float | None, tolerance: float) -> float:
    """Mass to take from a lot [t]; ``None`` takes all that remains.

    A draw up to ``remaining * (1 + tolerance)`` is accepted and clipped to what
    remains, so rounding never leaves crumbs; more is an overdraft.

    Raises
    ------
    ConflictError
        On overdraft.
    """
    if wanted_t is None:
        return remaining_t
    if wanted_t > remaining_t * (1 + tolerance) + 1e-12:
        msg = f"lot {lot_id!r} overdrawn: {wanted_t:.6g} t wanted, {remaining_t:.6g} t remain"
        raise ConflictError(msg)
    return min(wanted_t, remaining_t)


def require_single_basis(bases: Sequence[str]) -> str:
    """The one basis shared by every lot of a step; mixing bases needs a stated conversion."""
    distinct = sorted(set(bases))
    if len(distinct) != 1:
        msg = f"lots of one step must share a mass basis; got {distinct}"
        raise InputError(msg, field="basis")
    return distinct[0]


def contained_t(quantity_t: float, grades: Mapping[str, float]) -> dict[str, float]:
    """Contained mass of each element [t]: ``quantity × grade``."""
    return {element: quantity_t * g for element, g in grades.items()}


def check_contained(
    inputs: Sequence[tuple[float, Mapping[str, float]]],
    outputs: Sequence[tuple[float, Mapping[str, float]]],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> None:
    """Check contained mass out ≤ in for every element assayed on all inputs.

    An element is only checked when every input lot has a grade for it, because a
    missing assay means unknown (not zero) content.

    Raises
    ------
    InputError
        Naming the element and both contained masses [t].
    """
    if not inputs:
        return
    known = set.intersection(*(set(g) for _, g in inputs))
    for element in sorted(known):
        c_in = sum(q * g[element] for q, g in inputs)
        c_out = sum(q * g.get(element, 0.0) for q, g in outputs)
        if c_out > c_in * (1 + tolerance) + 1e-12:
            msg = (
                f"contained {element} out ({c_out:.6g} t) exceeds in ({c_in:.6g} t) "
                f"by more than {tolerance:.3%}"
            )
            raise InputError(msg, field=f"grades.{element}")
