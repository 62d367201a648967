"""Docs that are generated from code must not drift from it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_nomenclature_matches_schema():
    expected = _script("nomenclature").render()
    actual = (ROOT / "docs" / "nomenclature.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/nomenclature.md is stale: run scripts/nomenclature.py"


def test_cli_reference_matches_help():
    expected = _script("cli_reference").render()
    actual = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli-reference.md is stale: run `make cli-docs`"


@pytest.mark.parametrize(
    "name",
    [
        "OreChainError",
        "InputError",
        "NotFoundError",
        "ConflictError",
        "IntegrityError",
        "InfeasibleScenarioError",
    ],
)
def test_every_error_class_is_documented(name):
    assert name in (ROOT / "docs" / "design.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "variable", ["ORECHAIN_CACHE_DIR", "ORECHAIN_ATLAS", "ORECHAIN_DATABASE_URL"]
)
def test_every_setting_is_documented(variable):
    docs = (ROOT / "docs" / "design.md").read_text(encoding="utf-8") + (
        ROOT / "README.md"
    ).read_text(encoding="utf-8")
    assert variable in docs
