"""Small explicit networks with hand-solved optima."""

from __future__ import annotations

from typing import Any


def tiny(**overrides: Any) -> dict[str, Any]:
    """Two mines → one refinery → USA (defence 30 t at weight 10, EV 100 t at weight 1).

    Quantity mode (no prices).

    Hand solution: the refinery (120 t) binds; defence is served in full, EV gets
    90 t (shortfall 10 t); the refinery's shadow price is 1 (one more tonne serves
    one more EV tonne). Least cost takes 100 t from mine A (cost 1) and 20 t
    from mine B (cost 2).
    """
    raw: dict[str, Any] = {
        "name": "tiny",
        "horizon": {"start": 2025, "end": 2025},
        "demand": [
            {"region": "USA", "sector": "defence", "tonnes": 30, "source": "ASSUMPTION: test"},
            {"region": "USA", "sector": "ev", "tonnes": 100, "source": "ASSUMPTION: test"},
        ],
        "priorities": {"defence": 10, "ev": 1},
        "options": {"market": "quantity"},
        "network": {
            "stages": ["mining", "refining"],
            "nodes": [
                {"id": "A", "country": "AUS", "stage": "mining", "capacity_t": 100},
                {"id": "B", "country": "CHN", "stage": "mining", "capacity_t": 50},
                {"id": "R", "country": "USA", "stage": "refining", "capacity_t": 120},
            ],
            "links": [
                {"from": "A", "to": "R", "cost_per_t": 1},
                {"from": "B", "to": "R", "cost_per_t": 2},
                {"from": "R", "to": "USA", "cost_per_t": 0},
            ],
        },
    }
    raw.update(overrides)
    return raw


def every_bound_family(market: str) -> dict[str, Any]:
    """Every bound family a draw moves: capacity, outage, new-capacity ramp, stock, recycling."""
    raw = tiny(
        horizon={"start": 2025, "end": 2027},
        options={"market": market},
        disruptions=[
            {
                "type": "outage",
                "id": "fire",
                "country": "AUS",
                "stage": "mining",
                "share": 0.5,
                "start": 2025,
                "end": 2026,
            },
            {
                "type": "export_restriction",
                "id": "ban",
                "country": "CHN",
                "stages": ["mining"],
                "to": ["USA"],
                "share": 0.6,
                "start": 2026,
            },
        ],
        mitigations=[
            {
                "type": "new_capacity",
                "id": "newref",
                "country": "PAK",
                "stage": "refining",
                "tonnes_per_year": 40,
                "start": 2026,
                "ramp": [0.5, 1.0],
            },
            {"type": "stockpile", "id": "ndcs", "region": "USA", "tonnes": 15, "max_per_year": 10},
            {"type": "recycling", "id": "rec", "region": "USA", "share": 0.05, "start": 2026},
        ],
        uncertainty=[
            {
                "target": "capacity",
                "stage": "mining",
                "distribution": {"kind": "uniform", "low": 0.3, "high": 1.3},
            },
            {
                "target": "capacity",
                "country": "USA",
                "distribution": {"kind": "triangular", "low": 0.6, "mode": 1.0, "high": 1.1},
            },
            {
                "target": "demand",
                "region": "USA",
                "distribution": {"kind": "normal", "mean": 1, "sd": 0.25},
            },
            {"target": "disruption", "disruption": "fire", "probability": 0.5},
        ],
    )
    return raw
