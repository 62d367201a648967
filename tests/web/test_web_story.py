"""The corridor story on the overview: prices, origin-traced shares and verified supply.

The verified column is the sample ledger's (see tests/api/test_api_story.py for the
hand computation: Pakistan 40 t REO of 44.95 t received by the U.S. in 2026).
"""

from __future__ import annotations

import pytest

from orechain.formatting import percent

pytestmark = pytest.mark.browser

READY = "#t-origins[data-verified=done][data-year='{year}']"


def _cells(pg: object, stage: str, origin: str) -> list[str]:
    rows = pg.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('#t-origins tbody tr')]"
        ".map((tr) => [...tr.cells].map((td) => td.textContent.trim()))"
    )
    return next(r for r in rows if r[0] == stage and r[1] == origin)


def test_overview_shows_prices_modelled_and_verified_shares(page, live_server):
    pg, _ = page
    pg.goto(live_server + "?year=2026")
    pg.wait_for_selector(READY.format(year=2026), state="attached", timeout=180_000)
    _, _, with_pk, without_pk, verified = _cells(pg, "Mining", "Pakistan")
    assert verified == percent(40 / 44.95)
    assert without_pk == percent(0.0)
    assert with_pk not in (percent(0.0), "–")
    assert _cells(pg, "Separation", "China")[4] == percent(1.0)
    assert "89.0 % of that mass has a certified origin" in pg.inner_text("#verified-note")
    assert pg.locator("#t-prices tbody tr").count() == 4
    assert pg.locator("#corridor-prices svg path.series").count() == 4
    assert pg.get_attribute("#corridor-caption", "data-coloured-by") == "origin"


def test_slider_moves_the_market_tables_with_the_sankey(page, live_server):
    pg, _ = page
    pg.goto(live_server + "?year=2026")
    pg.wait_for_selector(READY.format(year=2026), state="attached", timeout=180_000)
    pg.eval_on_selector(
        "#corridor-year",
        "(el) => { el.value = String(Number(el.value) + 1);"
        " el.dispatchEvent(new Event('input')); }",
    )
    pg.wait_for_selector(READY.format(year=2027), state="attached", timeout=30_000)
    assert "in 2027" in pg.inner_text("#t-prices-caption")
    assert "no rare-earth lots" in pg.inner_text("#verified-note")
    assert "year=2027" in pg.evaluate("location.search")
