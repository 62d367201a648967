"""Query layer on a small synthetic atlas: vintage choice, series choice, errors."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orechain.atlas.query import select_all_series, select_production, series_rows
from orechain.atlas.schema import TABLES
from orechain.atlas.store import Atlas, create_tables, insert_frame
from orechain.errors import NotFoundError


def _rows(source_id, year, type_, values, measure="mine"):
    return [
        {
            "commodity": "antimony",
            "measure": measure,
            "type": type_,
            "country": c,
            "country_name": c,
            "year": year,
            "value": v,
            "unit": "metric tons",
            "quantity_t": v,
            "basis": "contained",
            "source_id": source_id,
        }
        for c, v in values.items()
    ]


@pytest.fixture
def small_atlas():
    con = duckdb.connect()
    create_tables(con)
    rows = (
        _rows("usgs-mcs-2024", 2023, "Mine production", {"CHN": 40_000, "TJK": 21_000})
        + _rows("usgs-mcs-2025", 2023, "Mine production", {"CHN": 62_300, "TJK": 21_000})
        + _rows(
            "usgs-mcs-2025",
            2024,
            "Mine production",
            {"CHN": 60_000, "PAK": 250, "OTHER": 5_000, "WORLD": 100_000},
        )
        + _rows("usgs-mcs-2025", 2024, "Mine production, minor series", {"CHN": 1.0})
        + _rows("usgs-mcs-2025", 2024, "Smelter", {"CHN": 10.0}, measure="smelter")
    )
    insert_frame(con, TABLES["production"], pd.DataFrame(rows), source="test")
    yield Atlas(con)
    con.close()


def test_latest_year_and_vintage(small_atlas):
    sel = select_production(small_atlas, "Sb")
    assert (sel.year, sel.source_id, sel.type) == (2024, "usgs-mcs-2025", "Mine production")
    assert sel.other_types == ("Mine production, minor series",)
    assert sel.other_value == 5_000
    assert sel.world_total_published == 100_000
    assert set(sel.countries["country"]) == {"CHN", "PAK"}


def test_revised_vintage_wins_for_a_year(small_atlas):
    sel = select_production(small_atlas, "antimony", year=2023)
    assert sel.source_id == "usgs-mcs-2025"
    assert sel.countries.set_index("country")["value"]["CHN"] == 62_300
    older = select_production(small_atlas, "antimony", year=2023, source="usgs-mcs-2024")
    assert older.countries.set_index("country")["value"]["CHN"] == 40_000


def test_product_picks_a_series(small_atlas):
    sel = select_production(small_atlas, "antimony", product="minor")
    assert sel.type == "Mine production, minor series"
    with pytest.raises(NotFoundError, match="no antimony series matches product 'rutile'"):
        select_production(small_atlas, "antimony", product="rutile")


def test_missing_year_and_measure_name_what_exists(small_atlas):
    with pytest.raises(NotFoundError, match="years with data: 2023, 2024"):
        select_production(small_atlas, "antimony", year=1990)
    with pytest.raises(NotFoundError, match="measures with data: mine, smelter"):
        select_production(small_atlas, "antimony", measure="refinery")


def test_bulk_selection_agrees_with_single_selection(small_atlas):
    series = select_all_series(small_atlas)
    mine = series[series["measure"] == "mine"].iloc[0]
    single = select_production(small_atlas, "antimony")
    assert (mine["year"], mine["source_id"], mine["type"]) == (
        single.year,
        single.source_id,
        single.type,
    )
    rows = series_rows(small_atlas, series)
    assert set(rows.loc[rows["measure"] == "mine", "country"]) == {"CHN", "PAK", "OTHER"}


def test_reserves_selection_over_the_real_atlas(atlas):
    sel = select_production(atlas, "antimony", "reserves")
    assert (sel.measure, sel.year, sel.source_id) == ("reserves", 2024, "usgs-mcs-2025")
    values = sel.countries.set_index("country")["value"]
    assert values["PAK"] == 26_000
    assert values["CHN"] == 670_000
