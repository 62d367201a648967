"""Property of element-weighted origin shares: each input counts by the element it brings."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import opened, signed

from orechain.ledger import acceptance, sample
from orechain.ledger.domain import LedgerState
from orechain.ledger.provenance import element_origin_shares, origin_shares

BASE = LedgerState()
for _env in sample.sample_envelopes():
    acceptance.accept(BASE, opened(_env))

grade = st.floats(min_value=0.01, max_value=0.8)  # US oxide: at most 7 t of Nd in 8 t


@settings(max_examples=50, deadline=None)
@given(us=grade, cn=grade)
def test_blend_shares_follow_the_element_drawn(us: float, cn: float) -> None:
    state = copy.deepcopy(BASE)
    for n, (lot_id, g) in enumerate((("US-NDPR-OX-001", us), ("CN-NDPR-OX-001", cn))):
        acceptance.accept(state, opened(signed("demo-lab", "assay", f"o-{n}",
                                               "2026-03-01T00:00:00Z", lot_id=lot_id,
                                               grades={"Nd": g}, laboratory="lab")))  # fmt: skip
    found = element_origin_shares(state, "BLEND-NDPR-OX-001", "Nd")
    assert found.mass_weighted_at == ()
    for stage, row in found.shares.items():
        assert sum(row.values()) == pytest.approx(1.0), stage
    # 2 t of each oxide went into the blend: separation shares are the Nd each brought.
    assert found.shares["separation"]["CHN"] == pytest.approx(cn / (us + cn))
    # Mass weighting ignores the assays entirely.
    assert origin_shares(state, "BLEND-NDPR-OX-001")["separation"]["CHN"] == pytest.approx(0.5)
