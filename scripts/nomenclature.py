"""Print docs/nomenclature.md from the declared atlas schema (a test checks for drift)."""

from __future__ import annotations

import sys

from orechain.atlas.schema import TABLES

HEADER = """# Nomenclature

Canonical names used in code, tables, JSON and the UI. The atlas tables below are
generated from `orechain.atlas.schema` (`python scripts/nomenclature.py`); a test
fails if this file drifts from the schema.

## Metric names

| name | unit | meaning |
| --- | --- | --- |
| `quantity_t` | t | mass in metric tonnes, with a `basis` |
| `basis` | – | `gross`, `contained` (metal content) or `REO` (rare-earth oxide equivalent) |
| `wet_t`, `dry_t` | t | wet and dry mass of a shipment's weighing; `dry_t = wet_t × (1 − moisture)` |
| `moisture` | 0..1 | water content of the wet mass (ledger `ship.weight`, `receive.outturn`) |
| `outturn` | – | the out-turn (discharge) weighing on `receive`, compared with the loading weight |
| `hs_code` | – | Harmonized System code of the goods (6–10 digits) |
| `sha256` | – | lowercase hex SHA-256 of a document's bytes, as an event references it |
| `share` | 0..1 | a supplier's share of the total (Σ countries + "other countries") |
| `hhi` | 0..10,000 | Herfindahl–Hirschman index, Σ (100·share)² |
| `cr1`, `cr3` | 0..1 | largest one / three shares |
| `wgi` | 0..10 | World Bank WGI mean of six indicators rescaled, 10 = worst governance |
| `hhi_wgi` | 0..10 | Σ share² · wgi (EU CRM method) |
| `net_import_reliance` | % | U.S. (imports − exports ± stock change) / apparent consumption, USGS |
| `value_usd` | USD | trade value |
| `quantity_kg` | kg | trade net weight |
| `source_id` | – | id of an entry in `src/orechain/data/sources/*.yaml` |

## Atlas tables
"""


def render() -> str:
    parts = [HEADER]
    for table in TABLES.values():
        parts.append(f"\n### `{table.name}`\n\n{table.description}\n")
        parts.append("| column | type | unit | description |")
        parts.append("| --- | --- | --- | --- |")
        for c in table.columns:
            required = "" if c.nullable else " (required)"
            parts.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.description}{required} |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
