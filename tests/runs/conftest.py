"""Run-log fixtures: a fresh run log folder per test, the CLI pointed at the session atlas."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def runs_dir(atlas_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``ORECHAIN_RUNS_DIR`` in a temporary folder (the run log is created on first use)."""
    folder = tmp_path / "runs"
    monkeypatch.setenv("ORECHAIN_RUNS_DIR", str(folder))
    return folder
