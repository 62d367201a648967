"""The CLI as a user meets it, over the atlas built from the bundled data.

Figures are checked against the source rows, read here independently of the
ingest code with the csv module.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orechain import __version__
from orechain.atlas.sources import data_dir
from orechain.cli import app

runner = CliRunner()
MCS2025 = data_dir() / "usgs_mcs2025" / "world" / "MCS2025_World_Data.csv"


def run(*args: str) -> dict | list:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def mcs2025_rows(commodity: str, type_prefix: str) -> list[dict[str, str]]:
    with MCS2025.open(encoding="utf-8-sig", newline="") as fh:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(fh)
            if row["COMMODITY"].strip() == commodity and row["TYPE"].startswith(type_prefix)
        ]


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"orechain {__version__}"


def test_rare_earth_mining_concentration_follows_mcs2025(atlas_env):
    rows = mcs2025_rows("Rare earths", "Mine production")
    values = {}
    other = 0.0
    for r in rows:
        raw = r["PROD_EST_ 2024"].replace(",", "")
        if not raw:
            continue
        if r["COUNTRY"].lower().startswith("world"):
            continue
        if r["COUNTRY"].lower().startswith("other"):
            other += float(raw)
        else:
            values[r["COUNTRY"]] = float(raw)
    total = sum(values.values()) + other
    expected_hhi = sum((100 * v / total) ** 2 for v in values.values())

    out = run("risk", "rare earths", "--year", "2024", "--json")
    assert out["commodity"] == "rare-earths"
    assert out["year"] == 2024
    assert out["top_country"] == "CHN"
    assert out["total"] == pytest.approx(total)
    assert out["hhi"] == pytest.approx(expected_hhi)
    assert out["cr1"] == pytest.approx(values["China"] / total)
    assert out["basis"] == "REO"
    china = next(c for c in out["countries"] if c["iso3"] == "CHN")
    assert china["value"] == 270_000
    assert out["world_total_published"] == 390_000
    for key in ("measure", "unit", "cr3", "hhi_wgi", "net_import_reliance", "sources"):
        assert key in out
    assert "usgs-mcs-2025" in out["sources"]


@pytest.mark.parametrize("name", ["REE", "rare-earths", "Rare Earths"])
def test_commodity_aliases(atlas_env, name):
    assert run("risk", name, "--year", "2024", "--json")["commodity"] == "rare-earths"


def test_pakistan_profile_has_antimony_mine_and_reserves(atlas_env):
    out = run("atlas", "country", "PAK", "--json")
    assert out["iso3"] == "PAK"
    sb = [e for e in out["entries"] if e["commodity"] == "antimony"]
    mine = next(e for e in sb if e["measure"] == "mine")
    assert (mine["year"], mine["value"], mine["source_id"]) == (2024, 250, "usgs-mcs-2025")
    assert 0 < mine["share"] < 0.01
    assert mine["rank"] > 1
    reserves = next(e for e in sb if e["measure"] == "reserves")
    assert reserves["value"] == 26_000


def test_copper_refinery_is_a_separate_measure(atlas_env):
    mine = run("risk", "copper", "--year", "2024", "--json")
    refinery = run("risk", "copper", "--measure", "refinery", "--year", "2024", "--json")
    assert mine["measure"] == "mine"
    assert refinery["measure"] == "refinery"
    assert mine["top_country"] == "CHL"
    assert refinery["top_country"] == "CHN"


def test_overview_sorted_by_hhi(atlas_env):
    rows = run("risk", "overview", "--json")
    assert len(rows) > 50
    # sorted by HHI, series that only one country reports last (flagged)
    for single in (False, True):
        hhis = [r["hhi"] for r in rows if r["single_reporter"] is single]
        assert hhis == sorted(hhis, reverse=True)
    flags = [r["single_reporter"] for r in rows]
    assert flags == sorted(flags)
    ree = next(r for r in rows if r["commodity"] == "rare-earths" and r["measure"] == "mine")
    assert ree["top_country"] == "CHN"
    for key in ("top_country", "cr1", "cr3", "hhi", "hhi_wgi", "net_import_reliance"):
        assert key in ree


def test_unknown_commodity_is_one_line_exit_2(atlas_env):
    result = runner.invoke(app, ["risk", "unobtainium", "--json"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "unknown commodity 'unobtainium'" in result.stderr


def test_show_csv(atlas_env):
    result = runner.invoke(app, ["atlas", "show", "antimony", "--year", "2024", "--csv"])
    assert result.exit_code == 0
    header, *lines = result.stdout.strip().splitlines()
    assert header.startswith("country,country_name,value")
    assert any(line.startswith("PAK,Pakistan,250") for line in lines)


def test_broken_usgs_file_exits_2_and_leaves_atlas_unchanged(atlas_path, tmp_path, monkeypatch):
    private = tmp_path / "atlas.duckdb"
    shutil.copy(atlas_path, private)
    monkeypatch.setenv("ORECHAIN_ATLAS", str(private))
    before = run("atlas", "commodities", "--json")
    broken = tmp_path / "mcs2024-antim_world.csv"
    source = data_dir() / "usgs_mcs2024" / "world" / "mcs2024-antim_world.csv"
    with source.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[3][3] = "12x4"  # row 4 of the file (header = row 1), first production column
    with broken.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)

    result = runner.invoke(app, ["atlas", "ingest", "usgs-mcs", str(broken)])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert str(broken) in message
    assert "row 4" in message
    assert "12x4" in message
    assert len(message.splitlines()) == 1
    assert run("atlas", "commodities", "--json") == before


def test_report_overview_writes_self_contained_html(atlas_env, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "overview", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<table" in html
    assert "Rare earths" in html
    assert "usgs-mcs-2025" in html
    for needle in ("<script src", "<link ", "url(http", '<img src="http'):
        assert needle not in html


def test_every_bundled_usgs_vintage_is_in_the_atlas(atlas):
    ids = set(atlas.query("SELECT DISTINCT source_id FROM production")["source_id"])
    assert {"usgs-mcs-2022", "usgs-mcs-2023", "usgs-mcs-2024", "usgs-mcs-2025"} <= ids


def test_data_files_exist():
    assert Path(MCS2025).exists()


def test_ingest_a_new_release_is_preferred_and_named(atlas_path, tmp_path, monkeypatch):
    private = tmp_path / "atlas.duckdb"
    shutil.copy(atlas_path, private)
    monkeypatch.setenv("ORECHAIN_ATLAS", str(private))
    release = tmp_path / "mcs2026-antim_world.csv"
    source = data_dir() / "usgs_mcs2025" / "world" / "MCS2025_World_Data.csv"
    with source.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh)]
    header, body = rows[0], [r for r in rows[1:] if r[1].strip() == "Antimony"]
    for r in body:
        if r[2].strip() == "Pakistan" and r[3].startswith("Mine"):
            r[6] = "300"  # a hypothetical revision in a later release
    with release.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    out = run("atlas", "ingest", "usgs-mcs", str(release), "--json")
    assert out["source_id"] == "usgs-mcs-2026:mcs2026-antim_world.csv"
    risk = run("risk", "antimony", "--year", "2024", "--json")
    pak = next(c for c in risk["countries"] if c["iso3"] == "PAK")
    assert pak["value"] == 300
    assert "usgs-mcs-2026:mcs2026-antim_world.csv" in risk["sources"]
