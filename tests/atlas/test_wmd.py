"""World Mining Data production: mapping, bases, figures against the source rows, errors."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.ingest import wmd
from orechain.atlas.sources import data_dir
from orechain.atlas.store import create_tables, transaction
from orechain.errors import InputError

WMD = data_dir() / "baci_hs92_geopolrisk" / "world_mining_data_2018_2024.csv"


@pytest.fixture(scope="module")
def loaded():
    con = duckdb.connect()
    create_tables(con)
    with transaction(con):
        report = wmd.load(con, WMD, "wmd-2018-2024")
    yield con, report
    con.close()


def _row(con, commodity, iso3, year):
    return con.execute(
        "SELECT value, unit, quantity_t, basis, measure, type FROM production "
        "WHERE commodity=? AND country=? AND year=?",
        [commodity, iso3, year],
    ).fetchone()


def test_published_figures(loaded):
    con, report = loaded
    assert report.rows["production"] > 9_000
    assert _row(con, "rare-earths", "CHN", 2024) == (
        270_000.0, "metr. t", 270_000.0, "REO", "mine", "Rare Earths (REO)",
    )  # fmt: skip
    assert _row(con, "rare-earths", "CHN", 2023)[0] == 255_000.0
    # WMD says 270 t for Pakistan antimony 2024 where USGS MCS 2025 says 250 t: kept as WMD's
    assert _row(con, "antimony", "PAK", 2024)[:4] == (270.0, "metr. t", 270.0, "contained")
    assert _row(con, "antimony", "PAK", 2023)[0] == 40.0


def test_kg_converted_to_tonnes_and_estimates_flagged(loaded):
    con, _ = loaded
    gold = con.execute(
        "SELECT value, unit, quantity_t FROM production WHERE commodity='gold' LIMIT 1"
    ).fetchone()
    assert gold[1] == "kg"
    assert gold[2] == pytest.approx(gold[0] / 1000)
    source = pd.read_csv(WMD, keep_default_na=False)
    estimated = con.execute("SELECT count(*) FROM production WHERE estimated").fetchone()[0]
    assert 0 < estimated <= (source["data_source"] == "e").sum()


def test_mapping_covers_every_wmd_name_and_skips_have_reasons():
    mapping = wmd.wmd_mapping()
    names = set(pd.read_csv(WMD, keep_default_na=False)["commodity"])
    assert names <= set(mapping)
    for entry in mapping.values():
        if entry.commodity == wmd.SKIP:
            assert entry.note, entry.wmd_commodity
        else:
            assert resolve_commodity(entry.commodity) == entry.commodity, entry.wmd_commodity


def test_only_skipped_commodities_are_missing(loaded):
    con, _ = loaded
    kept = {r[0] for r in con.execute("SELECT DISTINCT type FROM production").fetchall()}
    skipped = {n for n, e in wmd.wmd_mapping().items() if e.commodity == wmd.SKIP}
    names = set(pd.read_csv(WMD, keep_default_na=False)["commodity"])
    assert kept | skipped == names
    assert not kept & skipped


def _broken_copy(tmp_path, old, new):
    text = WMD.read_text("utf-8")
    assert old in text
    path = tmp_path / WMD.name
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def test_broken_value_names_row_and_column_and_loads_nothing(tmp_path):
    path = _broken_copy(
        tmp_path, "Antimony,Pakistan,586,PAK,2024,270.0", "Antimony,Pakistan,586,PAK,2024,lots"
    )
    line = next(i for i, s in enumerate(path.read_text("utf-8").splitlines(), 1) if "lots" in s)
    con = duckdb.connect()
    create_tables(con)
    with pytest.raises(InputError) as err, transaction(con):
        wmd.load(con, path, "wmd-test")
    assert (err.value.source, err.value.row, err.value.field) == (str(path), line, "value")
    assert con.execute("SELECT count(*) FROM production").fetchone() == (0,)


def test_unmapped_wmd_commodity_is_an_error(tmp_path):
    path = _broken_copy(tmp_path, "Antimony,Pakistan", "Unobtainium,Pakistan")
    with pytest.raises(InputError, match="Unobtainium"):
        wmd.parse_wmd(wmd.read_wmd(path), source=str(path))
