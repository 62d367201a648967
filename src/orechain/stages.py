"""The value-chain stage vocabulary: one list of stages for the whole of OreChain.

The atlas (stage shares, HS map), the scenario chains, the ledger (site kinds
and transform stages), the compliance rules and the pages all name stages with
these ids. Other spellings seen in sources and by users ("separation/refining",
"smelter", "concentrate", "melting") are aliases resolved by
:func:`resolve_stage`; an unknown name is an :class:`~orechain.errors.InputError`
everywhere, never silently passed through (a rule that does not know a stage
must not pass a lot that went through it).

Stages follow the value chain mine → product:
exploration → mining → beneficiation (concentrate) → separation (rare earths) →
smelting → refining → metal making → alloying → magnet / component → end use.
``processing`` is the EU CRM assessment's single post-extraction stage (its
"P" stage); it is a reporting stage that covers separation, smelting and
refining together and is never declared by a plant. USGS "plant" production
(gallium, boron, cement …) is reported under it.

Examples
--------
>>> resolve_stage("Separation/Refining")
'separation'
>>> stage_index("mining") < stage_index("magnet")
True
"""

from __future__ import annotations

from dataclasses import dataclass

from orechain.errors import InputError

__all__ = [
    "SITE_KINDS",
    "STAGES",
    "STAGE_IDS",
    "StageDef",
    "is_stage",
    "resolve_site_kind",
    "resolve_stage",
    "stage",
    "stage_index",
    "stages_for_site_kind",
]


@dataclass(frozen=True)
class StageDef:
    """One value-chain stage."""

    id: str
    """Canonical id used in code, tables, JSON and the UI."""
    label: str
    """Human name for tables and pages."""
    basis: str
    """Mass basis the stage's output is usually reported in: gross, contained or REO.

    A commodity may report differently (rare-earth mining is reported as REO by
    USGS); the scenario chains state their own basis per commodity.
    """
    product: str
    """What the stage makes, in words (for help texts and pages)."""
    aliases: tuple[str, ...] = ()
    """Other spellings, lower case, resolved to :attr:`id`."""
    declarable: bool = True
    """False for reporting-only stages that no plant or ledger transform declares."""


STAGES: tuple[StageDef, ...] = (
    StageDef("exploration", "Exploration", "gross", "resource estimates", declarable=False),
    StageDef(
        "mining",
        "Mining",
        "contained",
        "ore (mine production)",
        ("mine", "mine production", "extraction", "ore", "e"),
    ),
    StageDef(
        "beneficiation",
        "Beneficiation",
        "gross",
        "concentrate",
        ("concentrate", "concentration", "concentrator", "ore processing"),
    ),
    StageDef(
        "processing",
        "Processing (EU CRM)",
        "contained",
        "processed material (EU CRM's single post-extraction stage)",
        ("p", "plant", "plant production"),
        declarable=False,
    ),
    StageDef(
        "separation",
        "Separation",
        "REO",
        "separated rare-earth oxides",
        ("separation/refining", "refining/separation", "separated oxide", "oxide separation"),
    ),
    StageDef("smelting", "Smelting", "contained", "matte, blister or crude metal", ("smelter",)),
    StageDef(
        "refining",
        "Refining",
        "contained",
        "refined metal or compound (e.g. copper cathode, antimony trioxide)",
        ("refinery", "smelting/refining", "refined"),
    ),
    StageDef(
        "metal",
        "Metal making",
        "contained",
        "metal (e.g. NdPr metal)",
        ("metal making", "metal production", "melting", "metal/alloy", "metals"),
    ),
    StageDef("alloying", "Alloying", "gross", "alloy (e.g. NdFeB strip)", ("alloy", "alloys")),
    StageDef(
        "magnet",
        "Magnet making",
        "gross",
        "permanent magnets (e.g. sintered NdFeB)",
        ("magnets", "magnet making", "magnet production"),
    ),
    StageDef(
        "component",
        "Component making",
        "gross",
        "components and semi-finished products",
        ("components", "semis", "semi-fabrication"),
    ),
    StageDef("end-use", "End use", "gross", "demand by sector", ("end use",), declarable=False),
)
"""Every stage, in value-chain order."""

STAGE_IDS: tuple[str, ...] = tuple(s.id for s in STAGES)
"""Canonical stage ids in value-chain order."""

_BY_NAME: dict[str, StageDef] = {
    name: s for s in STAGES for name in (s.id, s.label.lower(), *s.aliases)
}

SITE_KINDS: dict[str, tuple[str, ...]] = {
    "mine": ("mining",),
    "concentrator": ("beneficiation",),
    "separation-plant": ("separation",),
    "smelter": ("smelting", "refining"),
    "refinery": ("refining", "separation"),
    "metal-plant": ("metal", "alloying"),
    "magnet-plant": ("alloying", "magnet"),
    "metal-magnet-plant": ("metal", "alloying", "magnet"),
    "component-plant": ("component",),
    "port": (),
    "warehouse": (),
    "laboratory": (),
}
"""Site kind → the stages a site of that kind may perform (empty: it handles lots only).

A refinery may also separate rare earths (solvent extraction lines sit in
refineries); a smelter often refines too; an integrated magnet maker reduces
oxide to metal, alloys and makes magnets on one site. Everything else is one step.
"""


def resolve_stage(name: str, *, field: str = "stage") -> str:
    """The canonical id of a stage name or alias; :class:`InputError` if unknown."""
    found = _BY_NAME.get(" ".join(str(name).strip().lower().split()))
    if found is None:
        msg = f"unknown stage {name!r}; expected one of: {', '.join(STAGE_IDS)}"
        raise InputError(msg, field=field)
    return found.id


def is_stage(name: str) -> bool:
    """Whether ``name`` is a stage id or alias."""
    return " ".join(str(name).strip().lower().split()) in _BY_NAME


def stage(name: str) -> StageDef:
    """The definition of a stage, by id or alias."""
    return _BY_NAME[resolve_stage(name)]


def stage_index(name: str) -> int:
    """Position of a stage in the value chain (mining < separation < magnet)."""
    return STAGE_IDS.index(resolve_stage(name))


def resolve_site_kind(kind: str, *, field: str = "kind") -> str:
    """A known site kind, lower case; :class:`InputError` if unknown."""
    key = str(kind).strip().lower()
    if key not in SITE_KINDS:
        msg = f"unknown site kind {kind!r}; expected one of: {', '.join(SITE_KINDS)}"
        raise InputError(msg, field=field)
    return key


def stages_for_site_kind(kind: str) -> tuple[str, ...]:
    """Stages a site of ``kind`` may perform (empty for ports, warehouses, laboratories)."""
    return SITE_KINDS[resolve_site_kind(kind)]
