"""Start-up cost: help and light commands do not import the heavy libraries."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest
import typer.main

from orechain.cli import AREA_HELP, SUBCOMMANDS, app

HEAVY = ("pandas", "duckdb", "fastapi", "dask", "highspy", "numpy")
PROBE = """
import json, sys
sys.argv = ["orechain", *json.loads(sys.argv[1])]
from orechain.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv", [["--help"], ["--version"], ["risk", "--help"], ["atlas", "--help"]], ids=str
)
def test_help_imports_no_heavy_library(argv):
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), json.dumps(argv)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        check=True,
    )
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []


def test_area_help_matches_each_area():
    root = typer.main.get_command(app)
    for name in SUBCOMMANDS:
        real = root.commands[name]  # type: ignore[attr-defined]
        text = (real.help or "").strip().splitlines()[0]
        assert AREA_HELP[name] == text, name
    assert set(AREA_HELP) == set(SUBCOMMANDS)
    assert importlib.import_module("orechain.cli").build_help_app() is not None


def test_risk_query_imports_neither_pandas_nor_numpy(atlas_env):
    """``orechain risk COMMODITY --json`` reads the atlas through plain records (issue 14).

    Nor rich: a JSON document needs no console.
    """
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE.format(heavy=(*HEAVY, "rich")),
            json.dumps(["risk", "antimony", "--json"]),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        check=True,
    )
    assert json.loads(done.stdout)["commodity"] == "antimony"
    assert json.loads(done.stderr.strip().splitlines()[-1]) == ["duckdb"]
