"""A small explicit-network scenario with Monte Carlo draws, written as a YAML file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from orechain.cli import app

runner = CliRunner()


def _tiny() -> Any:
    """``tiny`` of tests/scenarios/scenario_helpers.py (that folder is not on sys.path here)."""
    path = Path(__file__).parents[1] / "scenarios" / "scenario_helpers.py"
    spec = importlib.util.spec_from_file_location("runs_scenario_helpers", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.tiny


SCENARIO: dict[str, Any] = _tiny()(
    horizon={"start": 2025, "end": 2026},
    uncertainty=[
        {
            "target": "capacity",
            "country": "AUS",
            "distribution": {"kind": "triangular", "low": 0.5, "mode": 1.0, "high": 1.1},
        },
    ],
)
"""Two mines → refinery → USA over two years, with Australia's capacity uncertain."""


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
