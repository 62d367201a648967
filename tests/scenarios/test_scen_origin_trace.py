"""Origin-traced export restrictions: the material of an origin stays restricted downstream."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orechain.scenarios.inputs import demand_points, year_inputs
from orechain.scenarios.results import to_json
from orechain.scenarios.solve import build_network, restriction_bases, run_scenario, solve_year
from orechain.scenarios.spec import load_scenario, parse_scenario


def relay(trace: str, share: float = 1.0) -> dict[str, Any]:
    """China and Australia separate oxide, Japan makes metal for the US and Germany.

    Hand solution (quantity mode, equal weights): Chinese oxide is cheaper, so with
    no restriction Japan takes 100 t from China and serves both buyers. A full
    origin-traced ban on Chinese oxide to the US leaves the US only Australia's
    40 t (shortfall 10 t), while Germany takes Chinese-origin metal; a ban on
    direct exports binds nothing (China sells to Japan, not to the US).
    """
    ban = {
        "type": "export_restriction",
        "id": "ban",
        "country": "CHN",
        "stages": ["separation"],
        "to": ["USA"],
        "share": share,
        "start": 2025,
        "trace": trace,
    }
    return {
        "name": "relay",
        "horizon": {"start": 2025, "end": 2025},
        "demand": [
            {"region": "USA", "sector": "all", "tonnes": 50, "source": "ASSUMPTION: test"},
            {"region": "DEU", "sector": "all", "tonnes": 50, "source": "ASSUMPTION: test"},
        ],
        "options": {"market": "quantity"},
        "disruptions": [ban],
        "network": {
            "stages": ["separation", "metal"],
            "nodes": [
                {"id": "C", "country": "CHN", "stage": "separation", "capacity_t": 100},
                {"id": "A", "country": "AUS", "stage": "separation", "capacity_t": 40},
                {"id": "J", "country": "JPN", "stage": "metal", "capacity_t": 200},
            ],
            "links": [
                {"from": "C", "to": "J", "cost_per_t": 1},
                {"from": "A", "to": "J", "cost_per_t": 2},
                {"from": "J", "to": "USA", "cost_per_t": 0},
                {"from": "J", "to": "DEU", "cost_per_t": 0},
            ],
        },
    }


def test_origin_traced_ban_follows_chinese_oxide_through_japan():
    y = run_scenario(parse_scenario(relay("origin"))).years[0]
    usa, deu = y.regions["USA"], y.regions["DEU"]
    assert usa.shortfall_t == pytest.approx(10.0)
    assert deu.shortfall_t == pytest.approx(0.0)
    assert usa.supply_share_by_origin["separation"] == {"AUS": pytest.approx(1.0)}
    assert deu.supply_share_by_origin["separation"]["CHN"] == pytest.approx(1.0)
    assert usa.supply_share_by_origin["metal"] == {"JPN": pytest.approx(1.0)}
    names = [b.name for b in y.binding_constraints]
    assert "CHN separation export restriction, origin-traced (ban)" in names


def test_direct_trace_keeps_the_old_leak():
    y = run_scenario(parse_scenario(relay("direct"))).years[0]
    usa = y.regions["USA"]
    assert usa.shortfall_t == pytest.approx(0.0)
    assert usa.supply_share_by_origin["separation"]["CHN"] > 0.5


def test_origin_is_the_default_and_labelled():
    raw = relay("origin")
    del raw["disruptions"][0]["trace"]
    result = run_scenario(parse_scenario(raw))
    assert result.years[0].regions["USA"].shortfall_t == pytest.approx(10.0)
    assert any("ban: origin-traced" in a for a in result.assumptions)


def test_partial_origin_ban_is_a_share_of_the_undisrupted_origin_flow():
    scn = parse_scenario(relay("origin", share=0.5))
    net = build_network(scn)
    points = demand_points(net, scn)
    # undisrupted: Japan makes 100 t of metal from Chinese oxide, 50 t of it goes to the US
    assert restriction_bases(net, scn, points, 2025, np.zeros(0)) == {"ban": pytest.approx(50.0)}
    usa = run_scenario(scn).years[0].regions["USA"]
    assert usa.served_t == pytest.approx(50.0)
    assert usa.supply_share_by_origin["separation"]["CHN"] == pytest.approx(25.0 / 50.0)


def test_corridor_ban_leaves_no_chinese_oxide_in_us_supply(atlas):
    """Issue 12 finding 2: under a full ban on Chinese oxide and magnets to the US, China
    still supplied 63-74 % of US separation-stage supply via Japan and Vietnam
    (direct-export restrictions). Origin-traced, it supplies none once the ban alone is on."""
    scn = load_scenario("pakistan-us-corridor")
    traced = run_scenario(scn, atlas)
    for y in traced.years:
        if y.year >= 2027:  # 2025-26 also carry the licensing slowdown
            share = y.regions["USA"].supply_share_by_origin["separation"].get("CHN", 0.0)
            assert share == pytest.approx(0.0, abs=1e-6), y.year
    direct = scn.model_copy(
        update={"disruptions": [d.model_copy(update={"trace": "direct"}) for d in scn.disruptions]}
    )
    leaked = run_scenario(direct, atlas)
    shares = [
        y.regions["USA"].supply_share_by_origin["separation"].get("CHN", 0.0)
        for y in leaked.years
        if y.year >= 2027
    ]
    assert min(shares) > 0.5


@st.composite
def relays(draw):
    raw = relay(draw(st.sampled_from(["origin", "direct"])))
    for node in raw["network"]["nodes"]:
        node["capacity_t"] = draw(st.integers(0, 150))
    for link in raw["network"]["links"]:
        link["cost_per_t"] = draw(st.integers(0, 4))
    for d in raw["demand"]:
        d["tonnes"] = draw(st.integers(0, 120))
    raw["priorities"] = {"all": 1}
    return raw


@settings(max_examples=40, deadline=None, derandomize=True)
@given(relays())
def test_origin_trace_is_stricter_than_direct_and_conserves_mass(raw):
    """Any origin-feasible flow is direct-feasible, so direct serves at least as much;
    the traced US supply carries no Chinese oxide; Japan's classes balance."""
    traced = parse_scenario({**raw, "disruptions": [{**raw["disruptions"][0], "trace": "origin"}]})
    direct = parse_scenario({**raw, "disruptions": [{**raw["disruptions"][0], "trace": "direct"}]})
    served = {}
    for name, scn in (("origin", traced), ("direct", direct)):
        net = build_network(scn)
        points = demand_points(net, scn)
        inp = year_inputs(net, scn, points, 2025, np.zeros(0))
        sol, _, lay, _ = solve_year(net, scn, points, inp)
        served[name] = float(sol.x[lay.served].sum())
        flows, output = sol.x[lay.flow], sol.x[lay.output]
        j_in = sum(f for f, k in zip(flows, net.links, strict=True) if not k.to_sink)
        j_out = sum(f for f, k in zip(flows, net.links, strict=True) if k.to_sink)
        assert j_in == pytest.approx(j_out, abs=1e-6)
        assert output[2] == pytest.approx(j_out, abs=1e-6)
    assert served["origin"] <= served["direct"] + 1e-6
    usa = run_scenario(traced).years[0].regions["USA"]
    assert usa.supply_share_by_origin.get("separation", {}).get("CHN", 0.0) == pytest.approx(
        0.0, abs=1e-6
    )


