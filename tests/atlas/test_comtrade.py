"""UN Comtrade API CSV loader: codes, flows, totals, duplicates and errors."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orechain.atlas.ingest import comtrade
from orechain.atlas.store import Atlas
from orechain.errors import InputError

FOLDER = Path(__file__).resolve().parents[1] / "data" / "un_comtrade_cmm"
COLS = (
    "refYear,reporterCode,flowCode,partnerCode,partner2Code,classificationCode,cmdCode,"
    "customsCode,mosCode,motCode,qtyUnitCode,qty,netWgt,primaryValue"
)


@pytest.fixture
def atlas(con: duckdb.DuckDBPyConnection) -> Atlas:
    """An empty atlas (the loader tests' own; shadows the session atlas)."""
    return Atlas(con)


def write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([COLS, *rows]) + "\n", encoding="utf-8")
    return path


def test_bundled_folder_loads_with_duplicates_and_breakdowns_removed(atlas: Atlas) -> None:
    report = atlas.ingest("comtrade", FOLDER, "un-comtrade-cmm")
    raw = pd.concat([pd.read_csv(f, dtype=str) for f in sorted(FOLDER.glob("*.csv"))])
    totals = raw[raw["motCode"] == "0"]
    keys = ["refYear", "reporterCode", "flowCode", "partnerCode", "cmdCode"]
    assert report.rows["trade"] == len(totals.drop_duplicates(keys)) == 587
    assert any("80 exact duplicate" in w for w in report.warnings)
    assert any("breakdown" in w for w in report.warnings)
    got = atlas.query("SELECT DISTINCT flow FROM trade ORDER BY flow")["flow"].tolist()
    assert got == ["export", "import"]


def test_us_rare_earth_imports_from_china_match_raw_rows(atlas: Atlas) -> None:
    atlas.ingest("comtrade", FOLDER / "light_ree_trade_data.csv", "x")
    with (FOLDER / "light_ree_trade_data.csv").open(encoding="utf-8") as fh:
        raw = [
            r
            for r in csv.DictReader(fh)
            if (r["refYear"], r["reporterCode"], r["flowCode"], r["partnerCode"], r["cmdCode"])
            == ("2022", "842", "M", "156", "2846")
        ]
    assert len(raw) == 1
    row = atlas.query(
        "SELECT * FROM trade WHERE year = 2022 AND reporter = 'USA' AND partner = 'CHN' "
        "AND flow = 'import' AND hs6 = '2846'"
    ).iloc[0]
    assert row["value_usd"] == float(raw[0]["primaryValue"])
    assert row["quantity_kg"] == float(raw[0]["netWgt"])
    assert row["nomenclature"] == raw[0]["classificationCode"]
    world = atlas.query("SELECT count(*) AS n FROM trade WHERE partner = 'WLD'")["n"].iloc[0]
    assert world > 0


def test_zero_net_weight_falls_back_to_kg_quantity(atlas: Atlas, tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        "2020,842,M,0,0,H5,7402,C00,0,0,8,282303.0,0.0,2101337.0",
        "2020,842,X,0,0,H5,7402,C00,0,0,-1,0.0,0.0,5.0",
    )
    atlas.ingest("comtrade", path, "x")
    got = atlas.query("SELECT flow, quantity_kg FROM trade ORDER BY flow")
    assert got["quantity_kg"].iloc[0] is None or pd.isna(got["quantity_kg"].iloc[0])
    assert got["quantity_kg"].iloc[1] == 282303.0


def test_conflicting_duplicate_is_an_error_and_loads_nothing(atlas: Atlas, tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        "2020,842,M,156,0,H5,2846,C00,0,0,8,1,1,100",
        "2020,842,M,156,0,H5,2846,C00,0,0,8,1,1,100",
        "2020,842,M,156,0,H5,2846,C00,0,0,8,1,1,999",
    )
    with pytest.raises(InputError, match="conflicting duplicate") as info:
        atlas.ingest("comtrade", path, "x")
    assert (info.value.source, info.value.row) == (str(path), 4)
    assert atlas.query("SELECT * FROM trade").empty


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("2020,12345,M,156,0,H5,2846,C00,0,0,8,1,1,100", "reporterCode", "unknown M49"),
        ("2020,842,M,156,0,H5,2846,C00,0,0,8,1,1,abc", "primaryValue", "abc"),
        ("2020,842,M,156,0,H5,2846,C00,0,0,8,1,-5,100", "netWgt", "non-negative"),
    ],
)
def test_bad_cells_name_row_and_column(
    atlas: Atlas, tmp_path: Path, row: str, field: str, reason: str
) -> None:
    path = write(tmp_path / "c.csv", "2020,842,X,0,0,H5,2846,C00,0,0,8,1,1,100", row)
    with pytest.raises(InputError, match=reason) as info:
        atlas.ingest("comtrade", path, "x")
    assert (info.value.row, info.value.field) == (3, field)
    assert atlas.query("SELECT * FROM trade").empty


def test_missing_column_and_other_flows(atlas: Atlas, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("refYear,reporterCode\n2020,842\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        atlas.ingest("comtrade", bad, "x")
    path = write(tmp_path / "c.csv", "2020,842,RX,0,0,H5,2846,C00,0,0,8,1,1,100")
    with pytest.raises(InputError, match="found no rows"):  # only re-exports: nothing to load
        atlas.ingest("comtrade", path, "y")
    report = atlas.ingest("comtrade", path, "y", force=True)
    assert report.rows == {"trade": 0}
    assert any("RX" in w for w in report.warnings)


def test_m49_codes() -> None:
    assert comtrade.m49_to_iso3(0) == "WLD"
    assert comtrade.m49_to_iso3(842) == "USA"
    assert comtrade.m49_to_iso3(699) == "IND"
    assert comtrade.m49_to_iso3(490) == "TWN"
    assert comtrade.m49_to_iso3(12345) is None
