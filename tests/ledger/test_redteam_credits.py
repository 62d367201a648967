"""Red-team test of issue #11 item 15: credits come from verified content, never from iron.

On the sample, the magnet step adds 9.6 t of iron and ferroboron to 4.6 t of
verified NdPr metal. That iron must earn no mass-balance credit, and a claim
about NdPr books in an NdPr account fed only by the verified NdPr content of
inputs, so a claim on an all-Chinese magnet cannot be paid with iron.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ledger_helpers import lot, opened, signed

from orechain.errors import ConflictError, InputError
from orechain.ledger import acceptance, sample
from orechain.ledger.custody_models import site_report
from orechain.ledger.custody_period import parse_period
from orechain.ledger.domain import LedgerState

M = "us-magnets"
T = "2026-03-01T00:00:00Z"
BASE = LedgerState()
for _env in sample.sample_envelopes():
    acceptance.accept(BASE, opened(_env))


@pytest.fixture
def state() -> LedgerState:
    return copy.deepcopy(BASE)


def _cn_magnet(claim: dict[str, Any], grades: dict[str, float] | None) -> Any:
    """3 t of unverified Chinese oxide with 10 t of iron into a 12.9 t magnet, with a claim."""
    out = lot("CN-MAGNET", 12.9, **({"grades": grades} if grades else {}))
    return opened(signed(M, "transform", "cn-magnet", T, site_id="us-magnet", stage="magnet",
                         inputs=[{"lot_id": "CN-NDPR-OX-001"}], outputs=[out],
                         additions=[{"kind": "iron", "quantity_t": 10.0}],
                         losses=[{"kind": "swarf", "quantity_t": 0.1}],
                         claims=[{"lot_id": "CN-MAGNET", "model": "mass-balance",
                                  **claim}]))  # fmt: skip


def test_item15_iron_earns_no_credit(state: LedgerState) -> None:
    report = site_report(state, "us-magnet", parse_period("2026-Q1"))
    magnet = next(r for r in report.steps if r["event_id"] == "demo-030-transform")
    # 14 t out, of which 9.6 t untraced iron and ferroboron: 4.4 t traced, less the
    # 4.6 t of metal this site made itself: the step earns nothing (it was 9.4 t).
    assert magnet["credits_t"] == pytest.approx(-0.2)
    assert report.credits_t == pytest.approx(6.4)


def test_item15_element_claims_count_verified_content(state: LedgerState) -> None:
    # NdPr claim: the site drew no verified input with an NdPr assay, so nothing to claim.
    nd = _cn_magnet({"quantity_t": 3.0, "element": "NdPr"}, {"NdPr": 0.2})
    with pytest.raises(ConflictError, match="in its NdPr account"):
        acceptance.check(state, nd)
    without_grade = _cn_magnet({"quantity_t": 3.0, "element": "NdPr"}, None)
    with pytest.raises(InputError, match="needs the NdPr grade of 'CN-MAGNET'"):
        acceptance.check(state, without_grade)
    # REO: the verified US oxide drawn at this site was assayed (0.99): 6 t + 2 t drawn
    # → 7.92 t of verified REO; a 12.9 t magnet at 0.23 REO claims 2.967 t of it.
    reo = _cn_magnet({"quantity_t": 12.9, "element": "REO"}, {"REO": 0.23})
    acceptance.accept(state, reo)
    # The same 2.967 t claimed again on each part split from it: credits run out at the third.
    acceptance.accept(state, _resplit("CN-MAGNET", "A"))
    with pytest.raises(ConflictError, match=r"credit balance of 1.98\d* t in its REO account"):
        acceptance.check(state, _resplit("CN-MAGNET-A", "B"))
    account = site_report(state, "us-magnet", parse_period("2026-Q1")).element_accounts["REO"]
    assert account["credits_t"] == pytest.approx(7.92)
    assert account["claimed_t"] == pytest.approx(2 * 12.9 * 0.23)
    assert account["overdraft_at"] is None


def _resplit(parent: str, part: str) -> Any:
    child = f"CN-MAGNET-{part}"
    return opened(signed(M, "split", f"split-{part}", T, site_id="us-magnet", lot_id=parent,
                         outputs=[lot(child, 12.9, grades={"REO": 0.23})],
                         claims=[{"lot_id": child, "model": "mass-balance", "quantity_t": 12.9,
                                  "element": "REO"}]))  # fmt: skip
