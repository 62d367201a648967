"""The label table, citations and country-page grouping (no browser)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from orechain.atlas.sources import load_sources
from orechain.web.countries import country_groups
from orechain.web.labels import citation, field_label, label_table
from orechain.web.routes import _labels_json


def test_raw_identifiers_get_human_labels():
    assert field_label("fcf") == "Free cash flow [M USD]"
    assert field_label("host_take") == "Host-country take [M USD]"
    assert field_label("quantity_t") == "Quantity [t]"
    assert field_label("from_country") == "From country"
    assert field_label("separation") == "Separation"  # from orechain.stages
    assert field_label("plant capacity") == "Plant capacity"


@given(st.from_regex(r"[a-z][a-z_\- ]{0,30}", fullmatch=True))
def test_every_id_gets_a_label_without_underscores(key):
    text = field_label(key)
    assert text
    assert "_" not in text


def test_every_registered_source_is_a_linked_citation():
    for source in load_sources():
        c = citation(source.source_id)
        assert c is not None
        assert c["href"] == f"/sources#src-{source.source_id}"
        assert c["short"]
        assert len(c["short"]) <= len(source.title)
    assert citation("usgs-mcs-2025")["short"] == "Mineral Commodity Summaries 2025 Data Release"
    assert citation("no-such-source") is None


def test_label_table_is_safe_inside_a_script_block():
    text = _labels_json()
    assert "<" not in text
    assert json.loads(text) == json.loads(json.dumps(label_table()))


def test_country_groups_sort_by_share_and_name_the_basis_of_twins():
    profile = {
        "entries": [
            {"commodity": "iron-ore", "measure": "reserves", "basis": "gross", "share": 0.10},
            {"commodity": "iron-ore", "measure": "reserves", "basis": "contained", "share": 0.08},
            {"commodity": "gallium", "measure": "plant", "basis": None, "share": 0.98},
            {"commodity": "tin", "measure": "mine", "basis": None, "share": None},
            {"commodity": "cement", "measure": "plant capacity", "basis": None, "share": 0.5},
        ]
    }
    names = {"iron-ore": "Iron ore", "gallium": "Gallium", "tin": "Tin", "cement": "Cement"}
    groups = {g["key"]: g["rows"] for g in country_groups(profile, names)}
    assert [r["label"] for r in groups["production"]] == [
        "Gallium · Plant production",
        "Tin · Mine production",
    ]
    assert [r["label"] for r in groups["reserves"]] == [
        "Iron ore · Reserves (gross)",
        "Iron ore · Reserves (contained)",
    ]
    assert groups["capacity"][0]["href"] == "/atlas?commodity=cement&measure=plant+capacity"
    assert groups["reserves"][0]["href"] == "/atlas?commodity=iron-ore&measure=mine"
