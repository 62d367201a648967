"""The provenance register of bundled data: ``orechain/data/sources/*.yaml``.

Every bundled file belongs to exactly one source entry, which names its
publisher, citation, licence, where the copy came from and which loader reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from orechain.errors import InputError
from orechain.inputs import read_yaml


def data_dir() -> Path:
    """Directory of the bundled data files."""
    return Path(str(files("orechain") / "data"))


@dataclass(frozen=True)
class Source:
    """One entry of ``sources.yaml``."""

    source_id: str
    title: str
    publisher: str
    citation: str
    licence: str
    origin: str
    loader: str | None
    """Loader kind (``usgs-mcs``, ``baci``, ...) or None for reference-only files."""
    paths: tuple[str, ...]
    """Files or folders under ``data/`` that this source covers."""
    order: int = 100
    """Load order during a build (reference tables first)."""

    def resolved_paths(self) -> list[Path]:
        """Absolute paths of this source's files or folders."""
        return [data_dir() / p for p in self.paths]


REQUIRED = ("id", "title", "publisher", "citation", "licence", "origin", "paths")


def load_sources(folder: Path | None = None) -> list[Source]:
    """Read the provenance register, checking every entry has its fields."""
    folder = folder or data_dir() / "sources"
    out: list[Source] = []
    for path in sorted(folder.glob("*.yaml")):
        out.extend(_read_register(path))
    ids = [s.source_id for s in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        msg = f"duplicate source ids: {', '.join(dupes)}"
        raise InputError(msg, source=str(folder))
    return sorted(out, key=lambda s: (s.order, s.source_id))


def _read_register(path: Path) -> list[Source]:
    raw = read_yaml(path) or {}
    out: list[Source] = []
    for i, entry in enumerate(raw.get("sources", []), start=1):
        for key in REQUIRED:
            if not entry.get(key):
                msg = f"source entry {i} lacks {key!r}"
                raise InputError(msg, source=str(path), field=key)
        out.append(
            Source(
                source_id=entry["id"],
                title=entry["title"],
                publisher=entry["publisher"],
                citation=entry["citation"],
                licence=entry["licence"],
                origin=entry["origin"],
                loader=entry.get("loader"),
                paths=tuple(entry["paths"]),
                order=int(entry.get("order", 100)),
            )
        )
    return out
