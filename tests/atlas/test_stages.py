"""Stages published only as shares (IEA, EU CRM): selection and lower-bound caveat."""

from __future__ import annotations

import pytest

from orechain.atlas.query import select_production
from orechain.atlas.stages import PARTIAL_NOTE, extra_stages, select_stage_shares
from orechain.errors import NotFoundError
from orechain.risk.commodity import commodity_risk


def test_rare_earth_refining_from_iea(atlas):
    sel = select_stage_shares(atlas, "rare-earths", "refining")
    assert (sel.year, sel.source_id, sel.unit) == (2024, "iea-cmd-2025", "t")
    assert sel.note is None
    china = sel.countries.set_index("country")["value"]["CHN"]
    assert china / sel.rows["value"].sum() == pytest.approx(0.913, abs=0.001)  # IEA: 91 %


def test_top_supplier_only_source_adds_unattributed_rest(atlas):
    sel = select_stage_shares(atlas, "antimony", "refining")
    assert sel.note == PARTIAL_NOTE
    assert set(sel.rows["country"]) == {"CHN", "OTHER"}
    assert sel.rows["value"].sum() == pytest.approx(1.0)
    risk = commodity_risk(atlas, "antimony", "refining")
    assert risk.cr1 == pytest.approx(0.8)
    assert risk.hhi == pytest.approx(6400)
    assert risk.notes[0] == PARTIAL_NOTE
    # the curated 80 % carries no primary citation: labelled, with BACI's share beside it
    assert any(n.startswith("ASSUMPTION") and "BACI HS17" in n for n in risk.notes[1:])


def test_production_measures_win_over_stage_shares(atlas):
    assert extra_stages(atlas, "copper", ["mine", "refinery"]) == []
    assert select_production(atlas, "copper", "refinery").source_id.startswith("usgs-mcs")
    assert "refining" in extra_stages(atlas, "rare-earths", ["mine"])


def test_unknown_stage_lists_what_exists(atlas):
    with pytest.raises(NotFoundError, match="measures with data: mine, mining"):
        select_production(atlas, "antimony", "magnet")
