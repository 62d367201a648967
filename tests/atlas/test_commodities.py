"""The commodity catalogue covers every bundled USGS vintage and resolves users' names."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orechain.atlas import reference, store
from orechain.atlas.commodities import catalogue, normalise_name, resolve_commodity
from orechain.atlas.sources import data_dir
from orechain.errors import InputError, NotFoundError

DATA = data_dir()
FILE_CODE = re.compile(r"mcs\d{4}-?(?P<code>[a-z][a-z\-]*?)_(world|salient)\.csv$", re.I)

CRITICAL_2022 = {
    "aluminum", "antimony", "arsenic", "barite", "beryllium", "bismuth", "chromium", "cobalt",
    "fluorspar", "gallium", "germanium", "graphite", "indium", "lithium", "magnesium-metal",
    "manganese", "nickel", "niobium", "platinum-group-metals", "rare-earths", "scandium",
    "tantalum", "tellurium", "tin", "titanium-mineral-concentrates", "tungsten", "vanadium",
    "yttrium", "zinc", "zirconium-and-hafnium",
}  # fmt: skip
"""Chapters for the 50 minerals of the USGS 2022 list (87 FR 10381) bundled here."""


def test_every_usgs_file_code_resolves() -> None:
    codes = {
        m["code"].lower()
        for p in DATA.glob("usgs_mcs20*/**/*.csv")
        if (m := FILE_CODE.search(p.name)) is not None
    }
    assert {"raree", "rareee", "zirco-hafni", "coppe", "antim"} <= codes
    assert [c for c in sorted(codes) if not _resolves(c)] == []


def _resolves(name: str) -> bool:
    try:
        resolve_commodity(name)
    except NotFoundError:
        return False
    return True


def test_every_mcs2025_commodity_label_resolves() -> None:
    world = pd.read_csv(
        DATA / "usgs_mcs2025" / "world" / "MCS2025_World_Data.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    labels = set(world["COMMODITY"])
    assert "Gemanium" in labels
    assert [label for label in sorted(labels) if not _resolves(label)] == []
    assert resolve_commodity("Gemanium") == "germanium"


def test_every_salient_commodity_label_resolves() -> None:
    labels = set()
    for path in DATA.glob("usgs_mcs20*/**/*_salient.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        column = next((c for c in frame.columns if c.strip().lower() == "commodity"), None)
        if column is not None:
            labels |= {v.strip() for v in frame[column] if v.strip()}
    assert [label for label in sorted(labels) if not _resolves(label)] == []


@pytest.mark.parametrize(
    ("name", "commodity"),
    [
        ("REE", "rare-earths"),
        ("rare earths", "rare-earths"),
        ("Rare-Earths", "rare-earths"),
        ("PGM", "platinum-group-metals"),
        ("Sb", "antimony"),
        ("Cu", "copper"),
        ("raree", "rare-earths"),
        ("rareee", "rare-earths"),
        ("zirco-hafni", "zirconium-and-hafnium"),
        ("Iron Ore  ", "iron-ore"),
        ("Titanium & titanium dioxide", "titanium-and-titanium-dioxide"),
        ("graphite", "graphite"),
    ],
)
def test_aliases(name: str, commodity: str) -> None:
    assert resolve_commodity(name) == commodity


def test_ids_are_slugs_and_names_do_not_collide() -> None:
    owners: dict[str, str] = {}
    for c in catalogue():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.commodity), c.commodity
        for label in {c.commodity, c.name, *c.aliases, *c.usgs_codes, *c.usgs_names}:
            key = normalise_name(label)
            assert owners.setdefault(key, c.commodity) == c.commodity, (label, owners[key])
    ids = [c.commodity for c in catalogue()]
    assert len(ids) == len(set(ids))
    assert {"rare-earths", "antimony", "copper", "iron-ore", "platinum-group-metals"} <= set(ids)


def test_critical_flags_follow_the_2022_list() -> None:
    flagged = {c.commodity for c in catalogue() if c.critical}
    assert flagged >= CRITICAL_2022
    assert "copper" not in flagged
    assert "gold" not in flagged


def test_reference_loader_fills_commodities_and_countries() -> None:
    con = duckdb.connect()
    store.create_tables(con)
    with store.transaction(con):
        report = reference.load(con, DATA / "reference", "orechain-reference")
    assert report.rows["commodities"] == len(catalogue())
    assert report.rows["countries"] >= 249
    row = con.execute(
        "SELECT name, critical, list_contains(usgs_codes, 'rareee') FROM commodities "
        "WHERE commodity = 'rare-earths'"
    ).fetchone()
    assert row == ("Rare earths", True, True)
    pak = con.execute("SELECT name, region, m49 FROM countries WHERE iso3 = 'PAK'").fetchone()
    assert pak == ("Pakistan", "Southern Asia", 586)


def test_reference_loader_rejects_a_bad_catalogue(tmp_path: Path) -> None:
    bad = tmp_path / "commodities.yaml"
    bad.write_text("commodities:\n  - id: x\n    name: X\n  - id: x\n    name: Y\n", "utf-8")
    con = duckdb.connect()
    store.create_tables(con)
    with pytest.raises(InputError, match="duplicate commodity ids: x"), store.transaction(con):
        reference.load(con, tmp_path, "t")
    assert con.execute("SELECT count(*) FROM countries").fetchone() == (0,)
