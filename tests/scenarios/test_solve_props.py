"""Property test: without priorities, the LP's served quantity equals an independent max-flow."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orechain.scenarios.inputs import demand_points, year_inputs
from orechain.scenarios.solve import build_network, solve_year
from orechain.scenarios.spec import parse_scenario

COUNTRIES = ["AUS", "BRA", "CAN", "CHN", "IND", "JPN", "MYS", "PAK", "USA", "VNM"]


@st.composite
def layered_networks(draw):
    n_stages = draw(st.integers(2, 3))
    stages = ["mining", "refining", "metal"][:n_stages]
    nodes, links = [], []
    layers = []
    for k, stage in enumerate(stages):
        width = draw(st.integers(1, 4))
        ids = [f"{stage}{i}" for i in range(width)]
        layers.append(ids)
        for i, nid in enumerate(ids):
            cap = draw(st.integers(0, 100))
            nodes.append(
                {
                    "id": nid,
                    "country": COUNTRIES[(3 * k + i) % 10],
                    "stage": stage,
                    "capacity_t": cap,
                }
            )
    for up, down in zip(layers, layers[1:], strict=False):
        for a in up:
            for b in down:
                if draw(st.booleans()):
                    cap = draw(st.one_of(st.none(), st.integers(0, 80)))
                    links.append(
                        {
                            "from": a,
                            "to": b,
                            "capacity_t": cap,
                            "cost_per_t": draw(st.integers(0, 5)),
                        }
                    )
    for a in layers[-1]:
        links.append({"from": a, "to": "USA", "cost_per_t": 1})
    demand = draw(st.integers(0, 300))
    return {
        "name": "random",
        "horizon": {"start": 2025, "end": 2025},
        "demand": [{"region": "USA", "sector": "all", "tonnes": demand, "source": "ASSUMPTION"}],
        "network": {"stages": stages, "nodes": nodes, "links": links},
        "options": {"market": "quantity"},
    }


def max_flow(raw) -> float:
    g = nx.DiGraph()
    for n in raw["network"]["nodes"]:
        g.add_edge(("in", n["id"]), ("out", n["id"]), capacity=n["capacity_t"])
        if n["stage"] == "mining":
            g.add_edge("S", ("in", n["id"]))
    for link in raw["network"]["links"]:
        target = "T0" if link["to"] == "USA" else ("in", link["to"])
        attrs = {} if link.get("capacity_t") is None else {"capacity": link["capacity_t"]}
        g.add_edge(("out", link["from"]), target, **attrs)
    g.add_edge("T0", "T", capacity=raw["demand"][0]["tonnes"])
    return float(nx.maximum_flow_value(g, "S", "T"))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(layered_networks())
def test_lp_served_equals_max_flow_and_flows_are_feasible(raw):
    scn = parse_scenario(raw)
    net = build_network(scn)
    points = demand_points(net, scn)
    inp = year_inputs(net, scn, points, 2025, np.zeros(0))
    sol, _, lay, _ = solve_year(net, scn, points, inp)
    served = float(sol.x[lay.served].sum())
    assert served == pytest.approx(max_flow(raw), abs=1e-6)
    flows, output = sol.x[lay.flow], sol.x[lay.output]
    for i, node in enumerate(net.nodes):
        out_sum = sum(f for f, link in zip(flows, net.links, strict=False) if link.source == i)
        assert out_sum == pytest.approx(output[i], abs=1e-6)
        if node.stage != "mining":
            in_sum = sum(
                f for f, k in zip(flows, net.links, strict=False) if not k.to_sink and k.target == i
            )
            assert in_sum == pytest.approx(output[i], abs=1e-6)
        assert output[i] <= node.capacity_t + 1e-6
    for f, link in zip(flows, net.links, strict=False):
        assert f >= -1e-9
        if link.capacity_t is not None:
            assert f <= link.capacity_t + 1e-6
