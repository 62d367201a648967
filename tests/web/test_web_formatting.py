"""One number formatter: the page's formatting.js reads every figure as orechain.formatting does.

Issue 14, finding 6: the dashboard showed 7,040 / 7,300 where the CLI and the
report showed 7,042 / 7,299 (the pages rounded to three significant digits).
The JS mirror is checked against the Python formatter on fixed vectors (exact
halfway cases included: Python rounds half to even on the exact binary value)
and on random floats; then one figure is read off the page, the CLI and the
corridor report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orechain import formatting

pytestmark = pytest.mark.browser

CALL = """async (values) => {
  const f = await import('/static/js/formatting.js');
  return values.map((v) => [f.number(v), f.number(v, 1), f.percent(v), f.points(v),
    f.money(v, 'USD'), f.money(v, '', 'units'), f.ratio(v), f.ratio(v, 3)]);
}"""


def python_side(v: Any) -> list[str]:
    """The same eight renderings by the Python formatter."""
    return [
        formatting.number(v),
        formatting.number(v, 1),
        formatting.percent(v),
        formatting.points(v),
        formatting.money(v, "USD"),
        formatting.money(v, "", scale="units"),
        formatting.ratio(v),
        formatting.ratio(v, 3),
    ]


@pytest.fixture(scope="module")
def fmt_page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(live_server + "sources")
    yield pg
    context.close()


FIXED = [
    7042.4,
    7299.6,
    7042,
    0.0,
    -0.0,
    1.0,
    0.125,  # exact tie: Python gives 0.12 (half to even), not 0.13
    0.375,
    2.675,  # binary just below 2.675: 2.67
    2.5,
    1000.5,  # exact tie at 0 decimals: 1,000
    1001.5,
    999.995,
    -0.001,
    -31_842_631.0,
    0.685366163218,
    0.8,
    1e-9,
    123_456_789.123,
    1e21,
    -2.5e-7,
    None,
    float("nan"),
]


def test_fixed_vectors_render_identically(fmt_page):
    values = [v for v in FIXED if v is None or v == v]
    js = fmt_page.evaluate(CALL, values)
    assert js == [python_side(v) for v in values]
    assert js[0][0] == "7,042"  # finding 6: not 7,040
    assert js[6][0] == "0.12"


def test_nan_renders_as_missing(fmt_page):
    # Playwright passes NaN through; both sides show the missing-value dash.
    assert fmt_page.evaluate(CALL, [float("nan")]) == [python_side(float("nan"))]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=40))
def test_random_floats_render_identically(fmt_page, values):
    assert fmt_page.evaluate(CALL, values) == [python_side(v) for v in values]


def test_same_figure_on_page_cli_and_report(browser, live_server, server_settings):
    """China's share and HHI of rare-earth mining read the same in all three places."""
    with urllib.request.urlopen(live_server + "api/risk/overview") as r:  # loopback
        rows = json.load(r)
    mine = next(r for r in rows if r["commodity"] == "rare-earths" and r["measure"] == "mine")
    share, hhi = formatting.percent(mine["cr1"]), formatting.number(mine["hhi"])
    assert (share, hhi) == ("68.5 %", "4,924")  # USGS MCS 2025: 270,000 of 393,950 t

    context = browser.new_context()
    try:
        pg = context.new_page()
        pg.goto(live_server)
        row = pg.locator("#t-rare-earths tbody tr").first.inner_text()
    finally:
        context.close()
    assert share in row
    assert hhi in row

    env = {**os.environ, **server_settings.to_env(), "COLUMNS": "200"}
    cli = subprocess.run(
        [sys.executable, "-m", "orechain.cli", "risk", "rare-earths"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"CR1 {share}" in cli
    assert f"HHI {hhi}" in cli

    with urllib.request.urlopen(live_server + "report/corridor.html") as r:  # loopback
        report = r.read().decode()
    assert f">{share}<" in report
    assert f">{hhi}<" in report
