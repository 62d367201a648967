"""Origin shares of a scenario run on the dashboard carry their range over equally cheap routings.

The run document gives each share a point (``supply_share_by_origin``,
``regions.USA.origin_mix``) and a range (``supply_share_range_by_origin``,
``origin_mix_range``): the model does not determine the share inside it
(docs/scenarios.md, "Ranges over equally cheap routings"). Every share the overview
shows of the corridor run is checked against the run document the page received:
the point with ``(lo–hi %)`` in whole percents where the range is wider than one
percentage point, the point alone where it is not or where the document has no ranges
(an older run), and a note saying what the range means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from verdicts import HEADERS, NOWRAP_LINES, OVERFLOW, relay_runs, run_corridor_scenario

from orechain.formatting import percent
from orechain.web.labels import field_label

pytestmark = pytest.mark.browser

READY = "#t-origins[data-verified=done][data-year='{year}']"
OPEN_RANGE = 0.01  # static/js/formatting.js and orechain.cli.scenarios
NOTE = (
    "equally cheap routings of the least-cost stage; "
    "the model does not determine the share inside it"
)
NAMED = {"Pakistan": "PAK", "China": "CHN", "United States": "USA"}  # static/js/corridor.js

ROWS = """(sel) => [...document.querySelectorAll(sel + ' tbody tr')]
  .map((tr) => [...tr.cells].map((td) => td.textContent.trim()))"""
NOTE_TEXT = "(id) => (document.getElementById(id) || {}).textContent || ''"


def shown(point: float, span: list[float] | None) -> str:
    """The text a share should read as: ``69.0 % (8–98 %)``, or the point alone."""
    if span is None or span[1] - span[0] <= OPEN_RANGE:
        return percent(point)
    return f"{percent(point)} ({100 * span[0]:.0f}–{100 * span[1]:.0f} %)"


def strip_ranges(doc: dict[str, Any]) -> None:
    """Make a run document look like one from before the ranges."""
    for y in doc["years"]:
        y.pop("supply_share_range_by_origin", None)
        y.pop("routing_samples", None)
        for region in y.get("regions", {}).values():
            region.pop("origin_mix_range", None)


def _overview(
    browser: Any,
    live_server: str,
    page_watch: Any,
    width: int,
    year: int,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open the overview on ``year``; the run document it received (after ``edit``) and
    what it shows: the digest and origin tables' rows, their notes and the page width."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        pg = context.new_page()
        watch = page_watch(pg, live_server.rstrip("/"))
        seen = relay_runs(pg, edit)
        pg.goto(live_server + f"?year={year}")
        pg.wait_for_selector(READY.format(year=year), state="attached", timeout=180_000)
        view = {
            "digest_head": pg.evaluate(HEADERS, "#digest-table"),
            "digest": pg.evaluate(ROWS, "#digest-table"),
            "digest_note": pg.evaluate(NOTE_TEXT, "digest-range-note"),
            "origins": pg.evaluate(ROWS, "#t-origins"),
            "origins_note": pg.evaluate(NOTE_TEXT, "origins-range-note"),
            # each shown range's line boxes: 1 when it is kept on one line
            "range_lines": pg.evaluate(
                NOWRAP_LINES, "#digest-table td .nowrap, #t-origins td .nowrap"
            ),
            "overflow": pg.evaluate(OVERFLOW),
        }
    finally:
        context.close()
    assert watch.outside == []
    assert watch.errors == []
    return seen["result"], view


def _expected_digest(result: dict[str, Any], stages: list[str]) -> list[list[str]]:
    """China's share per stage in the last year, with and without the mitigations."""
    rows = []
    for doc in (result, result["without"]):
        last = doc["years"][-1]
        ranges = last.get("supply_share_range_by_origin", {})
        points = last["supply_share_by_origin"]
        rows.append(
            [shown(points.get(s, {}).get("CHN", 0.0), ranges.get(s, {}).get("CHN")) for s in stages]
        )
    return rows


def _expected_origin(doc: dict[str, Any], year: int, stage: str, iso3: str) -> str:
    y = next(y for y in doc["years"] if y["year"] == year)
    usa = y["regions"]["USA"]
    point = usa["origin_mix"][stage].get(iso3, 0.0)
    return shown(point, usa.get("origin_mix_range", {}).get(stage, {}).get(iso3))


def _check_origins(result: dict[str, Any], view: dict[str, Any], year: int) -> int:
    """Every named origin's modelled cells against the run; returns how many show a range."""
    stages = {field_label(s): s for s in result["years"][0]["supply_share_by_origin"]}
    checked = ranged = 0
    for stage_label, origin, with_pk, without_pk, _verified in view["origins"]:
        if stage_label not in stages or origin not in NAMED:
            continue
        stage = stages[stage_label]
        assert with_pk == _expected_origin(result, year, stage, NAMED[origin]), (stage, origin)
        assert without_pk == _expected_origin(result["without"], year, stage, NAMED[origin])
        checked += 1
        ranged += ("(" in with_pk) + ("(" in without_pk)
    assert checked >= 4
    return ranged


