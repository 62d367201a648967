"""Backtests: pre-event data only, observed vs predicted, the antimony price direction."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from orechain.cli import app
from orechain.errors import NotFoundError
from orechain.scenarios.backtest import EVENTS, _change_row, event_scenario, run_backtests
from orechain.scenarios.solve import build_network


@pytest.fixture(scope="module")
def backtests(atlas):
    return run_backtests(atlas)


def _row(doc, event, prefix):
    return next(r for r in doc["rows"] if r["event"] == event and r["measure"].startswith(prefix))


def test_antimony_ban_price_direction_is_reproduced(backtests):
    """Issue 12: a model that cannot reproduce the direction of the antimony price move is
    not done. USGS: 5.49 USD/lb (2023) → 9.50 (2024)."""
    row = _row(backtests, "antimony-2024", "US price index")
    assert row["observed"] == pytest.approx(9.50 / 5.49)
    assert row["predicted"] > 1.05
    assert row["direction"] is True


def test_china_share_of_us_antimony_supply_falls_as_observed(backtests):
    row = _row(backtests, "antimony-2024", "change in China's share")
    assert row["observed"] < 0  # BACI: China's share of US 811010 imports fell 2022 → 2024
    assert row["predicted"] < 0
    assert row["direction"] is True


def test_every_event_reports_observed_predicted_and_verdicts(backtests):
    assert {e["id"] for e in backtests["events"]} == set(EVENTS)
    for row in backtests["rows"]:
        assert row["observed"] is not None
        assert row["predicted"] is not None
        assert row["within_factor_2"] in (True, False, None)
    assert backtests["summary"]["rows"] == len(backtests["rows"])


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_events_use_only_data_published_before_them(atlas, event):
    ev = EVENTS[event]
    scn = event_scenario(atlas, ev)
    assert scn.horizon.start == ev.year
    assert scn.reference_year == ev.before
    if scn.network is None:
        net = build_network(scn, atlas)
        usgs = [s for s in net.data_sources if s.startswith("usgs-mcs")]
        assert usgs == [ev.vintage]
    for d in scn.demand:
        assert ev.vintage in d.source or d.source.startswith("ASSUMPTION")


def test_factor_of_two_verdicts_by_hand():
    ev = EVENTS["antimony-2024"]
    row = _change_row(ev, "p", 1.8, 1.5, "", "", baseline=1.0)  # +0.5 vs +0.8
    assert (row.direction, row.within_factor_2) == (True, True)
    row = _change_row(ev, "p", 1.8, 1.3, "", "", baseline=1.0)  # +0.3 vs +0.8: too small
    assert (row.direction, row.within_factor_2) == (True, False)
    row = _change_row(ev, "p", 0.8, 1.2, "", "", baseline=1.0)  # wrong sign
    assert (row.direction, row.within_factor_2) == (False, False)
    row = _change_row(ev, "p", 1.0, 1.2, "", "", baseline=1.0)  # nothing observed
    assert (row.direction, row.within_factor_2) == (None, None)


def test_unknown_event_is_a_one_line_error(atlas, atlas_env):
    with pytest.raises(NotFoundError, match="antimony-2024"):
        run_backtests(atlas, "no-such-event")
    res = CliRunner().invoke(app, ["scenario", "backtest", "no-such-event"])
    assert res.exit_code == 2
    assert "no backtest event" in res.output


def test_cli_json_for_one_event(atlas_env):
    res = CliRunner().invoke(app, ["scenario", "backtest", "antimony-2024", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert [e["id"] for e in doc["events"]] == ["antimony-2024"]
    assert doc["events"][0]["data"]["vintage"] == "usgs-mcs-2024"
    assert any("ASSUMPTION" in a for a in doc["events"][0]["assumptions"])
