"""Bundled scenario files: packaged under ``orechain/data/scenarios/``.

The repository root keeps identical copies in ``scenarios/`` (a test checks
they match) so that ``orechain scenario run scenarios/pakistan-us-corridor.yaml``
works from a checkout; on an installed package without that folder, a path that
does not exist is looked up among the bundled files by its file name.
"""

from __future__ import annotations

from pathlib import Path

from orechain.atlas.sources import data_dir
from orechain.errors import InputError


def bundled_dir() -> Path:
    """Folder of the packaged scenario files."""
    return data_dir() / "scenarios"


def bundled_scenarios() -> list[Path]:
    """Every packaged scenario file, sorted by name."""
    return sorted(bundled_dir().glob("*.yaml"))


def resolve_scenario_path(path: str | Path) -> Path:
    """The file for ``path``: as given if it exists, else the bundled file of that name.

    ``pakistan-us-corridor``, ``pakistan-us-corridor.yaml`` and
    ``scenarios/pakistan-us-corridor.yaml`` all find the bundled file.
    """
    given = Path(path)
    if given.is_file():
        return given
    name = given.name if given.suffix else f"{given.name}.yaml"
    candidate = bundled_dir() / name
    if candidate.is_file():
        return candidate
    names = ", ".join(p.stem for p in bundled_scenarios())
    msg = f"no such scenario file; bundled scenarios: {names}"
    raise InputError(msg, source=str(path))
