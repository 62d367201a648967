"""The Sankeys of a scenario run split each flow into bands by mined origin (issue 15).

The bands come from the run document's per-link ``origin`` ({ISO3: t}); the
Pakistan band is highlighted, the legend names the colours. On the overview the
bands into the U.S. end use agree with the origin-traced mining share in the
table below; on the Scenarios page each link's bands are its ``origin`` shares,
the flow table names the mined origins, and a run document without per-link
origins falls back to the country each flow leaves, with a caption that says so.
Both pages draw the bands with one function (``static/js/origins.js``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from verdicts import run_corridor_scenario

from orechain.formatting import number, percent

pytestmark = pytest.mark.browser

READY = "#t-origins[data-verified=done][data-year='{year}']"

BANDS = """() => [...document.querySelectorAll('#corridor-sankey svg path.link')].map((p) => ({
  source: p.__data__.source.name, target: p.__data__.target.name, value: p.__data__.value,
  group: p.dataset.group, highlight: p.classList.contains('highlight'),
  label: p.getAttribute('aria-label') }))"""


@pytest.mark.parametrize("width", [1280, 375])
def test_sankey_bands_follow_mined_origin(browser, live_server, page_watch, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        pg = context.new_page()
        watch = page_watch(pg, live_server.rstrip("/"))
        pg.goto(live_server + "?year=2035")
        pg.wait_for_selector(READY.format(year=2035), state="attached", timeout=180_000)
        assert pg.get_attribute("#corridor-caption", "data-coloured-by") == "origin"
        assert "where the material was mined" in pg.inner_text("#corridor-caption")
        legend = pg.inner_text("#corridor-sankey .legend")
        assert "Colour: where the material was mined" in legend
        assert "Pakistan" in legend
        bands = pg.evaluate(BANDS)
        pak = [b for b in bands if b["group"] == "Pakistan"]
        assert pak
        assert all(b["highlight"] for b in pak)
        assert not any(b["highlight"] for b in bands if b["group"] != "Pakistan")
        # Pakistani ore reaches U.S. magnet buyers through third-country plants
        into_us = [b for b in bands if b["target"] == "USA end use of magnet"]
        assert any(b["group"] == "Pakistan" and b["source"] != "PAK magnet" for b in into_us)
        assert "where the material was mined: Pakistan" in next(
            b["label"] for b in into_us if b["group"] == "Pakistan"
        )
        # the bands agree with the origin-traced mining share shown in the table
        share = sum(b["value"] for b in into_us if b["group"] == "Pakistan") / sum(
            b["value"] for b in into_us
        )
        rows = pg.evaluate(
            "() => [...document.querySelectorAll('#t-origins tbody tr')]"
            ".map((tr) => [...tr.cells].map((td) => td.textContent.trim()))"
        )
        with_pk = next(r[2] for r in rows if r[0] == "Mining" and r[1] == "Pakistan")
        # the point estimate; its range over equally cheap routings follows in brackets
        assert with_pk.split(" (")[0] == percent(share)
        assert share > 0
    finally:
        context.close()
    assert watch.outside == []
    assert watch.errors == []


# The colour groups of static/js/origins.js: three named countries, every other key grey.
GROUPS = {"PAK": "Pakistan", "CHN": "China", "USA": "United States"}

SCENARIO_BANDS = BANDS.replace("#corridor-sankey", "#sankey")


def _group(iso3: str) -> str:
    return GROUPS.get(iso3, "other countries")


def _run_scenario_page(
    browser: Any, live_server: str, page_watch: Any, width: int, *, strip_origin: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str], list[list[str]]]:
    """Run pakistan-us-corridor on /scenarios; the run document the page received, the
    bands it drew, its caption and legend, and the flow table's header and rows.

    With ``strip_origin`` the finished run document reaches the page without the links'
    ``origin`` (a run from before per-link origins)."""
    context = browser.new_context(viewport={"width": width, "height": 900})

    def strip(result: dict[str, Any]) -> None:
        if strip_origin:
            for link in result["sankey"]["links"]:
                link.pop("origin", None)

    try:
        pg, watch, seen = run_corridor_scenario(context, live_server, page_watch, strip)
        pg.wait_for_selector("#sankey svg path.link", state="attached", timeout=20_000)
        bands = pg.evaluate(SCENARIO_BANDS)
        text = {
            "by": pg.get_attribute("#sankey-caption", "data-coloured-by") or "",
            "caption": pg.inner_text("#sankey-caption"),
            "legend": pg.inner_text("#sankey .legend"),
        }
        table = pg.evaluate(
            "() => [...document.querySelectorAll('#sankey-table tr')]"
            ".map((tr) => [...tr.cells].map((td) => td.textContent.trim()))"
        )
    finally:
        context.close()
    assert watch.outside == []
    assert watch.errors == []
    return seen["result"], bands, text, table


@pytest.mark.parametrize("width", [1280, 375])
def test_scenarios_sankey_bands_are_link_origin_shares(browser, live_server, page_watch, width):
    result, bands, text, table = _run_scenario_page(browser, live_server, page_watch, width)
    # every link's drawn bands, as shares of the link, are its origin shares by group
    drawn: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for b in bands:
        drawn[(b["source"], b["target"])][b["group"]] += b["value"]
    expected: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for link in result["sankey"]["links"]:
        if link["tonnes"] > 1e-6:
            for iso3, t in link["origin"].items():
                expected[(link["source"], link["target"])][_group(iso3)] += t
    assert set(drawn) == set(expected)
    for key, mix in expected.items():
        total, shown = sum(mix.values()), sum(drawn[key].values())
        for group in set(mix) | set(drawn[key]):
            share = drawn[key][group] / shown
            assert share == pytest.approx(mix[group] / total, abs=1e-6), (key, group)
    # material mined elsewhere than where the link leaves: Pakistani ore in third-country
    # magnets for the United States, drawn green and on top
    into_us = [b for b in bands if b["target"] == "USA end use of magnet"]
    assert any(b["group"] == "Pakistan" and not b["source"].startswith("PAK") for b in into_us)
    assert all(b["highlight"] == (b["group"] == "Pakistan") for b in bands)
    assert text["by"] == "origin"
    assert "where the material was mined" in text["caption"]
    assert "Colour: where the material was mined" in text["legend"]
    # the flow table spells the largest link's mined origins out in tonnes
    header, rows = table[0], table[1:]
    assert header == ["from", "to", "flow [t]", "mined in [t]"]
    top = max(result["sankey"]["links"], key=lambda link: link["tonnes"])
    first = max(top["origin"].items(), key=lambda kv: kv[1])
    assert rows[0][:2] == [top["source"], top["target"]]
    assert rows[0][3].startswith(f"{first[0]}\u00a0{number(first[1])}")  # no-break space
    cross = next(r for r in rows if r[0] == "JPN magnet" and r[1] == "ROW end use of magnet")
    assert cross[3].startswith("CHN\u00a0")


def test_scenarios_sankey_falls_back_to_departure(browser, live_server, page_watch):
    result, bands, text, table = _run_scenario_page(
        browser, live_server, page_watch, 1280, strip_origin=True
    )
    assert all("origin" not in link for link in result["sankey"]["links"])
    # one band per link, coloured by the country it leaves
    links = [link for link in result["sankey"]["links"] if link["tonnes"] > 1e-6]
    assert len(bands) == len(links)
    assert all(b["group"] == _group(b["source"][:3]) for b in bands)
    assert "Colour: country the flow leaves" in text["legend"]
    # and the caption says why: no traced origin in this run
    assert "coloured by the country each flow leaves" in text["caption"]
    assert "this run reports no traced origin per flow" in text["caption"]
    assert "where the material was mined" not in text["caption"]
    assert text["by"] == "departure"
    assert {r[3] for r in table[1:]} == {"–"}
