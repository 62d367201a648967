"""Native BACI CSV and HS17 extract loaders: units, codes, and all-or-nothing errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orechain.atlas.ingest import baci
from orechain.atlas.sources import data_dir
from orechain.atlas.store import Atlas, create_tables, transaction
from orechain.errors import InputError

TINY = (
    "t,i,j,k,v,q\n"
    "2022,156,842,284690,1234.5,10.25\n"
    "2022,392,842,10111,0.601,         NA\n"
    "2022,490,586,811010,2,\n"
)


@pytest.fixture
def atlas(con: duckdb.DuckDBPyConnection) -> Atlas:
    """An empty atlas (the loader tests' own; shadows the session atlas)."""
    return Atlas(con)


def write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def trade(atlas: Atlas) -> pd.DataFrame:
    return atlas.query("SELECT * FROM trade ORDER BY hs6")


@pytest.mark.parametrize("name", ["BACI_HS17_Y2022_V202601.csv", "BACI_HS17_Y2022_V202601.csv.gz"])
def test_tiny_native_file_ingests(atlas: Atlas, tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, TINY)
    report = atlas.ingest("baci", path, "test-baci")
    assert report.rows == {"trade": 3}
    rows = trade(atlas)
    assert rows["hs6"].tolist() == ["010111", "284690", "811010"]
    assert rows["reporter"].tolist() == ["JPN", "CHN", "TWN"]
    assert rows["partner"].tolist() == ["USA", "USA", "PAK"]
    assert set(rows["flow"]) == {"export"}
    assert set(rows["nomenclature"]) == {"HS17"}
    assert rows["value_usd"].tolist() == pytest.approx([601.0, 1_234_500.0, 2000.0])
    assert rows["quantity_kg"].iloc[1] == pytest.approx(10_250.0)
    assert rows["quantity_kg"].iloc[[0, 2]].isna().all()
    assert set(rows["year"]) == {2022}
    assert set(rows["source_id"]) == {"test-baci"}


def test_broken_row_names_file_row_and_column_and_loads_nothing(
    atlas: Atlas, tmp_path: Path
) -> None:
    broken = TINY.replace("2022,490,586,811010,2,", "2022,490,586,811010,abc,")
    path = write(tmp_path / "BACI_HS17_Y2022_V202601.csv", broken)
    with pytest.raises(InputError) as info:
        atlas.ingest("baci", path, "test-baci")
    err = info.value
    assert (err.source, err.row, err.field) == (str(path), 4, "v")
    assert "abc" in str(err)
    assert "row 4" in str(err)
    assert "'v'" in str(err)
    assert trade(atlas).empty


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ("2022,999,842,284690,1,1", "i", "unknown BACI country code 999"),
        ("2022,156,9999,284690,1,1", "j", "unknown BACI country code 9999"),
        ("2022,156,842,2846A0,1,1", "k", "HS code"),
        ("2022,156,842,284690,1,-3", "q", "non-negative"),
        ("22x,156,842,284690,1,1", "t", "year"),
        ("2022,156,842,284690,,1", "v", "non-negative"),
        ("2022,156,842,284690,1", None, "expected 6 fields"),
    ],
)
def test_each_bad_cell_is_reported(
    atlas: Atlas, tmp_path: Path, line: str, field: str | None, reason: str
) -> None:
    path = write(tmp_path / "BACI_HS92_Y2022_V202401b.csv", TINY + line + "\n")
    with pytest.raises(InputError, match=reason) as info:
        atlas.ingest("baci", path, "test-baci")
    assert (info.value.row, info.value.field) == (5, field)
    assert trade(atlas).empty


def test_bad_header_is_row_1(atlas: Atlas, tmp_path: Path) -> None:
    path = write(tmp_path / "BACI_HS92_Y2022.csv", TINY.replace("t,i,j", "year,i,j"))
    with pytest.raises(InputError, match="header") as info:
        atlas.ingest("baci", path, "x")
    assert info.value.row == 1


def test_nomenclature_from_name_or_parameter(tmp_path: Path) -> None:
    assert baci.nomenclature_from_name(Path("BACI_HS92_Y2022_V202401b.csv.gz")) == "HS92"
    assert baci.nomenclature_from_name(Path("trade.csv")) is None
    con = duckdb.connect()
    create_tables(con)
    path = write(tmp_path / "trade.csv", TINY)
    with pytest.raises(InputError, match="nomenclature"):
        baci.load(con, path, "x")
    baci.load(con, path, "x", nomenclature="HS22")
    assert con.execute("SELECT DISTINCT nomenclature FROM trade").fetchall() == [("HS22",)]


def test_country_table_next_to_the_file_wins(atlas: Atlas, tmp_path: Path) -> None:
    table = "country_code,country_name,country_iso2,country_iso3\n156,China,CN,CHN\n"
    table += "842,USA,US,USA\n392,Japan,JP,JPN\n490,Other Asia nes,,S19\n586,Pakistan,PK,PAK\n"
    table += "999,Testland,TL,TST\n"
    (tmp_path / "country_codes_V209901.csv").write_text(table, encoding="utf-8")
    path = write(tmp_path / "BACI_HS17_Y2022.csv", TINY + "2022,999,842,284690,1,1\n")
    atlas.ingest("baci", path, "x")
    assert "TST" in set(trade(atlas)["reporter"])


def test_bundled_extract_matches_parquet(atlas: Atlas) -> None:
    path = data_dir() / "baci_hs17_extract" / "trade.parquet"
    report = atlas.ingest("baci-extract", path, "cepii-baci-hs17-extract")
    raw = pd.read_parquet(path)
    assert report.rows == {"trade": len(raw)} == {"trade": 21_723}
    antimony = raw[raw["hs6"] == "811010"]
    expected = antimony.groupby("exporter")["value_kusd"].sum() / antimony["value_kusd"].sum()
    got = atlas.query(
        "SELECT reporter, sum(value_usd) AS v FROM trade WHERE hs6 = '811010' GROUP BY reporter"
    ).set_index("reporter")["v"]
    assert (got / got.sum())["TJK"] == pytest.approx(expected["TJK"])
    assert expected["TJK"] == pytest.approx(0.311, abs=5e-4)  # PROVENANCE.md sample fact
    assert "S19" not in set(got.index)


def test_extract_bad_row_names_record(atlas: Atlas, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "year": [2024, 2024],
            "exporter": ["CHN", "USA"],
            "importer": ["USA", "CHN"],
            "hs6": ["811010", "8110"],
            "value_kusd": [1.0, 2.0],
            "qty_t": [1.0, None],
        }
    )
    path = tmp_path / "trade.parquet"
    frame.to_parquet(path)
    with pytest.raises(InputError) as info:
        atlas.ingest("baci-extract", path, "x")
    assert (info.value.row, info.value.field) == (2, "hs6")
    assert trade(atlas).empty


def test_loader_runs_inside_callers_transaction(tmp_path: Path) -> None:
    con = duckdb.connect()
    create_tables(con)
    good = write(tmp_path / "BACI_HS17_a.csv", TINY)
    bad = write(tmp_path / "BACI_HS17_b.csv", TINY + "2022,156,842,284690,x,1\n")

    def both() -> None:
        with transaction(con):
            baci.load(con, good, "a")
            baci.load(con, bad, "b")

    with pytest.raises(InputError):
        both()
    assert con.execute("SELECT count(*) FROM trade").fetchone() == (0,)
