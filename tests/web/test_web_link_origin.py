"""The overview's corridor Sankey splits each flow into bands by mined origin (issue 15).

The bands come from the run document's per-link ``origin`` ({ISO3: t}); the
Pakistan band is highlighted, the legend names the colours, and the bands into
the U.S. end use agree with the origin-traced mining share in the table below.
"""

from __future__ import annotations

import pytest

from orechain.formatting import percent

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
        assert "where its material was mined" in pg.inner_text("#corridor-caption")
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
        assert with_pk == percent(share)
        assert share > 0
    finally:
        context.close()
    assert watch.outside == []
    assert watch.errors == []
