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


def test_corridor_report_shows_each_open_share_range(atlas):
    """A China share whose range over equally cheap routings is wider than 1 point shows it.

    The 2030 mining share of the corridor's U.S. supply is 1.2 % at the run's own
    routing, but other routings as cheap give up to about 56 %: the report must
    not print the 1.2 % alone. Closed ranges (separation: 0 % on every routing)
    print the share alone.
    """
    scenario = corridor_scenario(atlas)
    assert scenario is not None
    html = render_corridor(corridor_facts(atlas), None, scenario)
    y2030 = next(y for y in scenario["years"] if y["year"] == 2030)
    lo, hi = y2030["china_range"]["mining"]
    assert hi - lo > 0.1
    row = re.search(r"<tr><td>2030</td>(.*?)</tr>", html)
    assert row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    stages = list(scenario["with"]["china_share_last_year"])
    mining = cells[2 + stages.index("mining")]
    assert mining == f"{100 * y2030['china_share']['mining']:.1f} % ({100 * lo:.0f}–{100 * hi:.0f})"
    assert cells[2 + stages.index("separation")] == "0.0 %"
    assert 'id="routing-note"' in html
    assert "equally cheap routings" in html
