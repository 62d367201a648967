"""Properties of the import mix: shares sum to 1, HHI bounds, order independence."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orechain.atlas.store import Atlas, create_tables
from orechain.risk.imports import geopolrisk_import_risk, import_mix
from orechain.risk.trade_concentration import supplier_concentration

PARTNERS = ["CHN", "JPN", "FRA", "AUT", "EST", "MMR", "VNM", "IND", "THA", "BRA"]
CODES = ["280530", "284610", "284690"]

flows_strategy = st.lists(
    st.tuples(
        st.sampled_from(PARTNERS),
        st.sampled_from(CODES),
        st.floats(min_value=1.0, max_value=1e9, allow_nan=False),
    ),
    min_size=1,
    max_size=25,
)


_CON = duckdb.connect()
create_tables(_CON)


def atlas_with(rows: list[tuple[str, str, float]], con: duckdb.DuckDBPyConnection = _CON) -> Atlas:
    """The rows as BACI flows into USA, 2022, in one shared in-memory atlas."""
    con.execute("DELETE FROM trade")
    frame = pd.DataFrame(rows, columns=["reporter", "hs6", "value_usd"]).assign(
        partner="USA",
        flow="export",
        nomenclature="HS92",
        year=2022,
        quantity_kg=lambda f: f["value_usd"] / 10,
        source_id="test",
    )
    con.register("incoming", frame)
    con.execute(
        "INSERT INTO trade SELECT reporter, partner, flow, hs6, nomenclature, year, "
        "quantity_kg, value_usd, source_id FROM incoming"
    )
    return Atlas(con)


@settings(max_examples=40, deadline=None)
@given(flows_strategy)
def test_shares_sum_to_one_and_hhi_is_bounded(rows: list[tuple[str, str, float]]) -> None:
    mix = import_mix(atlas_with(rows), "rare-earths", "USA", 2022)
    n = len(mix.partners)
    assert sum(p.share for p in mix.partners) == pytest.approx(1.0)
    assert 1e4 / n - 1e-6 <= mix.hhi <= 1e4 + 1e-6
    assert mix.top_share == max(p.share for p in mix.partners)


@settings(max_examples=25, deadline=None)
@given(flows_strategy, st.randoms(use_true_random=False))
def test_order_of_rows_does_not_matter(rows: list[tuple[str, str, float]], rnd) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = import_mix(atlas_with(rows), "rare-earths", "USA", 2022)
    b = import_mix(atlas_with(shuffled), "rare-earths", "USA", 2022)  # replaces a's rows
    assert a.hhi == pytest.approx(b.hhi)
    assert {p.iso3: p.share for p in a.partners} == pytest.approx(
        {p.iso3: p.share for p in b.partners}
    )


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(st.sampled_from(PARTNERS), st.floats(min_value=0.0, max_value=1e6), min_size=1),
    st.dictionaries(st.sampled_from(PARTNERS), st.floats(min_value=0.0, max_value=1.0)),
    st.floats(min_value=0.0, max_value=1e6),
)
def test_import_risk_is_within_0_and_1(
    flows: dict[str, float], gov: dict[str, float], domestic: float
) -> None:
    risk = geopolrisk_import_risk(
        pd.Series(flows, dtype=float), pd.Series(gov, dtype=float), domestic
    )
    assert -1e-12 <= risk <= 1 + 1e-12


@settings(max_examples=30, deadline=None)
@given(flows_strategy)
def test_sql_concentration_hhi_bounds(rows: list[tuple[str, str, float]]) -> None:
    con = duckdb.connect()
    frame = pd.DataFrame(rows, columns=["exporter", "hs6", "value"]).assign(importer="USA")
    con.register("flows", frame)
    out = supplier_concentration(con, "flows")
    assert ((out["hhi"] >= 1e4 / out["n_suppliers"] - 1e-6) & (out["hhi"] <= 1e4 + 1e-6)).all()
    assert ((out["top_share"] > 0) & (out["top_share"] <= 1 + 1e-12)).all()
