"""The two HTML reports fit a phone: at 375 px the document is no wider than the screen.

Issue 15, finding 8: the corridor and overview reports were 655 and 731 px wide
on a phone. Rendered in Chromium from the HTML the server and the CLI write.
"""

from __future__ import annotations

import urllib.request

import pytest

from orechain.report.overview import render_overview
from orechain.risk.overview import risk_overview

pytestmark = pytest.mark.browser

WIDTH = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _overflow(browser, html: str) -> int:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        pg = context.new_page()
        pg.set_content(html)
        return int(pg.evaluate(WIDTH))
    finally:
        context.close()


def test_corridor_report_fits_a_phone(browser, live_server):
    with urllib.request.urlopen(live_server + "report/corridor.html") as r:  # loopback
        html = r.read().decode()
    assert _overflow(browser, html) <= 0


def test_overview_report_fits_a_phone(browser, atlas):
    assert _overflow(browser, render_overview(risk_overview(atlas))) <= 0
