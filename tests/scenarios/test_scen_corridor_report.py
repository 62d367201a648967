"""The corridor report shows clearing prices and origin-traced China shares by year."""

from __future__ import annotations

import re

from orechain.report.corridor import render_corridor
from orechain.services.corridor import corridor_facts, corridor_scenario


def test_corridor_report_prints_prices_and_origin_traced_shares(atlas):
    scenario = corridor_scenario(atlas)
    assert scenario is not None
    html = render_corridor(corridor_facts(atlas), None, scenario)
    assert "price index" in html
    assert "origin-traced" in html
    years = scenario["years"]
    assert [y["year"] for y in years] == list(range(2025, 2036))
    assert all(y["price_index"] is not None and y["price_index"] > 1.0 for y in years)
    # the ban on Chinese oxide follows it through Japan and Vietnam: no Chinese separation
    # in US supply once the ban alone is on (2027-35; before that licensing also binds)
    assert all(y["china_share"]["separation"] < 1e-6 for y in years if y["year"] >= 2027)
    row = re.search(r"<tr><td>2030</td>(.*?)</tr>", html)
    assert row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    assert cells[1] == f"{years[5]['price_index']:.2f}"
