"""U.S. net import reliance and import sources, against the USGS MCS source rows."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orechain.atlas.ingest.usgs_salient import load_salient_file, load_trends_file
from orechain.atlas.schema import SALIENT
from orechain.atlas.sources import data_dir
from orechain.atlas.store import Atlas, create_tables, insert_frame, transaction
from orechain.risk.import_reliance import (
    compute_net_import_reliance,
    net_import_reliance,
    us_import_sources,
    vintage,
)

CODES = {2023: ("antim", "raree", "coppe"), 2024: ("antim", "raree", "coppe"),
         2025: ("antim", "rareee", "coppe")}  # fmt: skip


@pytest.fixture(scope="module")
def mcs_atlas():
    """Salient files and Figure 2 of three vintages for antimony, rare earths and copper."""
    con = duckdb.connect()
    create_tables(con)
    with transaction(con):
        for year, codes in CODES.items():
            folder = data_dir() / f"usgs_mcs{year}"
            for code in codes:
                path = folder / "salient" / f"mcs{year}-{code}_salient.csv"
                load_salient_file(con, path, f"usgs-mcs-{year}")
            fig2 = folder / "industry_trends" / f"MCS{year}_Fig2_Net_Import_Reliance.csv"
            load_trends_file(con, fig2, f"usgs-mcs-{year}")
    yield Atlas(con)
    con.close()


@pytest.mark.parametrize(
    ("commodity", "year", "value", "flag", "item"),
    [
        ("antimony", 2024, 85.0, None, "NIR_pct"),
        ("rare earths", 2024, 80.0, None, "NIR_Compounds-Metals_t"),
        ("copper", 2024, 45.0, None, "NIR_pct"),
        ("rare-earths", 2023, 95.0, ">", "NIR_Compounds-Metals_t"),
        ("copper", 2022, 41.0, None, "NIR_pct"),
    ],
)
def test_published_values_from_the_latest_vintage(mcs_atlas, commodity, year, value, flag, item):
    nir = net_import_reliance(mcs_atlas, commodity, year)
    assert (nir.value_pct, nir.flag, nir.item) == (value, flag, item)
    assert nir.source_id == "usgs-mcs-2025"
    assert nir.method == "published"


def test_revised_values_come_from_the_latest_vintage(mcs_atlas):
    # antimony 2023: MCS2024 published 82 (Figure 2); MCS2025 revised the salient value to 83
    assert net_import_reliance(mcs_atlas, "antimony", 2023).value_pct == 83.0
    # rare earths 2019 is only in the 2023 and 2024 vintages (2024 wins)
    nir = net_import_reliance(mcs_atlas, "rare-earths", 2019)
    assert (nir.value_pct, nir.source_id) == (100.0, "usgs-mcs-2024")


def test_us_import_sources(mcs_atlas):
    sources = us_import_sources(mcs_atlas, "antimony")
    assert [s.iso3 for s in sources] == ["CHN", "BEL", "IND", "BOL"]
    assert {(s.period, s.source_id, s.share) for s in sources} == {
        ("2020-23", "usgs-mcs-2025", None)
    }
    assert [s.iso3 for s in us_import_sources(mcs_atlas, "REE")] == ["CHN", "MYS", "JPN", "EST"]
    assert us_import_sources(mcs_atlas, "gold") == []


def _salient_rows(rows):
    cols = ["commodity", "year", "variable", "item", "value", "unit", "flag", "source_id"]
    return pd.DataFrame(rows, columns=cols)


@pytest.fixture
def small_atlas():
    con = duckdb.connect()
    create_tables(con)
    yield Atlas(con)
    con.close()


def test_computed_when_nothing_is_published(small_atlas):
    # (imports − exports + stock drawdown) / apparent consumption = (100 − 20 + 10) / 200 = 45 %
    rows = [
        ("antimony", 2024, "imports", "Imports_Ore_t", 60.0, "t", None, "usgs-mcs-2025"),
        ("antimony", 2024, "imports", "Imports_Metal_kt", 0.04, "kt", None, "usgs-mcs-2025"),
        ("antimony", 2024, "exports", "Exports_t", 20.0, "t", None, "usgs-mcs-2025"),
        ("antimony", 2023, "stocks", "Stocks_t", 50.0, "t", None, "usgs-mcs-2025"),
        ("antimony", 2024, "stocks", "Stocks_t", 40.0, "t", None, "usgs-mcs-2025"),
        ("antimony", 2024, "consumption", "Consump_Apparent_t", 200.0, "t", None, "usgs-mcs-2025"),
        ("antimony", 2024, "net_import_reliance", "NIR_pct", None, "pct", "NA", "usgs-mcs-2025"),
    ]
    insert_frame(small_atlas.con, SALIENT, _salient_rows(rows), source="test")
    nir = net_import_reliance(small_atlas, "antimony", 2024)
    assert nir.method == "computed"
    assert nir.value_pct == pytest.approx(45.0)
    assert nir.source_id == "usgs-mcs-2025"


def test_computed_consumption_from_production_and_net_exporter(small_atlas):
    # consumption = production + imports − exports = 500 + 10 − 300 = 210; NIR < 0 → 'E'
    rows = [
        ("copper", 2024, "us_production", "USprod_Mine_t", 500.0, "t", None, "usgs-mcs-2025"),
        ("copper", 2024, "imports", "Imports_t", 10.0, "t", None, "usgs-mcs-2025"),
        ("copper", 2024, "exports", "Exports_t", 300.0, "t", None, "usgs-mcs-2025"),
    ]
    insert_frame(small_atlas.con, SALIENT, _salient_rows(rows), source="test")
    nir = compute_net_import_reliance(small_atlas, "copper", 2024)
    assert (nir.value_pct, nir.flag, nir.method) == (None, "E", "computed")


def test_figure_only_and_unavailable(small_atlas):
    rows = [("copper", 2024, "net_import_reliance", "Fig2: COPPER, refined", 45.0, "pct", None,
             "usgs-mcs-2025")]  # fmt: skip
    insert_frame(small_atlas.con, SALIENT, _salient_rows(rows), source="test")
    nir = net_import_reliance(small_atlas, "copper", 2024)
    assert (nir.value_pct, nir.method, nir.item) == (45.0, "published (figure 2)", rows[0][3])
    missing = net_import_reliance(small_atlas, "copper", 2020)
    assert (missing.value_pct, missing.method) == (None, "unavailable")


def test_several_columns_prefer_the_one_figure_2_publishes(small_atlas):
    rows = [
        ("bauxite-and-alumina", 2024, "net_import_reliance", "Alumina_NIR_pct", 59.0, "pct", None,
         "usgs-mcs-2025"),
        ("bauxite-and-alumina", 2024, "net_import_reliance", "Bauxite_NIR_pct", 75.0, "pct", ">",
         "usgs-mcs-2025"),
        ("bauxite-and-alumina", 2024, "net_import_reliance", "Fig2: BAUXITE", 75.0, "pct", ">",
         "usgs-mcs-2025"),
    ]  # fmt: skip
    insert_frame(small_atlas.con, SALIENT, _salient_rows(rows), source="test")
    nir = net_import_reliance(small_atlas, "bauxite and alumina", 2024)
    assert (nir.item, nir.value_pct, nir.flag) == ("Bauxite_NIR_pct", 75.0, ">")


def test_vintage():
    assert vintage("usgs-mcs-2025") == 2025
    assert vintage("wmd-2018-2024") == 2024
    assert vintage("test") == 0


def test_session_atlas_antimony(atlas):
    """The full build (usgs-mcs loader → these loaders) gives the MCS 2025 figure."""
    nir = net_import_reliance(atlas, "antimony", 2024)
    assert (nir.value_pct, nir.method) == (85.0, "published")
