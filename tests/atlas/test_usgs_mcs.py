"""USGS MCS world files: every vintage loads, figures match the source rows, bad input fails."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orechain.atlas import store
from orechain.atlas.ingest import usgs_mcs
from orechain.atlas.ingest.usgs_mcs import ValueColumn, basis_of, decode_column, measure_of
from orechain.atlas.sources import data_dir
from orechain.errors import InputError

DATA = data_dir()
VINTAGES = (2022, 2023, 2024, 2025)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory atlas holding every bundled USGS vintage's world data, under its source id.

    2022 is loaded as its whole mixed folder (world and salient files side by side); the
    salient and industry-trends folders of later vintages are usgs_salient's to test.
    """
    connection = duckdb.connect()
    store.create_tables(connection)
    for vintage in VINTAGES:
        path = DATA / f"usgs_mcs{vintage}" / ("" if vintage == 2022 else "world")
        with store.transaction(connection):
            usgs_mcs.load(connection, path, f"usgs-mcs-{vintage}")
    yield connection
    connection.close()


def value(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> object:
    rows = con.execute(sql, params).fetchall()
    assert len(rows) == 1, rows
    return rows[0][0]


PRODUCTION = (
    "SELECT quantity_t FROM production WHERE source_id = ? AND commodity = ? AND measure = ? "
    "AND country = ? AND year = ?"
)


@pytest.mark.parametrize("vintage", VINTAGES)
def test_every_vintage_loads(con: duckdb.DuckDBPyConnection, vintage: int) -> None:
    sid = f"usgs-mcs-{vintage}"
    n = value(con, "SELECT count(*) FROM production WHERE source_id = ?", [sid])
    assert isinstance(n, int)
    assert n > 300
    if vintage > 2022:  # the 2022 files have no reserves column
        assert value(con, "SELECT count(*) FROM reserves WHERE source_id = ?", [sid]) > 300


def test_mixed_2022_folder_sends_salient_files_to_their_loader(
    con: duckdb.DuckDBPyConnection,
) -> None:
    if importlib.util.find_spec("orechain.atlas.ingest.usgs_salient") is None:
        pytest.skip("usgs_salient not installed yet")
    assert value(con, "SELECT count(*) FROM salient WHERE source_id = 'usgs-mcs-2022'", []) > 0


def test_classify_file() -> None:
    assert usgs_mcs.classify_file(Path("x/world/MCS2025_World_Data.csv")) == "world"
    assert usgs_mcs.classify_file(Path("copper_mcs2022-coppe_world.csv")) == "world"
    assert usgs_mcs.classify_file(Path("MCS2024-bismu_salient.csv")) == "salient"
    assert usgs_mcs.classify_file(Path("MCS2024_T5_Critical_Minerals_Salient.csv")) == "trends"
    assert usgs_mcs.classify_file(Path("world/mcs2024-antim_meta.xml")) is None


def test_rare_earths_2024_from_mcs2025(con: duckdb.DuckDBPyConnection) -> None:
    args = ["usgs-mcs-2025", "rare-earths", "mine"]
    assert value(con, PRODUCTION, [*args, "CHN", 2024]) == 270_000
    assert value(con, PRODUCTION, [*args, "WORLD", 2024]) == 390_000
    basis = con.execute(
        "SELECT DISTINCT basis, unit, estimated FROM production WHERE source_id = ? "
        "AND commodity = 'rare-earths' AND year = 2024",
        ["usgs-mcs-2025"],
    ).fetchall()
    assert basis == [("REO", "metric tons", True)]


def test_pakistan_antimony_from_mcs2025(con: duckdb.DuckDBPyConnection) -> None:
    assert value(con, PRODUCTION, ["usgs-mcs-2025", "antimony", "mine", "PAK", 2024]) == 250
    reserves = value(
        con,
        "SELECT quantity_t FROM reserves WHERE source_id = 'usgs-mcs-2025' "
        "AND commodity = 'antimony' AND country = 'PAK'",
        [],
    )
    assert reserves == 26_000


def test_copper_has_mine_and_refinery_measures(con: duckdb.DuckDBPyConnection) -> None:
    measures = con.execute(
        "SELECT DISTINCT measure, basis, unit FROM production WHERE source_id = 'usgs-mcs-2025' "
        "AND commodity = 'copper' ORDER BY 1"
    ).fetchall()
    assert measures == [
        ("mine", "contained", "thousand metric tons"),
        ("refinery", "gross", "thousand metric tons"),
    ]
    chile = value(con, PRODUCTION, ["usgs-mcs-2025", "copper", "mine", "CHL", 2024])
    assert chile == 5_300_000  # 5,300 kt, stored in t


def test_revised_figures_are_kept_with_their_vintage(con: duckdb.DuckDBPyConnection) -> None:
    china = ["antimony", "mine", "CHN", 2023]
    assert value(con, PRODUCTION, ["usgs-mcs-2024", *china]) == 40_000
    assert value(con, PRODUCTION, ["usgs-mcs-2025", *china]) == 62_300


def test_qualifiers_flags_and_units(con: duckdb.DuckDBPyConnection) -> None:
    russia = con.execute(
        "SELECT country, note FROM production WHERE country_name = 'Russia (recoverable)'"
    ).fetchall()
    assert russia
    assert all(c == "RUS" and "recoverable" in n for c, n in russia)
    bound = con.execute(
        "SELECT value, qualifier FROM reserves WHERE source_id = 'usgs-mcs-2025' "
        "AND qualifier = '>' LIMIT 1"
    ).fetchone()
    assert bound is not None
    assert bound[0] > 0
    iron = value(
        con,
        "SELECT DISTINCT unit FROM reserves WHERE source_id = 'usgs-mcs-2025' "
        "AND commodity = 'iron-ore' AND country = 'AUS' AND type LIKE '%usable%'",
        [],
    )
    assert iron == "million metric tons"  # stated in the reserves note, not in UNIT_MEAS
    assert value(con, "SELECT count(*) FROM production WHERE country = 'USA_CAN'", []) > 0


KT = "thousand metric tons"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Prod_t_est_2022", ("prod", "metric tons", True, 2022, None)),
        ("Prod_kt_Est_2021", ("prod", KT, True, 2021, None)),
        ("PROD_EST_ 2024", ("prod", None, True, 2024, None)),
        ("CAP_2023", ("cap", None, False, 2023, None)),
        ("Reserves_kt", ("reserves", KT, False, None, None)),
        ("Reserves_Mt", ("reserves", "million metric tons", False, None, None)),
        ("Cap_Sponge_t_2023", ("cap", "metric tons", False, 2023, "Sponge")),
        ("Reserves_ore_K2O_equiv_kt", ("reserves", KT, False, None, "ore K2O equiv")),
        ("Prod_note", "prod"),
        ("RESERVE_NOTES", "reserves"),
        ("Country", None),
    ],
)
def test_decode_column(header: str, expected: tuple[object, ...] | str | None) -> None:
    if isinstance(expected, tuple):
        assert decode_column(header) == ValueColumn(header, *expected)
    else:
        assert decode_column(header) == expected


