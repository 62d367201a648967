"""Country pages: every atlas country, and one country's entries grouped for reading.

A profile mixes production, capacity and reserves of many commodities; a reader
wants them apart (production / capacity / reserves / exports), each sorted by
the country's share of the world total, with commodity names rather than slugs
and the basis named where one commodity reports two (iron ore gross and
iron content).
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from orechain.atlas.store import Atlas
from orechain.web.labels import field_label

__all__ = ["GROUPS", "atlas_countries", "country_groups"]

GROUPS = (
    ("production", "Production"),
    ("capacity", "Capacity"),
    ("reserves", "Reserves"),
)
"""Groups of a country page, in reading order."""


def _group_of(measure: str) -> str:
    if measure == "reserves":
        return "reserves"
    return "capacity" if "capacity" in measure else "production"


def country_groups(profile: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """The profile's entries by group, each sorted by share (largest first).

    Every entry gets ``label`` (commodity name and measure, plus the basis when
    the same commodity and measure appear twice) and ``href`` (the commodity on
    the atlas page).
    """
    entries = profile["entries"]
    twice = Counter((e["commodity"], e["measure"]) for e in entries)
    groups: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in GROUPS}
    for e in entries:
        label = f"{names.get(e['commodity'], e['commodity'])} · {field_label(e['measure'])}"
        if twice[(e["commodity"], e["measure"])] > 1 and e.get("basis"):
            label += f" ({e['basis']})"
        measure = "mine" if e["measure"] == "reserves" else e["measure"]
        href = "/atlas?" + urlencode({"commodity": e["commodity"], "measure": measure})
        groups[_group_of(e["measure"])].append({**e, "label": label, "href": href})
    out = []
    for key, title in GROUPS:
        rows = sorted(groups[key], key=lambda r: (-(r["share"] or 0.0), r["label"]))
        if rows:
            out.append({"key": key, "title": title, "rows": rows})
    return out


def atlas_countries(atlas: Atlas) -> list[dict[str, Any]]:
    """Every country with production or reserves in the atlas, by region then name."""
    frame = atlas.query(
        """SELECT c.iso3, c.name, coalesce(c.region, 'Other') AS region
           FROM countries c
           WHERE c.iso3 IN (SELECT country FROM production UNION SELECT country FROM reserves)
           ORDER BY region, c.name"""
    )
    regions: dict[str, list[dict[str, str]]] = {}
    for r in frame.to_dict("records"):
        regions.setdefault(str(r["region"]), []).append({"iso3": r["iso3"], "name": r["name"]})
    return [{"region": k, "countries": v} for k, v in regions.items()]
