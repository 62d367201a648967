"""The commodity catalogue and name resolution.

Users and sources name commodities in many ways ("rare earths", "REE",
``rareee``); everything inside OreChain uses one canonical id
(``rare-earths``). The catalogue is the bundled
``data/reference/commodities.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from orechain.atlas.sources import data_dir
from orechain.errors import NotFoundError
from orechain.inputs import read_yaml


@dataclass(frozen=True)
class Commodity:
    """One commodity of the catalogue."""

    commodity: str
    name: str
    aliases: tuple[str, ...]
    usgs_codes: tuple[str, ...]
    usgs_names: tuple[str, ...]
    critical: bool


def normalise_name(text: str) -> str:
    """Key used to match names: lower case, no spaces, hyphens, underscores or dots."""
    return re.sub(r"[\s\-_.,()]+", "", text.replace("\xa0", " ")).lower()


@cache
def catalogue() -> tuple[Commodity, ...]:
    """All commodities of the bundled catalogue."""
    raw = read_yaml(data_dir() / "reference" / "commodities.yaml")
    return tuple(
        Commodity(
            commodity=e["id"],
            name=e["name"],
            aliases=tuple(e.get("aliases") or ()),
            usgs_codes=tuple(e.get("usgs_codes") or ()),
            usgs_names=tuple(e.get("usgs_names") or ()),
            critical=bool(e.get("critical", False)),
        )
        for e in raw["commodities"]
    )


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for c in catalogue():
        for label in (c.commodity, c.name, *c.aliases, *c.usgs_codes, *c.usgs_names):
            index.setdefault(normalise_name(label), c.commodity)
    return index


def resolve_commodity(name: str) -> str:
    """Return the canonical commodity id for a name, alias or USGS code.

    Raises
    ------
    NotFoundError
        When nothing in the catalogue matches; the message lists close names.
    """
    key = normalise_name(name)
    found = _index().get(key)
    if found is not None:
        return found
    close = sorted(
        c.commodity for c in catalogue() if key[:4] and key[:4] in normalise_name(c.commodity)
    )
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `orechain atlas commodities`"
    msg = f"unknown commodity {name!r}{hint}"
    raise NotFoundError(msg)


def get_commodity(name: str) -> Commodity:
    """Return the catalogue entry for a name, alias or code."""
    cid = resolve_commodity(name)
    return next(c for c in catalogue() if c.commodity == cid)
