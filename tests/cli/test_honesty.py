"""What a careful reader sees: each data finding of issue 14 as a test of the output."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from typing import Any

from typer.testing import CliRunner

from orechain.atlas.sources import data_dir
from orechain.cli import app

runner = CliRunner()
MCS2025 = data_dir() / "usgs_mcs2025" / "world" / "MCS2025_World_Data.csv"


def human(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout


def as_json(*args: str) -> dict | list:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_atlas_commodities_human_table_lists_measures(atlas_env):
    out = human("atlas", "commodities")
    line = next(x for x in out.splitlines() if "rare-earths" in x)
    assert "mine" in line
    assert re.search(r"\d{4}–\d{4}", line)


def test_us_lithium_withheld_stays_a_null_row_with_its_flag(atlas_env):
    with MCS2025.open(encoding="utf-8-sig", newline="") as fh:
        row = next(
            r for r in csv.DictReader(fh)
            if r["COMMODITY"].strip() == "Lithium" and r["COUNTRY"].strip() == "United States"
        )  # fmt: skip
    assert row["PROD_NOTES"].strip() == "W for 23-24"
    assert not row["PROD_2023"].strip()
    risk = as_json("risk", "lithium", "--year", "2024")
    assert risk["withheld"] == ["USA"]
    usa = next(c for c in risk["countries"] if c["iso3"] == "USA")
    assert usa["value"] is None
    assert usa["share"] is None
    shown = as_json("atlas", "show", "lithium", "--year", "2024")
    assert any(r["country"] == "USA" and r["qualifier"] == "W" for r in shown["rows"])
    assert "withheld (W): USA" in human("risk", "lithium", "--year", "2024")


def test_cobalt_us_estimated_row_is_explained_with_its_effect_on_cr1(atlas_env):
    risk = as_json("risk", "cobalt", "--year", "2024")
    note = next(n for n in risk["notes"] if "not in the shares" in n)
    assert "USA 300" in note
    assert "Mine production, estimated" in note
    with_us = 100 * risk["cr1"] * risk["total"] / (risk["total"] + 300)
    assert f"{with_us:.2f} %" in note
    assert "not in the shares" in human("risk", "cobalt", "--year", "2024")


def test_gallium_defaults_to_its_primary_measure(atlas_env):
    risk = as_json("risk", "gallium")
    assert risk["measure"] == "plant"
    assert any("primary measure" in n for n in risk["notes"])


def test_germanium_falls_back_to_the_latest_vintage_with_data_and_says_so(atlas_env):
    risk = as_json("risk", "germanium")
    assert risk["sources"][0].startswith("usgs-mcs-2022")
    assert any("latest vintage with data, usgs-mcs-2022" in n for n in risk["notes"])


def test_antimony_refining_share_is_labelled_assumption_beside_baci(atlas_env):
    out = human("risk", "antimony", "--measure", "refining")
    assert "ASSUMPTION" in out
    assert "BACI HS17 exports" in out
    assert "CHN 18 %" in out


def test_pakistan_profile_explains_missing_corridor_commodities_and_shows_exports(atlas_env):
    profile = as_json("atlas", "country", "PAK")
    assert any(n.startswith("rare-earths:") for n in profile["notes"])
    assert any(n.startswith("copper:") for n in profile["notes"])
    codes = {x["hs6"]: x for x in profile["exports"]}
    assert {"261710", "260300", "284690"} <= codes.keys()
    assert codes["261710"]["partners"][0]["iso3"] == "CHN"
    assert any(e["measure"] == "reserves" for e in profile["entries"]) or profile["entries"]
    out = human("atlas", "country", "PAK")
    assert "publish no production for Pakistan" in out
    assert "Antimony ores and concentrates" in out


def test_no_data_for_a_year_is_not_reported_as_no_imports(atlas_env):
    args = ["risk", "imports", "antimony", "--importer", "USA", "--hs", "811010", "--year"]
    result = runner.invoke(app, [*args, "2023"])
    assert result.exit_code == 2
    assert "no BACI data for HS 811010 in 2023" in result.output
    assert "not a finding of no imports" in result.output


def test_hs17_2022_rows_are_bundled(atlas_env):
    reference = data_dir() / "baci_hs17_extract" / "baci_2022.csv"
    with reference.open(encoding="utf-8", newline="") as fh:
        flows = [r for r in csv.DictReader(fh) if r["j"] == "USA" and r["cmd"] == "811010"]
    total = sum(float(r["value"]) for r in flows)
    top = max(flows, key=lambda r: float(r["value"]))
    mix = as_json(
        "risk", "imports", "antimony", "--importer", "USA", "--year", "2022", "--hs", "811010"
    )
    assert mix["top_partner"] == top["i"]
    assert abs(mix["total_value_usd"] - total) < 1e-6 * total
    assert mix["sources"][0]["source_id"] == "cepii-baci-hs17-extract-2022"
    magnets = ["risk", "imports", "rare earths", "--importer", "USA", "--year", "2022"]
    assert as_json(*magnets, "--hs", "850511")["partners"]


def test_single_reporter_series_are_flagged_and_ranked_last(atlas_env):
    rows = as_json("risk", "overview")
    flags = [r["single_reporter"] for r in rows]
    assert any(flags)
    first_single = flags.index(True)
    assert all(flags[first_single:])
    assert all(r["n_countries"] <= 1 for r in rows if r["single_reporter"])
    out = human("risk", "overview")
    assert "countries reporting" in out
    assert "E = net exporter" in out


def test_econ_compare_prints_text_not_python(atlas_env):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = human(
        "econ",
        "compare",
        str(root / "projects" / "pakistan-concentrate-export.yaml"),
        str(root / "projects" / "pakistan-polymetallic-refinery.yaml"),
    )
    assert "{'" not in out
    assert "NPV @ 10 % [M USD]" in out
    irr = next(x for x in out.splitlines() if x.lstrip("│ ").startswith("IRR"))
    assert "7.3 %" in irr
    assert "3.0 %" in irr
    assert "-4.3 pp" in irr
    assert "Incremental IRR" in out
    assert re.search(r"below \d\.\d\d × the base deck", out)


def test_one_canonical_country_name(atlas_env):
    shown = as_json("atlas", "show", "rare earths", "--year", "2024")
    mmr = next(r for r in shown["rows"] if r["country"] == "MMR")
    assert mmr["country_name"] == "Myanmar"
    assert mmr["published_name"] == "Burma"
    mix = as_json("risk", "imports", "rare earths", "--importer", "USA", "--year", "2022")
    names = {p["iso3"]: p["name"] for p in mix["partners"]}
    risk = as_json("risk", "rare earths", "--year", "2024")
    for c in risk["countries"]:
        if c["iso3"] in names:
            assert c["name"] == names[c["iso3"]]


def test_tables_name_units_and_sources(atlas_env):
    out = human("risk", "copper")
    assert "production [kt]" in out
    assert "share [%]" in out
    assert "Sources: usgs-mcs-2025" in out
    mix = human("risk", "imports", "rare earths", "--importer", "USA", "--year", "2022")
    assert "quantity [t]" in mix
    assert "governance risk g [0 best – 1 worst]" in mix
    assert "GeoPolRisk (published method" in mix
    assert "a variant, not the published GeoPolRisk" in mix


def test_help_text_keeps_bracketed_units() -> None:
    """Rich reads ``[h]`` or ``[deg]`` in help as markup and drops it; units must survive."""
    from typer.main import get_command

    from orechain.cli import build_app

    def walk(cmd: Any) -> Iterator[Any]:
        yield cmd
        for sub in getattr(cmd, "commands", {}).values():
            yield from walk(sub)

    eaten = [
        f"{cmd.name} {p.name}: {p.help!r}"
        for cmd in walk(get_command(build_app()))
        for p in cmd.params
        if getattr(p, "help", None) and re.search(r"\[[a-z#/@][^\[\]]*\]", p.help)
    ]
    assert not eaten, eaten
