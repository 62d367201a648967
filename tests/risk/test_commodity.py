"""`commodity_risk` over the real atlas: second source, aggregates, sources."""

from __future__ import annotations

import pytest

from orechain.risk.commodity import commodity_risk
from orechain.risk.overview import risk_overview


def test_wmd_shown_beside_usgs_with_differences(atlas):
    risk = commodity_risk(atlas, "antimony", year=2024)
    assert risk.sources[0] == "usgs-mcs-2025" or "usgs-mcs-2025" in risk.sources
    (wmd,) = risk.comparison
    assert wmd.source_id.startswith("wmd")
    pak = next(d for d in wmd.differences if d["iso3"] == "PAK")
    assert pak["usgs-mcs-2025"] == 250
    assert pak[wmd.source_id] == 270


def test_total_includes_other_countries_and_reports_published_difference(atlas):
    risk = commodity_risk(atlas, "rare earths", year=2024)
    listed = sum(c.value or 0 for c in risk.countries)
    assert risk.total == pytest.approx(listed + risk.other_countries)
    assert risk.difference_from_published == pytest.approx(risk.total - 390_000)
    assert sum(c.share or 0 for c in risk.countries) <= 1.0
    assert "wgi-2024" in risk.sources


def test_overview_rows_agree_with_single_commodity_risk(atlas):
    rows = {(r.commodity, r.measure): r for r in risk_overview(atlas)}
    for cid, measure in [
        ("rare-earths", "mine"),
        ("copper", "refinery"),
        ("rare-earths", "refining"),
        ("antimony", "refining"),
    ]:
        single = commodity_risk(atlas, cid, measure)
        row = rows[(cid, measure)]
        assert row.hhi == pytest.approx(single.hhi)
        assert row.cr3 == pytest.approx(single.cr3)
        assert row.top_country == single.top_country
        assert row.hhi_wgi == pytest.approx(single.hhi_wgi)
        assert row.net_import_reliance == single.net_import_reliance
