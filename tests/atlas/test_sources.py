"""Every bundled data file has a provenance record, and every record is complete."""

from __future__ import annotations

from orechain.atlas.sources import data_dir, load_sources
from orechain.atlas.store import LOADERS

IGNORED = {"README.md", "PROVENANCE.md"}


def test_every_bundled_file_has_a_provenance_record():
    sources = load_sources()
    covered = [p for s in sources for p in s.resolved_paths()]
    root = data_dir()
    missing, twice = [], []
    for path in root.rglob("*"):
        if not path.is_file() or path.name in IGNORED or path.parent == root / "sources":
            continue
        owners = [c for c in covered if path == c or c in path.parents]
        if not owners:
            missing.append(str(path.relative_to(root)))
        elif len(owners) > 1:
            twice.append(str(path.relative_to(root)))
    assert missing == [], f"bundled files without a source entry: {missing}"
    assert twice == [], f"bundled files claimed by several source entries: {twice}"


def test_every_source_path_exists_and_loader_is_known():
    for source in load_sources():
        for path in source.resolved_paths():
            assert path.exists(), f"{source.source_id}: {path} does not exist"
        assert source.loader is None or source.loader in LOADERS, source.source_id


def test_source_ids_are_unique_and_cited():
    sources = load_sources()
    ids = [s.source_id for s in sources]
    assert len(ids) == len(set(ids))
    for s in sources:
        assert all((s.citation, s.licence, s.origin)), s.source_id
