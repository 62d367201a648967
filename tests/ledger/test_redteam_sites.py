"""Red-team test of issue #11 item 8: sites are attested, stages fit the site's kind.

A processor registers its own "mine" in Australia and "extracts" NdPr oxide
there, or separates at a mine: acceptance refuses both. A self-declared
separation plant passes nothing: ``dfars-2027`` and ``chain-unbroken`` fail
until a registrar or certifier attests its kind and country.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import fixed_clock, lot, signed

from orechain.errors import ConflictError, InputError
from orechain.ledger import sample
from orechain.ledger.compliance import run_rule
from orechain.ledger.envelope import sign_event
from orechain.ledger.service import Ledger

A = "us-magnets"
T = "2026-03-0{}T00:00:00Z".format


def _with_kind(actor: str, kind: str, site_kind: str, event_id: str, **fields: Any) -> Any:
    event = {"type": kind, "event_id": event_id, "actor": actor, "time": T(1 if kind ==
             "register-site" else 3), "kind": site_kind, **fields}  # fmt: skip
    return sign_event(event, sample.org_key(actor), origin=sample.ORIGIN)


def _site(site_id: str, kind: str, country: str) -> Any:
    return _with_kind(A, "register-site", kind, f"rs-{site_id}", site_id=site_id,
                      site_name=site_id, country=country, operator=A)  # fmt: skip


def _attest(actor: str, site_id: str, kind: str, country: str) -> Any:
    return _with_kind(actor, "attest-site", kind, f"at-{site_id}-{actor}", site_id=site_id,
                      country=country, reference="audit 2026-02")  # fmt: skip


@pytest.fixture
def led(tmp_path: Path) -> Ledger:
    ledger = Ledger.create(str(tmp_path / "s.db"), sample.ORIGIN, sample.log_key(),
                           clock=fixed_clock)  # fmt: skip
    sample.load(ledger)
    ledger.submit_many([_site("au-mine", "mine", "AUS"),
                        _site("au-sep", "separation-plant", "AUS")])  # fmt: skip
    return ledger


def test_item8_sites_attested_and_stages_fit_the_site_kind(led: Ledger) -> None:
    oxide = lot("AU-OX", 5.0, product="NdPr oxide")
    with pytest.raises(InputError, match="an extraction yields ore or concentrate"):
        led.submit(signed(A, "extract", "x-ox", T(2), site_id="au-mine", lot=oxide))
    led.submit_many([
        signed(A, "extract", "x-ore", T(2), site_id="au-mine",
               lot=lot("AU-ORE", 100.0, product="oxide ore", grades={"REO": 0.05})),
        signed(A, "split", "x-sp", T(2), site_id="au-mine", lot_id="AU-ORE",
               outputs=[lot("AU-ORE-1", 50.0), lot("AU-ORE-2", 50.0)]),
    ])  # fmt: skip
    at_mine = signed(A, "transform", "x-sep-mine", T(2), site_id="au-mine", stage="separation",
                     inputs=[{"lot_id": "AU-ORE-1"}], outputs=[lot("AU-OX-1", 2.0)],
                     losses=[{"kind": "residue", "quantity_t": 48.0}])  # fmt: skip
    with pytest.raises(InputError, match="a mine site .* performs mining, not separation"):
        led.submit(at_mine)
    led.submit_many([
        signed(A, "ship", "x-sh", T(2), lot_ids=["AU-ORE-1"], from_site="au-mine",
               to_site="au-sep", mode="road", document="CN-1"),
        signed(A, "receive", "x-rc", T(3), lot_ids=["AU-ORE-1"], site_id="au-sep"),
        signed(A, "transform", "x-sep", T(3), site_id="au-sep", stage="separation",
               inputs=[{"lot_id": "AU-ORE-1"}], outputs=[lot("AU-OX-2", 2.0)],
               losses=[{"kind": "residue", "quantity_t": 48.0}]),
    ])  # fmt: skip
    state = led.state
    for rule in ("dfars-2027", "chain-unbroken"):
        result = run_rule(state, "AU-OX-2", rule)
        assert not result.passed, rule
        assert "is not attested by a registrar or certifier" in result.reason
        assert result.path[-1]["site_id"] in ("au-mine", "au-sep")

    # Neither the operator nor a mere buyer can vouch; the attested facts must match.
    with pytest.raises(ConflictError, match="neither a registrar nor a certifier"):
        led.submit(_attest(A, "au-mine", "mine", "AUS"))
    with pytest.raises(InputError, match="registered with country 'AUS', not 'CAN'"):
        led.submit(_attest("demo-registry", "au-mine", "mine", "CAN"))
    led.submit_many([_attest("demo-registry", "au-mine", "mine", "AUS"),
                     _attest("demo-certifier", "au-sep", "separation-plant", "AUS")])  # fmt: skip
    state = led.state
    assert state.sites["au-sep"].attested_by == ["at-au-sep-demo-certifier"]
    assert run_rule(state, "AU-OX-2", "dfars-2027").passed
    assert run_rule(state, "AU-OX-2", "chain-unbroken").passed


def test_item8_sample_is_honest(led: Ledger) -> None:
    state = led.state
    assert all(site.attested_by for site_id, site in state.sites.items()
               if site_id.startswith(("pk-", "us-", "cn-")))  # fmt: skip
    metal = state.events["demo-029-transform"]
    assert getattr(metal, "stage", None) == "metal"
    assert state.sites["us-magnet"].kind == "metal-magnet-plant"
    assert run_rule(state, "US-MAGNET-001", "dfars-2027").passed
    assert run_rule(state, "US-MAGNET-001", "chain-unbroken").passed
    assert not run_rule(state, "BLEND-NDPR-OX-001", "dfars-2027").passed
