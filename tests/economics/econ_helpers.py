"""A tiny hand-checkable project (every number an ASSUMPTION made for tests)."""

from __future__ import annotations

import copy
from typing import Any

from orechain.economics.project import Project, project_from_dict

TINY: dict[str, Any] = {
    "name": "tiny",
    "country": "PAK",
    "start_year": 2030,
    "years": 4,
    "discount_rate": 0.10,
    "stages": [
        {
            "id": "mine",
            "kind": "mine",
            "throughput_t_per_yr": 1000,
            "feed_grade": {"cu": 0.1},
            "production_start": 1,
            "products": [{"id": "conc", "recovery": {"cu": 0.5}, "grade": 0.25}],
            "capex_usd": {0: 100_000},
            "opex_fixed_usd_per_yr": 10_000,
            "opex_variable_usd_per_t": 5,
            "employment": {"jobs": 10, "local_share": 0.8, "wage_usd_per_yr": 100},
        }
    ],
    "prices": {"cu": {"flat": 2000, "unit": "USD/t", "assumption": True}},
    "fiscal": {
        "royalty_rate": 0.05,
        "income_tax_rate": 0.30,
        "depreciation": {"method": "straight_line", "life_years": 3},
    },
}


def tiny(**changes: Any) -> Project:
    """TINY with dotted-path changes, e.g. ``tiny(**{"fiscal.tax_holiday_years": 1})``."""
    raw = copy.deepcopy(TINY)
    for path, value in changes.items():
        node = raw
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[parts[-1]] = value
    return project_from_dict(raw, source="tiny")