def test_run_json_reports_each_regions_origin_mix_at_every_stage():
    doc = to_json(run_scenario(parse_scenario(relay("origin"))))
    regions = doc["years"][0]["regions"]
    assert regions["USA"]["origin_mix"]["separation"] == {"AUS": pytest.approx(1.0)}
    assert regions["DEU"]["origin_mix"]["separation"] == {"CHN": pytest.approx(1.0)}
    assert regions["DEU"]["origin_mix"]["metal"] == {"JPN": pytest.approx(1.0)}
    assert doc["years"][0]["supply_share_by_origin"] == regions["USA"]["origin_mix"]


def test_two_origin_restrictions_hold_together():
    """A US ban on Chinese oxide and a ban on Chinese metal to everyone, on one network.

    Hand solution (quantity mode, equal weights): the US can only get Australian oxide
    made into metal in Japan (40 t, shortfall 10 t); Germany takes Chinese oxide made into
    metal in Japan (50 t); China's own metal plant serves only China (30 t).
    """
    ban = {"type": "export_restriction", "share": 1.0, "start": 2025, "country": "CHN"}
    nodes = [
        {"id": "C", "country": "CHN", "stage": "separation", "capacity_t": 100},
        {"id": "A", "country": "AUS", "stage": "separation", "capacity_t": 40},
        {"id": "J", "country": "JPN", "stage": "metal", "capacity_t": 200},
        {"id": "M", "country": "CHN", "stage": "metal", "capacity_t": 200},
    ]
    links = [{"from": s, "to": t, "cost_per_t": 1} for s in "CA" for t in "JM"]
    links += [{"from": s, "to": r, "cost_per_t": 0} for s in "JM" for r in ("USA", "DEU")]
    links += [{"from": "M", "to": "CHN", "cost_per_t": 0}]
    raw = {
        "name": "two bans",
        "horizon": {"start": 2025, "end": 2025},
        "regions": {"CHN": ["CHN"]},
        "demand": [
            {"region": r, "sector": "all", "tonnes": t, "source": "ASSUMPTION: test"}
            for r, t in (("USA", 50), ("DEU", 50), ("CHN", 30))
        ],
        "options": {"market": "quantity"},
        "disruptions": [
            {**ban, "id": "oxide", "stages": ["separation"], "to": ["USA"]},
            {**ban, "id": "metal", "stages": ["metal"], "to": "all"},
        ],
        "network": {"stages": ["separation", "metal"], "nodes": nodes, "links": links},
    }
    y = run_scenario(parse_scenario(raw)).years[0]
    usa, deu, chn = (y.regions[r] for r in ("USA", "DEU", "CHN"))
    assert usa.served_t == pytest.approx(40.0)
    assert deu.served_t == pytest.approx(50.0)
    assert chn.served_t == pytest.approx(30.0)
    assert usa.supply_share_by_origin["separation"] == {"AUS": pytest.approx(1.0)}
    assert usa.supply_share_by_origin["metal"] == {"JPN": pytest.approx(1.0)}
    assert deu.supply_share_by_origin["metal"] == {"JPN": pytest.approx(1.0)}
    assert chn.supply_share_by_origin["metal"] == {"CHN": pytest.approx(1.0)}
