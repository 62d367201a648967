"""The loader registry: source kind → ``module:function``.

A light module (no pandas, no DuckDB) so that ``orechain atlas ingest --help``
can name the kinds without importing the store.
"""

from __future__ import annotations

LOADERS: dict[str, str] = {
    "reference": "orechain.atlas.reference:load",
    "usgs-mcs": "orechain.atlas.ingest.usgs_mcs:load",
    "wgi": "orechain.atlas.ingest.wgi:load",
    "wmd": "orechain.atlas.ingest.wmd:load",
    "baci": "orechain.atlas.ingest.baci:load",
    "baci-extract": "orechain.atlas.ingest.baci:load_extract",
    "comtrade": "orechain.atlas.ingest.comtrade:load",
    "stage-shares": "orechain.atlas.ingest.stage_shares:load",
    "hs-map": "orechain.atlas.hs_codes:load",
}
"""Loader kind → ``module:function``; imported lazily so start-up stays fast."""
