"""Shareable views, the anonymous ledger and the sceptic's own verifier key, in a browser."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_shared_atlas_url_opens_the_same_view(page, live_server):
    pg, _ = page
    pg.goto(live_server + "atlas?commodity=antimony&measure=mine&year=2023&scale=log")
    pg.wait_for_selector("#atlas-caption[data-year]", state="attached", timeout=30_000)
    assert pg.input_value("#commodity") == "antimony"
    assert pg.input_value("#scale") == "log"
    assert pg.get_attribute("#atlas-caption", "data-year") == "2023"
    assert "log scale" in pg.inner_text("#map .legend-title")
    assert pg.locator("#atlas-table tbody tr").count() > 3


def test_choosing_a_view_writes_it_into_the_url(page, live_server):
    pg, _ = page
    pg.goto(live_server + "atlas")
    pg.wait_for_selector("#atlas-caption[data-commodity]", state="attached", timeout=30_000)
    pg.select_option("#commodity", "copper")
    pg.wait_for_selector("#atlas-caption[data-commodity=copper]", state="attached")
    assert "commodity=copper" in pg.evaluate("location.search")
    shared = pg.evaluate("location.href")
    pg.goto(shared)
    pg.wait_for_selector("#atlas-caption[data-commodity=copper]", state="attached")
    assert pg.input_value("#commodity") == "copper"


def test_shared_risk_url_selects_the_commodity(page, live_server):
    pg, _ = page
    pg.goto(live_server + "risk?commodity=cobalt")
    pg.wait_for_selector("#stage-chart svg rect.bar", state="attached", timeout=30_000)
    assert pg.input_value("#risk-commodity") == "cobalt"
    assert "Cobalt" in pg.get_attribute("#stage-chart svg", "aria-label")


def test_anonymous_ledger_shows_public_record_and_verifies(page, live_server):
    pg, _ = page
    pg.goto(live_server + "ledger?lot=US-MAGNET-001")
    pg.wait_for_selector("#events-table tbody tr", timeout=30_000)
    assert "orechain token create" in pg.inner_text("#access-note")
    leaf_hash = pg.inner_text("#events-table tbody tr td:nth-child(3)")
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", leaf_hash.strip())
    assert pg.locator("#origin-table tbody tr").count() > 0
    assert pg.inner_text("#compliance").startswith(("PASS", "FAIL"))
    assert "token" in pg.inner_text("#prov-status")
    pg.click("#verify")
    pg.wait_for_selector("#proof-result[data-verified]", timeout=20_000)
    assert pg.get_attribute("#proof-result", "data-verified") == "true"


def test_own_verifier_key_is_compared_with_the_servers(page, live_server):
    pg, _ = page
    pg.goto(live_server + "transparency")
    server_key = pg.input_value("#vkey").strip()
    last = server_key[-2]
    other = server_key[:-2] + ("A" if last != "A" else "B") + server_key[-1]
    pg.fill("#vkey", other)
    assert pg.get_attribute("#key-status", "data-differs") == "true"
    pg.click("#check-sig")
    pg.wait_for_selector("#sig-result.fail")
    assert "Invalid" in pg.inner_text("#sig-result")
    pg.click("#reset-key")
    assert pg.get_attribute("#key-status", "data-differs") == "false"
    pg.click("#check-sig")
    pg.wait_for_selector("#sig-result.ok")
