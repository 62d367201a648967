"""The corridor report shows the backtest table and labels ledger-observed flows."""

from __future__ import annotations

import re

import yaml

from orechain.formatting import number
from orechain.jsonsafe import to_jsonable
from orechain.report.corridor import render_corridor
from orechain.scenarios.bundled import resolve_scenario_path
from orechain.scenarios.report import run_report
from orechain.scenarios.spec import parse_scenario
from orechain.services.corridor import corridor_backtests, corridor_facts, scenario_digest


def _observed_corridor(atlas) -> dict:
    raw = yaml.safe_load(resolve_scenario_path("pakistan-us-corridor").read_text())
    raw["horizon"] = {"start": 2025, "end": 2026}
    raw["observed"] = {"ledger": "sample", "buyer": "USA", "year": 2026, "origins": ["PAK"]}
    return scenario_digest(to_jsonable(run_report(parse_scenario(raw), atlas)[0]))


def test_report_has_backtests_and_observed_flows(atlas):
    backtests = corridor_backtests(atlas)
    assert backtests is not None
    html = render_corridor(corridor_facts(atlas), None, _observed_corridor(atlas), backtests)
    table = re.search(r'<table id="backtest-table">(.*?)</table>', html, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td>", table.group(1))
    assert rows == [r["event"] for r in backtests["rows"]]
    first = backtests["rows"][0]
    assert f'<td class="num">{number(first["observed"])}</td>' in table.group(1)
    s = backtests["summary"]
    assert (
        f"direction right in {s['direction_right']} of {s['rows']} rows, "
        f"within a factor of 2 in {s['within_factor_2']}." in html
    )
    observed = re.search(r'<ul id="observed">(.*?)</ul>', html, re.S)
    assert observed is not None
    expected = (
        f"observed (ledger): PAK beneficiation → USA in 2026, {number(100 * 0.40, 3)} t (REO)"
    )
    assert expected in observed.group(1)


def test_report_without_backtests_says_so(atlas):
    html = render_corridor(corridor_facts(atlas), None, None, None)
    assert "backtests could not be run" in html
    assert 'id="observed"' not in html
