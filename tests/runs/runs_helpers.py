"""A small explicit-network scenario with Monte Carlo draws, written as a YAML file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from orechain.cli import app

runner = CliRunner()

SCENARIO: dict[str, Any] = {
    "name": "runs-tiny",
    "horizon": {"start": 2025, "end": 2026},
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
    "uncertainty": [
        {
            "target": "capacity",
            "country": "AUS",
            "distribution": {"kind": "triangular", "low": 0.5, "mode": 1.0, "high": 1.1},
        },
    ],
}


def write_scenario(folder: Path) -> Path:
    """The scenario as a YAML file (JSON is YAML) in ``folder``."""
    path = folder / "runs-tiny.yaml"
    path.write_text(json.dumps(SCENARIO), encoding="utf-8")
    return path


def cli_json(*args: str, code: int = 0) -> Any:
    """Run ``orechain ARGS``, check the exit code and parse stdout as JSON."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)
