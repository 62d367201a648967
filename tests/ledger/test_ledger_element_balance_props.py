"""Properties of the element balance over the lot graph, on random sequences of late assays.

Whatever assays the log accepts, in whatever order, (1) every step of the graph
still balances for every assayed element, and (2) the memoised bounds kept in
the state equal bounds computed from scratch, so the memo can never let an
assay through that a fresh check would refuse.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import opened, signed

from orechain.errors import OreChainError
from orechain.ledger import acceptance, element_balance, sample
from orechain.ledger.domain import LedgerState

BASE = LedgerState()
for _env in sample.sample_envelopes():
    acceptance.accept(BASE, opened(_env))
LOTS = sorted(BASE.lots)
ELEMENTS = ("Nd", "REO", "Dy")

assays = st.lists(
    st.tuples(
        st.sampled_from(LOTS), st.sampled_from(ELEMENTS), st.floats(min_value=0.0, max_value=1.0)
    ),  # fmt: skip
    min_size=1,
    max_size=12,
)


def _step_ok(state: LedgerState, event_id: str, element: str) -> bool:
    event = state.events[event_id]
    outs = element_balance.step_outputs(event)
    out_t = sum(state.lots[o.lot_id].quantity_t * state.lots[o.lot_id].grades[element]
                for o in outs if element in state.lots[o.lot_id].grades)  # fmt: skip
    fresh = copy.deepcopy(state)
    fresh.bounds.clear()
    in_t = sum(m * element_balance.upper_content_t(fresh, p, element) / fresh.lots[p].quantity_t
               for p, m in element_balance.step_draws(fresh, event).items())  # fmt: skip
    in_t += sum(a.quantity_t * (a.grades or {}).get(element, 0.0)
                for a in getattr(event, "additions", ()))  # fmt: skip
    return out_t <= in_t * (1 + element_balance.ASSAY_TOLERANCE) + 1e-9


@settings(max_examples=60, deadline=None)
@given(assays)
def test_accepted_assays_keep_every_step_balanced(seq: list[tuple[str, str, float]]) -> None:
    state = copy.deepcopy(BASE)
    for n, (lot_id, element, grade) in enumerate(seq):
        env = opened(signed("demo-lab", "assay", f"p-{n}", "2026-03-01T00:00:00Z",
                            lot_id=lot_id, grades={element: grade}, laboratory="lab"))  # fmt: skip
        try:
            acceptance.accept(state, env)
        except OreChainError:
            continue
    steps = {lot.created_by for lot in state.lots.values() if lot.parents}
    for event_id in sorted(steps):
        for element in ELEMENTS:
            assert _step_ok(state, event_id, element), (event_id, element)
    fresh = copy.deepcopy(state)
    fresh.bounds.clear()
    for lot_id in LOTS:
        for element in ELEMENTS:
            assert element_balance.upper_content_t(state, lot_id, element) == pytest.approx(
                element_balance.upper_content_t(fresh, lot_id, element)
            )
