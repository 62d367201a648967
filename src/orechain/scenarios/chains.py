"""Value-chain stage sequences of the scenario network, per commodity.

Each chain lists the processing stages from mine to the last product before end
use, the mass basis each stage's output is counted in, and the label the
bundled HS mapping (``data/reference/hs_map.csv``, column ``stage``) uses for
that stage's traded product. End use is not a stage here: it is where demand
(region × sector) draws from a stage.

The sequences follow ``DESIGN.md`` ("Value-chain stages"), shortened to the
stages for which the atlas or a cited table gives country capacities.
"""

from __future__ import annotations

from dataclasses import dataclass

from orechain.atlas.commodities import resolve_commodity
from orechain.errors import NotFoundError
from orechain.stages import resolve_stage


@dataclass(frozen=True)
class Stage:
    """One processing stage of a chain."""

    name: str
    basis: str
    """Mass basis of the stage's output: gross, contained or REO."""
    hs_stage: str | None
    """Value of ``hs_map.stage`` for the traded product of this stage, if any."""


CHAINS: dict[str, tuple[Stage, ...]] = {
    "rare-earths": (
        Stage("mining", "REO", None),
        Stage("separation", "REO", "separation"),
        Stage("metal", "contained", "metal"),
        Stage("magnet", "gross", "magnet"),
    ),
    "antimony": (
        Stage("mining", "contained", "concentrate"),
        Stage("refining", "contained", "metal"),
    ),
    "copper": (
        Stage("mining", "contained", "concentrate"),
        Stage("refining", "contained", "refining"),
    ),
}
"""Commodity id → stages in order. Other commodities get :data:`GENERIC`."""

GENERIC: tuple[Stage, ...] = (
    Stage("mining", "contained", "concentrate"),
    Stage("refining", "contained", "refining"),
)
"""Two-stage chain for any atlas commodity with mine data."""

CHAIN_FOLD: dict[str, str] = {
    "beneficiation": "mining",
    "smelting": "refining",
    "alloying": "metal",
}
"""Vocabulary stages the scenario chains fold into a neighbour.

The chains model fewer stages than :mod:`orechain.stages` (the atlas gives no
separate country capacities for them): concentrate counts with mining, smelting
with refining, alloying with metal making.
"""


def chain_for(commodity: str) -> tuple[Stage, ...]:
    """The stage chain of a commodity (a specific chain, else the generic two-stage one)."""
    try:
        cid = resolve_commodity(commodity)
    except NotFoundError:
        cid = commodity
    return CHAINS.get(cid, GENERIC)


def canonical_stage(name: str) -> str:
    """A stage name resolved through :func:`orechain.stages.resolve_stage`, folded to the chain.

    ``"separation/refining"`` → ``"separation"``, ``"smelting"`` → ``"refining"``;
    an unknown name raises :class:`~orechain.errors.InputError` (a ValueError, so
    pydantic reports it against the field).
    """
    sid = resolve_stage(name)
    return CHAIN_FOLD.get(sid, sid)