@pytest.mark.parametrize("width", [1280, 375])
def test_overview_shares_show_their_range(
    browser: Any, live_server: str, page_watch: Any, width: int
) -> None:
    result, view = _overview(browser, live_server, page_watch, width, 2035)
    assert result["years"][-1]["routing_samples"] > 0
    # the digest: China's share of U.S. supply per stage in the last year, both runs
    stages = list(result["years"][-1]["supply_share_by_origin"])
    assert view["digest_head"][3:] == [f"China's share, {field_label(s)}" for s in stages]
    expected = _expected_digest(result, stages)
    assert [row[3:] for row in view["digest"]] == expected
    # China's mining share is 0 % in the point and up to tens of percent on an equally
    # cheap routing: the page must say so
    assert any("(" in cell for row in expected for cell in row)
    assert NOTE in view["digest_note"]
    assert f"over {result['years'][-1]['routing_samples']} equally cheap" in view["digest_note"]
    # the corridor's origin table on the slider year, with and without Pakistan
    assert _check_origins(result, view, 2035) >= 2
    china_mining = next(r for r in view["origins"] if r[:2] == ["Mining", "China"])
    assert china_mining[2].startswith(percent(0.0) + " (0–")  # a 0 % point is a row too
    assert NOTE in view["origins_note"]
    assert "Other countries show the point alone" in view["origins_note"]
    other = [r for r in view["origins"] if r[1] == "other countries"]
    assert other
    assert not any("(" in r[2] or "(" in r[3] for r in other)
    # a narrow column wraps between the point and its range, never inside "(0–41 %)"
    assert view["range_lines"]
    assert set(view["range_lines"]) == {1}
    # data tables scroll inside themselves; the page body does not overflow
    assert view["overflow"] <= 0


def test_overview_slider_year_shares_show_their_range(
    browser: Any, live_server: str, page_watch: Any
) -> None:
    result, view = _overview(browser, live_server, page_watch, 1280, 2030)
    assert _check_origins(result, view, 2030) >= 2


def test_run_without_ranges_shows_the_point_alone(
    browser: Any, live_server: str, page_watch: Any
) -> None:
    # The with-Pakistan run keeps its ranges, the without-Pakistan run is stripped to an
    # older document's: one page shows both, each as its document allows.
    result, view = _overview(
        browser, live_server, page_watch, 1280, 2035, edit=lambda doc: strip_ranges(doc["without"])
    )
    assert "supply_share_range_by_origin" not in result["without"]["years"][-1]
    stages = list(result["years"][-1]["supply_share_by_origin"])
    with_row, without_row = [row[3:] for row in view["digest"]]
    expected_with, expected_without = _expected_digest(result, stages)
    assert with_row == expected_with
    assert any("(" in cell for cell in with_row)
    assert without_row == expected_without
    assert not any("(" in cell for cell in without_row)
    assert _check_origins(result, view, 2035) >= 1
    assert not any("(" in r[3] for r in view["origins"])


CALL = """async (cases) => {
  const f = await import('/static/js/formatting.js');
  return cases.map(([point, span]) => f.shareRange(point, span ?? undefined));
}"""


def test_share_range_formatter(browser: Any, live_server: str) -> None:
    """The one formatter every share goes through, on edge cases: a range of exactly one
    point and a closed one print the point alone; halfway bounds round as Python does."""
    cases = [
        (0.69, [0.076, 0.979]),
        (0.0, [0.0, 0.4104051750876359]),
        (0.0, [0.0, 0.01]),
        (0.5, [0.5, 0.5100001]),
        (0.3, [0.3, 0.3]),
        (0.405, None),
        (0.2, [0.025, 0.125]),
        (1.0, [0.0, 1.0]),
    ]
    context = browser.new_context()
    try:
        pg = context.new_page()
        pg.goto(live_server + "sources")
        got = pg.evaluate(CALL, [list(c) for c in cases])
    finally:
        context.close()
    assert got == [shown(point, span) for point, span in cases]
    assert got[0] == "69.0 % (8–98 %)"
    assert got[2] == "0.0 %"


def _scenarios_page(
    browser: Any, live_server: str, page_watch: Any, width: int, *, strip: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run pakistan-us-corridor on /scenarios; the run document the page received (its
    ranges removed with ``strip``) and the China-share table, its note and the page width."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        pg, watch, seen = run_corridor_scenario(
            context, live_server, page_watch, strip_ranges if strip else None
        )
        view = {
            "head": pg.evaluate(HEADERS, "#share-table"),
            "rows": pg.evaluate(ROWS, "#share-table"),
            "note": pg.evaluate(NOTE_TEXT, "share-note"),
            "range_lines": pg.evaluate(NOWRAP_LINES, "#share-table td .nowrap"),
            "overflow": pg.evaluate(OVERFLOW),
        }
    finally:
        context.close()
    assert watch.outside == []
    assert watch.errors == []
    return seen["result"], view


@pytest.mark.parametrize(("width", "strip"), [(1280, False), (375, False), (1280, True)])
def test_scenarios_page_china_shares_with_range(
    browser: Any, live_server: str, page_watch: Any, width: int, strip: bool
) -> None:
    result, view = _scenarios_page(browser, live_server, page_watch, width, strip=strip)
    stages = list(result["years"][0]["supply_share_by_origin"])
    assert view["head"] == ["Year", *(field_label(s) for s in stages)]
    expected = []
    for y in result["years"]:
        ranges = y.get("supply_share_range_by_origin", {})
        points = y["supply_share_by_origin"]
        expected.append(
            [str(y["year"])]
            + [shown(points[s].get("CHN", 0.0), ranges.get(s, {}).get("CHN")) for s in stages]
        )
    assert view["rows"] == expected
    ranged = [cell for row in view["rows"] for cell in row[1:] if "(" in cell]
    if strip:  # an older run document: the point alone, no note
        assert not ranged
        assert view["note"] == ""
    else:
        assert len(ranged) >= 5
        assert NOTE in view["note"]
        assert set(view["range_lines"]) == {1}
    assert view["overflow"] <= 0
