"""Fixtures of the input fuzz suite: a private copy of the session atlas."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def atlas_copy(atlas_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the session atlas, used by the CLI (``ORECHAIN_ATLAS``)."""
    copy = tmp_path / "atlas.duckdb"
    shutil.copyfile(atlas_path, copy)
    monkeypatch.setenv("ORECHAIN_ATLAS", str(copy))
    return copy
