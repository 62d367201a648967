"""Derive the bundled ``wgi/wgidataset.csv`` from the official ``data-raw/wgi/wgidataset.xlsx``.

The CSV has the workbook's columns and cells unchanged (``..`` kept), so the
``wgi`` loader reads either file the same way; only reading time differs
(openpyxl takes about 2 s for the 32,100 rows). Run from the repository root:

    .venv/bin/python scripts/derive_wgi_csv.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from orechain.atlas.ingest.wgi import read_wgi
from orechain.atlas.sources import data_dir


def main() -> int:
    folder = data_dir() / "wgi"
    frame = read_wgi(Path(__file__).resolve().parents[1] / "data-raw" / "wgi" / "wgidataset.xlsx")
    out = Path(folder / "wgidataset.csv")
    frame.to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {out} ({len(frame)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
