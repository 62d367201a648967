"""Opening the atlas: a writer blocked by an open read-only handle gets one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from orechain.atlas.store import open_atlas
from orechain.errors import ConflictError
from orechain.settings import Settings


def test_writer_blocked_by_a_read_only_handle_is_a_conflict(atlas: object, atlas_path: Path):
    with pytest.raises(ConflictError, match="cannot open the atlas for writing"):
        open_atlas(Settings(atlas_path=atlas_path), read_only=False)
