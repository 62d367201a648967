"""The front-end files vendored from npm into ``static/vendor/`` (nothing loads from a CDN).

``package.json`` at the repository root pins the versions; after ``npm ci``,
``python -m orechain.web.vendor`` copies each file below (with its licence)
into ``src/orechain/web/static/vendor/``. A test checks that every page's
scripts, styles and map geometry are among these files.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["VENDORED", "Vendored", "copy_vendored", "vendor_dir"]


@dataclass(frozen=True)
class Vendored:
    """One vendored file: npm package and version, path inside it, file name here."""

    package: str
    version: str
    source: str
    target: str
    licence: str
    licence_file: str = "LICENSE"


VENDORED: tuple[Vendored, ...] = (
    Vendored("d3", "7.9.2", "dist/d3.min.js", "d3-7.9.2.min.js", "ISC"),
    Vendored(
        "d3-sankey", "0.12.3", "dist/d3-sankey.min.js", "d3-sankey-0.12.3.min.js", "BSD-3-Clause"
    ),
    Vendored(
        "topojson-client",
        "3.1.0",
        "dist/topojson-client.min.js",
        "topojson-client-3.1.0.min.js",
        "ISC",
    ),
    Vendored(
        "world-atlas",
        "2.0.2",
        "countries-110m.json",
        "world-atlas-2.0.2-countries-110m.json",
        "ISC (geometry: Natural Earth, public domain)",
    ),
    Vendored("@noble/ed25519", "2.3.0", "index.js", "noble-ed25519-2.3.0.js", "MIT"),
)
"""Every vendored file, with the npm package it comes from."""


def vendor_dir() -> Path:
    """``src/orechain/web/static/vendor``."""
    return Path(__file__).parent / "static" / "vendor"


def copy_vendored(node_modules: Path, dest: Path | None = None) -> list[Path]:
    """Copy every :data:`VENDORED` file and its licence from ``node_modules``."""
    dest = dest or vendor_dir()
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for item in VENDORED:
        package = node_modules / item.package
        shutil.copyfile(package / item.source, dest / item.target)
        licence = package / item.licence_file
        if licence.is_file():
            name = item.package.replace("/", "-").lstrip("@")
            shutil.copyfile(licence, dest / f"LICENSE-{name}-{item.version}.txt")
        written.append(dest / item.target)
    return written


if __name__ == "__main__":  # pragma: no cover - developer tool
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("node_modules")
    for path in copy_vendored(root):
        sys.stdout.write(f"{path}\n")
