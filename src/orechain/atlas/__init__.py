"""The atlas: public reference data on critical minerals, with provenance.

Commodities, countries, value-chain stages, production, reserves, trade flows,
salient statistics and governance indicators, loaded from the bundled public
files (``data/``, one provenance record per file in ``data/sources/``) into a
DuckDB file by one loader per source kind (:mod:`orechain.atlas.ingest`).
Open it with :func:`orechain.atlas.store.open_atlas` (built on first use).
"""
