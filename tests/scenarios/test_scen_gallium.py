"""The bundled gallium-germanium-controls scenario: atlas numbers, and answers that move."""

from __future__ import annotations

import pytest
import yaml

from orechain.atlas.query import select_production
from orechain.scenarios.bundled import bundled_dir
from orechain.scenarios.solve import run_scenario
from orechain.scenarios.spec import load_scenario

RAW = yaml.safe_load((bundled_dir() / "gallium-germanium-controls.yaml").read_text("utf-8"))


def _usgs(atlas, measure):
    rows = select_production(atlas, "gallium", measure, 2024, source="usgs-mcs-2025").rows
    return {str(r.country): float(r.quantity_t) for r in rows.itertuples()}


def test_capacities_and_outputs_are_the_atlas_usgs_2024_figures(atlas):
    cap, out = _usgs(atlas, "plant capacity"), _usgs(atlas, "plant")
    for node in RAW["network"]["nodes"]:
        assert node["capacity_t"] == pytest.approx(cap[node["country"]]), node["id"]
        assert node["base_t"] == pytest.approx(out.get(node["country"], 0.0)), node["id"]
    us = sum(d["tonnes"] for d in RAW["demand"] if d["region"] == "USA")
    row = atlas.query(
        "SELECT value FROM salient WHERE commodity = 'gallium' AND item = 'Consump_kg' "
        "AND year = 2024 AND source_id = 'usgs-mcs-2025'"
    )
    assert us == pytest.approx(float(row.value.iloc[0]) / 1000)
    price = atlas.query(
        "SELECT value FROM salient WHERE commodity = 'gallium' AND item = 'Price_High-purity_dkg' "
        "AND year = 2024 AND source_id = 'usgs-mcs-2025'"
    )
    assert RAW["options"]["base_price_usd_per_t"] == pytest.approx(1000 * price.value.iloc[0])
    for d in RAW["demand"]:
        assert d["source"].startswith("ASSUMPTION") or "USGS" in d["source"]


def test_us_ban_raises_the_us_price_and_removes_chinese_gallium():
    scn = load_scenario("gallium-germanium-controls")
    hit = run_scenario(scn)
    calm = run_scenario(scn.model_copy(update={"disruptions": []}))
    for h, c in zip(hit.years, calm.years, strict=True):
        usa, base = h.regions["USA"], c.regions["USA"]
        assert usa.supply_share_by_origin["refining"].get("CHN", 0.0) == pytest.approx(0.0)
        assert base.supply_share_by_origin["refining"]["CHN"] > 0.5
        assert usa.price_index["refining"] > base.price_index["refining"] + 0.1
        assert usa.consumer_cost_usd is not None
        assert usa.consumer_cost_usd > 0
        assert usa.sectors["defence"].shortfall_t < 1e-3  # defence outbids: < 1 kg short
