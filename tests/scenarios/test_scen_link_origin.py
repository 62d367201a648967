"""Sankey links carry the mined origin of their material, consistent with origin_mix.

Each link's ``origin`` ({ISO3: tonnes} of the network's first stage) is traced
with the same pools as each region's ``origin_mix``, so the links into a
region's headline sink add up to its first-stage mix (pseudo-origins such as
recycling and stockpile enter the sink directly and are not on any link).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_scen_origin_trace import relay

from orechain.scenarios.network import Network
from orechain.scenarios.report import sankey_links
from orechain.scenarios.results import ScenarioResult, to_json
from orechain.scenarios.solve import build_network, run_scenario
from orechain.scenarios.spec import load_scenario, parse_scenario

TOL = 1e-9
OFF_LINK = ("recycling", "stockpile")
"""Pseudo-origins delivered straight to a sink, on no link (``OTHER`` is a node country)."""


def link_origin_gaps(result: ScenarioResult, net: Network) -> list[float]:
    """|share from summed link origins − origin_mix share| for every year, region and origin."""
    doc = to_json(result)
    first = net.stages[0]
    gaps = []
    for y, year_doc in zip(result.years, doc["years"], strict=True):
        links = sankey_links(y)
        for region, reg in year_doc["regions"].items():
            mix = reg["origin_mix"].get(first, {})
            sink = max(
                (s for s in net.sinks if s.region == region),
                key=lambda s: net.stages.index(s.stage),
            ).id
            summed: dict[str, float] = {}
            for link in links:
                if link["target"] == sink:
                    for iso, t in link["origin"].items():
                        summed[iso] = summed.get(iso, 0.0) + t
            total = sum(summed.values())
            pseudo = sum(v for k, v in mix.items() if k in OFF_LINK)
            real = {k: v for k, v in mix.items() if k not in OFF_LINK}
            if total <= TOL:
                gaps.append(sum(real.values()))
                continue
            for iso in set(summed) | set(real):
                gaps.append(abs(summed.get(iso, 0.0) / total * (1 - pseudo) - real.get(iso, 0.0)))
    return gaps


def solve(raw_or_name: dict[str, Any] | str, atlas: Any = None) -> tuple[ScenarioResult, Network]:
    """Run a scenario (bundled name or raw spec) and return it with its network."""
    scn = (
        load_scenario(raw_or_name) if isinstance(raw_or_name, str) else parse_scenario(raw_or_name)
    )
    net = build_network(scn, atlas)
    return run_scenario(scn, net=net), net


def links_by_pair(result: ScenarioResult) -> dict[tuple[str, str], dict[str, Any]]:
    return {(k["source"], k["target"]): k for k in sankey_links(result.years[0])}


def test_origin_traced_relay_links_carry_hand_solved_origins():
    """Hand solution (see ``relay``): the ban leaves the US Australia's 40 t via Japan and
    sends 50 t of Chinese oxide to Germany; each link names exactly that."""
    result, net = solve(relay("origin"))
    links = links_by_pair(result)
    assert links[("J", "USA end use of metal")]["origin"] == {"AUS": pytest.approx(40.0)}
    assert links[("J", "DEU end use of metal")]["origin"] == {"CHN": pytest.approx(50.0)}
    assert links[("A", "J")]["origin"] == {"AUS": pytest.approx(40.0)}
    assert max(link_origin_gaps(result, net)) < TOL


def test_direct_relay_links_mix_in_japan():
    """Direct trace: Japan buys only the cheaper Chinese oxide; both buyers get Chinese origin."""
    result, _ = solve(relay("direct"))
    links = links_by_pair(result)
    assert links[("J", "USA end use of metal")]["origin"] == {"CHN": pytest.approx(50.0)}
    assert ("A", "J") not in links


def test_proportional_sharing_splits_a_mixed_pool():
    """A well-mixed Japanese pool of 40 t Australian and 20 t Chinese oxide sends each buyer
    two-thirds Australian material (hand solution: no restriction, both sources needed)."""
    raw = relay("direct")
    raw["disruptions"] = []
    raw["network"]["nodes"][0]["capacity_t"] = 20
    raw["demand"] = [{**d, "tonnes": 30} for d in raw["demand"]]
    result, net = solve(raw)
    links = links_by_pair(result)
    for buyer in ("USA", "DEU"):
        origin = links[("J", f"{buyer} end use of metal")]["origin"]
        assert origin == {"AUS": pytest.approx(20.0), "CHN": pytest.approx(10.0)}
    assert max(link_origin_gaps(result, net)) < TOL


def test_corridor_links_reproduce_origin_mix(atlas):
    """Issue 12 item 2 / issue 15: per-link origins on the corridor agree with origin_mix."""
    result, net = solve("pakistan-us-corridor", atlas)
    assert net.stages[0] == "mining"
    assert max(link_origin_gaps(result, net)) < TOL
    last = sankey_links(result.years[-1])
    for link in last:
        assert sum(link["origin"].values()) == pytest.approx(link["tonnes"], rel=1e-6, abs=1e-6)
    pak_mined = [k for k in last if k["source"].startswith("PAK mining")]
    assert pak_mined
    assert all(k["origin"] == {"PAK": pytest.approx(k["tonnes"])} for k in pak_mined)
    into_us = [k for k in last if k["target"] == "USA end use of magnet"]
    assert sum(k["origin"].get("PAK", 0.0) for k in into_us) > 0


@st.composite
def chains(draw: st.DrawFn) -> dict[str, Any]:
    """Mining → separation → metal with random capacities, costs, yields, demand and a ban."""
    miners = ["AUS", "CHN", "PAK"]
    seps, mets = ["CHN", "USA", "JPN"], ["JPN", "CHN"]
    nodes = [
        {"id": f"{c}-mine", "country": c, "stage": "mining", "capacity_t": draw(st.integers(0, 90))}
        for c in miners
    ]
    nodes += [
        {
            "id": f"{c}-sep",
            "country": c,
            "stage": "separation",
            "capacity_t": draw(st.integers(0, 120)),
            "yield": draw(st.sampled_from([1.0, 0.8, 0.5])),
        }
        for c in seps
    ]
    nodes += [
        {"id": f"{c}-met", "country": c, "stage": "metal", "capacity_t": draw(st.integers(0, 150))}
        for c in mets
    ]
    cost = st.integers(0, 4)
    links = [
        {"from": f"{a}-mine", "to": f"{b}-sep", "cost_per_t": draw(cost)}
        for a in miners
        for b in seps
    ]
    links += [
        {"from": f"{a}-sep", "to": f"{b}-met", "cost_per_t": draw(cost)} for a in seps for b in mets
    ]
    links += [
        {"from": f"{a}-met", "to": r, "cost_per_t": draw(cost)}
        for a in mets
        for r in ("USA", "DEU")
    ]
    raw: dict[str, Any] = {
        "name": "chain",
        "horizon": {"start": 2025, "end": 2025},
        "demand": [
            {
                "region": r,
                "sector": "all",
                "tonnes": draw(st.integers(0, 120)),
                "source": "ASSUMPTION: test",
            }
            for r in ("USA", "DEU")
        ],
        "options": {"market": "quantity"},
        "priorities": {"all": 1},
        "disruptions": [],
        "network": {"stages": ["mining", "separation", "metal"], "nodes": nodes, "links": links},
    }
    trace = draw(st.sampled_from(["none", "origin", "direct"]))
    if trace != "none":
        raw["disruptions"] = [
            {
                "type": "export_restriction",
                "id": "ban",
                "country": "CHN",
                "stages": [draw(st.sampled_from(["mining", "separation"]))],
                "to": ["USA"],
                "share": draw(st.sampled_from([0.5, 1.0])),
                "start": 2025,
                "trace": trace,
            }
        ]
    return raw


@settings(max_examples=40, deadline=None, derandomize=True)
@given(chains())
def test_link_origins_sum_to_link_tonnes_and_to_origin_mix(raw):
    result, net = solve(raw)
    for link in sankey_links(result.years[0]):
        assert sum(link["origin"].values()) == pytest.approx(link["tonnes"], rel=1e-6, abs=1e-6)
        assert all(v > 0 for v in link["origin"].values())
    assert max(link_origin_gaps(result, net), default=0.0) < TOL