@pytest.mark.parametrize(
    ("type_text", "measure", "basis"),
    [
        ("Mine production, rare-earth-oxide equivalent", "mine", "REO"),
        ("Refinery production, copper", "refinery", "gross"),
        ("Mine production, recoverable copper content", "mine", "contained"),
        ("Iron ore - mine production - usable ore -thousand metric tons", "mine", "gross"),
        ("Smelter production, aluminum", "smelter", "gross"),
        ("Plant capacity, fused aluminum oxide", "plant", "gross"),
        ("Mine production, magnesite - gross weight", "mine", "gross"),
        ("Refinery production, alumina - calcined equivalent weights", "refinery", "gross"),
        ("Mine production, potassium oxide (K2O) equivalent", "mine", "contained"),
        ("Primary production", "plant", "gross"),
    ],
)
def test_type_rules(type_text: str, measure: str, basis: str) -> None:
    assert (measure_of(type_text), basis_of(type_text)) == (measure, basis)


def broken_copy(tmp_path: Path, line: int, old: str, new: str) -> Path:
    """A copy of MCS2024's antimony and copper world files, one antimony cell broken."""
    folder = tmp_path / "usgs_mcs2024" / "world"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "usgs_mcs2024" / "world" / "mcs2024-coppe_world.csv", folder)
    source = DATA / "usgs_mcs2024" / "world" / "mcs2024-antim_world.csv"
    lines = source.read_bytes().split(b"\n")
    assert old.encode() in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old.encode(), new.encode(), 1)
    target = folder / source.name
    target.write_bytes(b"\n".join(lines))
    return target


def empty_atlas() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    store.create_tables(connection)
    return connection


def load_all_or_nothing(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    with store.transaction(con):
        usgs_mcs.load(con, path, "usgs-mcs-test")


def test_broken_cell_names_file_row_and_column_and_loads_nothing(tmp_path: Path) -> None:
    target = broken_copy(tmp_path, 14, ",79,", ",12x4,")  # Pakistan, Prod_t_2022
    con = empty_atlas()
    with pytest.raises(InputError) as info:
        load_all_or_nothing(con, target.parent.parent)
    message = str(info.value)
    assert "mcs2024-antim_world.csv" in message
    assert "row 14" in message
    assert "column 'Prod_t_2022'" in message
    assert "12x4" in message
    for table in ("production", "reserves"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_unknown_country_is_named_and_loads_nothing(tmp_path: Path) -> None:
    target = broken_copy(tmp_path, 14, "Pakistan", "Atlantis")
    con = empty_atlas()
    with pytest.raises(
        InputError, match=r"row 14, column 'Country': unknown country name 'Atlantis'"
    ):
        load_all_or_nothing(con, target)
    assert con.execute("SELECT count(*) FROM production").fetchone() == (0,)


def test_single_file_and_vintage_from_the_path(tmp_path: Path) -> None:
    target = broken_copy(tmp_path, 14, "Pakistan", "Pakistan")
    con = empty_atlas()
    load_all_or_nothing(con, target)
    years = con.execute("SELECT DISTINCT year FROM reserves").fetchall()
    assert years == [(2023,)]  # MCS2024 reserves without a year refer to 2023
    assert usgs_mcs.vintage_of(target) == 2024


def test_unrecognised_column_is_rejected(tmp_path: Path) -> None:
    target = broken_copy(tmp_path, 1, "Reserves_t", "Stock_t")
    with pytest.raises(InputError, match="row 1, column 'Stock_t': unrecognised column"):
        load_all_or_nothing(empty_atlas(), target)
