"""USGS salient statistics and the net-import-reliance figure, checked against source rows."""

from __future__ import annotations

import shutil

import pytest

from orechain.atlas.ingest.usgs_salient import (
    decode_column,
    fig2_commodity,
    load_salient_file,
    load_trends_file,
)
from orechain.atlas.sources import data_dir
from orechain.atlas.store import transaction
from orechain.errors import InputError

MCS2025 = data_dir() / "usgs_mcs2025"
SALIENT_2025 = MCS2025 / "salient"
FIG2_2025 = MCS2025 / "industry_trends" / "MCS2025_Fig2_Net_Import_Reliance.csv"


def _load(con, loader, path, source_id="usgs-mcs-2025"):
    with transaction(con):
        return loader(con, path, source_id)


def _salient(con, commodity, year, item):
    return con.execute(
        "SELECT value, unit, flag, variable FROM salient WHERE commodity=? AND year=? AND item=?",
        [commodity, year, item],
    ).fetchone()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("USprod_Mine_t", ("us_production", "t")),
        ("Imports_Ores_kt", ("imports", "kt")),
        ("Price_US_ctslb", ("price", "USc/lb")),
        ("Price_Metal_dlb", ("price", "USD/lb")),
        ("Price_Nd2O3_dkg", ("price", "USD/kg")),
        ("NIR_pct", ("net_import_reliance", "pct")),
        ("NIR_Compounds-Metals_t", ("net_import_reliance", "pct")),
        ("Employment_m", ("employment", "number")),
        ("Employment_", ("employment", "number")),
        ("Stocks_kt", ("stocks", "kt")),
        ("Consump_Apparent_kt", ("consumption", "kt")),
        ("Bauxite_NIR_pct", ("net_import_reliance", "pct")),
        ("HPQPrice_dt", ("price", "USD/t")),
        ("USprod_Minet", ("us_production", "t")),
        ("Imports_Usedkt", ("imports", "kt")),
        ("Alumina_Price_kt", ("price", None)),
        ("Price_dt dlb (both used)", ("price", None)),
        ("Shipments_Gov_t", ("other", "t")),
        ("Price_Platinum_dto", ("price", "USD/troy oz")),
        ("Granite_Prod_value_mdol", ("us_production", "million USD")),
    ],
)
def test_decode_column(name, expected):
    assert decode_column(name) == expected


def test_antimony_2025_salient_matches_source_rows(con):
    report = _load(con, load_salient_file, SALIENT_2025 / "mcs2025-antim_salient.csv")
    assert report.rows == {"salient": 5 * 16}
    assert _salient(con, "antimony", 2024, "NIR_pct") == (85.0, "pct", None, "net_import_reliance")
    assert _salient(con, "antimony", 2024, "Price_Metal_dlb") == (9.5, "USD/lb", None, "price")
    assert _salient(con, "antimony", 2024, "Consump_t") == (24000.0, "t", None, "consumption")
    assert _salient(con, "antimony", 2022, "USprod_Smelter-primary_t")[2] == "W"


def test_rare_earths_and_copper_markers(con):
    _load(con, load_salient_file, SALIENT_2025 / "mcs2025-rareee_salient.csv")
    _load(con, load_salient_file, SALIENT_2025 / "mcs2025-coppe_salient.csv")
    assert _salient(con, "rare-earths", 2024, "NIR_Compounds-Metals_t")[:3] == (80.0, "pct", None)
    assert _salient(con, "rare-earths", 2023, "NIR_Compounds-Metals_t")[:3] == (95.0, "pct", ">")
    assert _salient(con, "rare-earths", 2024, "NIR_Concentrate_t")[2] == "E"
    assert _salient(con, "copper", 2024, "NIR_pct")[0] == 45.0
    # "Less than ½ unit." for 2024 copper ore imports: no number, a flag
    value, unit, flag, _ = _salient(con, "copper", 2024, "Imports_Ores_kt")
    assert (value, unit, flag) == (None, "kt", "<0.5")


def test_file_code_variants_resolve(con):
    # 2024 uses 'raree', 2025 'rareee'; 2022 file names carry a prefix
    _load(con, load_salient_file, data_dir() / "usgs_mcs2024/salient/mcs2024-raree_salient.csv")
    path = data_dir() / "usgs_mcs2022/world_salient/rare_earths_mcs2022-raree_salient.csv"
    _load(con, load_salient_file, path, "usgs-mcs-2022")
    got = con.execute("SELECT DISTINCT commodity FROM salient").fetchall()
    assert got == [("rare-earths",)]
    # thousands separator in quotes: "7,900" (MCS2024 rare earths consumption 2021)
    assert _salient(con, "rare-earths", 2021, "Consump_Compounds-Metals_t")[0] in (7900.0, 6100.0)


