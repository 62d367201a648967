"""What ships with OreChain: bundled scenarios and example projects, by name.

The API and the dashboard select these by name only (the server reads no path a
client chooses); the CLI also accepts a file path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orechain.atlas.sources import data_dir
from orechain.errors import InputError
from orechain.inputs import load_yaml_text, read_yaml

if TYPE_CHECKING:
    from orechain.economics.project import Project
    from orechain.scenarios.spec import Scenario

__all__ = [
    "BundledItem",
    "bundled_project",
    "bundled_project_path",
    "bundled_projects",
    "bundled_scenario",
    "bundled_scenario_text",
    "bundled_scenarios",
    "project_from_document",
    "resolve_project_path",
    "scenario_from_yaml",
]

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
"""A bundled name: letters, digits, ``_ . -``; no path."""


@dataclass(frozen=True)
class BundledItem:
    """A scenario or project shipped with OreChain."""

    name: str
    title: str
    description: str
    commodity: str | None = None


def _projects_dir() -> Path:
    return data_dir() / "projects"


def _scenarios_dir() -> Path:
    return data_dir() / "scenarios"


def _items(folder: Path) -> list[BundledItem]:
    out = []
    for path in sorted(folder.glob("*.yaml")):
        raw = read_yaml(path) or {}
        commodity = raw.get("commodity")
        out.append(
            BundledItem(
                name=path.stem,
                title=str(raw.get("name", path.stem)),
                description=str(raw.get("description", "")).strip(),
                commodity=None if commodity is None else str(commodity),
            )
        )
    return out


def _bundled_path(folder: Path, name: str, what: str) -> Path:
    """The bundled file called ``name`` (``.yaml`` optional); InputError if none or a path."""
    stem = name.removesuffix(".yaml")
    path = folder / f"{stem}.yaml"
    if not NAME.match(name) or stem.startswith(".") or not path.is_file():
        names = ", ".join(p.stem for p in sorted(folder.glob("*.yaml")))
        msg = f"no bundled {what} {name!r}; bundled: {names}"
        raise InputError(msg, field="name")
    return path


def bundled_scenarios() -> list[BundledItem]:
    """Every bundled scenario (every assumption labelled in its file)."""
    return _items(_scenarios_dir())


def bundled_scenario_text(name: str) -> str:
    """The YAML text of a bundled scenario, to edit and run."""
    return _bundled_path(_scenarios_dir(), name, "scenario").read_text(encoding="utf-8")


def bundled_scenario(name: str) -> Scenario:
    """The validated bundled scenario ``name`` (never a file path)."""
    from orechain.scenarios.spec import load_scenario

    return load_scenario(_bundled_path(_scenarios_dir(), name, "scenario"))


def scenario_from_yaml(text: str, source: str = "<request>") -> Scenario:
    """A scenario from its YAML text (an edited bundled scenario).

    The text comes from a client, so its ``observed.ledger`` may only be the
    sample: the server opens no ledger a client names.
    """
    from orechain.scenarios.observed import SAMPLE
    from orechain.scenarios.spec import parse_scenario

    raw = load_yaml_text(text, source)
    observed = raw.get("observed") if isinstance(raw, dict) else None
    if isinstance(observed, dict) and observed.get("ledger", SAMPLE) != SAMPLE:
        msg = f"a scenario sent to the server may only observe the '{SAMPLE}' ledger"
        raise InputError(msg, source=source, field="observed.ledger")
    return parse_scenario(raw, source=source)


def bundled_projects() -> list[BundledItem]:
    """Every bundled example project (labelled assumptions)."""
    return _items(_projects_dir())


def bundled_project_path(name: str) -> Path:
    """The file of the bundled project ``name``."""
    return _bundled_path(_projects_dir(), name, "project")


def bundled_project(name: str) -> Project:
    """The validated bundled project ``name`` (never a file path)."""
    from orechain.economics.project import load_project

    return load_project(bundled_project_path(name))


def resolve_project_path(path: Path) -> Path:
    """A project file as given, or the bundled example of that name (CLI convenience)."""
    if path.exists():
        return path
    bundled = _projects_dir() / path.name
    return bundled if bundled.exists() else path


def _no_files(value: Any, where: str = "project") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "file":
                msg = "inline projects may not reference files"
                raise InputError(msg, field=f"{where}.file")
            _no_files(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_files(item, f"{where}[{i}]")


def project_from_document(doc: dict[str, Any], source: str = "<request>") -> Project:
    """A project sent inline; it may not name files (``file:`` keys)."""
    from orechain.economics.project import project_from_dict

    _no_files(doc)
    return project_from_dict(doc, source=source, base_dir=_projects_dir())