def test_world_layout_misnamed_as_salient_is_skipped(con):
    report = _load(
        con, load_salient_file, data_dir() / "usgs_mcs2024/salient/mcs2024-cobal_salient.csv"
    )
    assert report.rows == {}
    assert "not a salient-statistics layout" in report.warnings[0]


def test_every_bundled_salient_file_loads(con):
    paths = sorted(data_dir().glob("usgs_mcs20*/**/*_salient.csv"))
    assert len(paths) > 250
    with transaction(con):
        for path in paths:
            load_salient_file(con, path, f"usgs-mcs-{path.parts[-3][-4:]}")
    count = con.execute("SELECT count(*) FROM salient").fetchone()[0]
    assert count > 14_000


def test_fig2_net_import_reliance_and_import_sources(con):
    report = _load(con, load_trends_file, FIG2_2025)
    unknown = [w for w in report.warnings if "not in the catalogue" in w]
    assert report.rows["salient"] + len(unknown) == 64  # cesium, rubidium: not catalogued yet
    nir = dict(
        con.execute(
            "SELECT commodity, value FROM salient WHERE item LIKE 'Fig2: %' AND year = 2024"
        ).fetchall()
    )
    assert nir["antimony"] == 85.0
    assert nir["rare-earths"] == 80.0
    assert nir["copper"] == 45.0
    sources = con.execute(
        "SELECT rank, country, period FROM us_import_sources "
        "WHERE commodity = 'antimony' ORDER BY rank"
    ).fetchall()
    assert sources == [(1, "CHN", "2020-23"), (2, "BEL", "2020-23"), (3, "IND", "2020-23"),
                       (4, "BOL", "2020-23")]  # fmt: skip
    # 'China3' (footnote digit glued on, aluminum row) is China
    alu = con.execute("SELECT country FROM us_import_sources WHERE commodity='aluminum'").fetchall()
    assert ("CHN",) in alu


def test_fig2_bounds_and_regions(con):
    path = data_dir() / "usgs_mcs2023/industry_trends/MCS2023_Fig2_Net_Import_Reliance.csv"
    report = _load(con, load_trends_file, path, "usgs-mcs-2023")
    row = con.execute(
        "SELECT value, flag FROM salient WHERE commodity='rare-earths' AND item LIKE 'Fig2: %'"
    ).fetchone()
    assert row == (95.0, ">")
    assert any("region 'Europe'" in w for w in report.warnings)


def test_other_trend_files_are_skipped_with_a_warning(con):
    path = MCS2025 / "industry_trends" / "MCS2025_Fig3_Major_Import_Sources.csv"
    report = _load(con, load_trends_file, path)
    assert report.rows == {}
    assert report.warnings


def test_fig2_commodity_names():
    assert fig2_commodity("RARE EARTHS, compounds and metals") == "rare-earths"
    assert fig2_commodity("DIAMOND (INDUSTRIAL), stones") == "diamond-industrial"
    assert fig2_commodity("PLATINUM") == "platinum-group-metals"
    assert fig2_commodity("NOT A MINERAL") is None


def test_broken_cell_names_file_row_column_and_loads_nothing(con, tmp_path):
    source = SALIENT_2025 / "mcs2025-antim_salient.csv"
    broken = tmp_path / source.name
    text = source.read_bytes().decode("utf-8-sig")
    broken.write_text(text.replace(",9.5,85", ",9.5,eighty-five"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        _load(con, load_salient_file, broken)
    assert err.value.source == str(broken)
    assert (err.value.row, err.value.field) == (6, "NIR_pct")
    assert "eighty-five" in str(err.value)
    assert con.execute("SELECT count(*) FROM salient").fetchone() == (0,)


def test_unknown_commodity_code_names_the_file(con, tmp_path):
    source = SALIENT_2025 / "mcs2025-antim_salient.csv"
    odd = tmp_path / "mcs2025-unobt_salient.csv"
    shutil.copy(source, odd)
    odd.write_text(odd.read_text("utf-8-sig").replace("Antimony", "Unobtainium"), "utf-8")
    with pytest.raises(InputError, match="unknown commodity") as err:
        _load(con, load_salient_file, odd)
    assert err.value.source == str(odd)
    assert con.execute("SELECT count(*) FROM salient").fetchone() == (0,)


def test_broken_fig2_loads_nothing(con, tmp_path):
    broken = tmp_path / FIG2_2025.name
    text = FIG2_2025.read_bytes().decode("utf-8-sig")
    broken.write_text(
        text.replace('"China, Belgium, India, Bolivia"', '"China, Atlantis"'), "utf-8"
    )
    with pytest.raises(InputError, match="Atlantis") as err:
        _load(con, load_trends_file, broken)
    assert err.value.row == 25
    assert con.execute("SELECT count(*) FROM salient").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM us_import_sources").fetchone() == (0,)
