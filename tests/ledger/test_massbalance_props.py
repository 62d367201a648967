"""Conservation under random splits and merges through the real acceptance path."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import opened

from orechain.ledger import acceptance, sample
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import sign_event
from orechain.ledger.massbalance import check_conservation

BASE = LedgerState()
for _env in sample.sample_envelopes()[:14]:
    acceptance.accept(BASE, opened(_env))


def _env(n: int, kind: str, **fields: object) -> object:
    event = {
        "type": kind,
        "event_id": f"p{n}",
        "actor": "pk-mining",
        "time": f"2026-02-01T00:00:{n:02d}Z",
        **fields,
    }
    return opened(sign_event(event, sample.org_key("pk-mining"), origin=sample.ORIGIN))


@settings(max_examples=40, deadline=None)
@given(
    st.floats(1, 1e4),
    st.lists(st.floats(0.01, 1), min_size=1, max_size=5),
    st.floats(0, 0.3),
)
def test_split_then_merge_conserves(mass: float, fractions: list[float], loss: float) -> None:
    import copy

    state = copy.deepcopy(BASE)
    lot = {
        "lot_id": "ORE",
        "product": "ore",
        "commodity": "rare earths",
        "quantity_t": mass,
        "basis": "gross",
    }
    acceptance.accept(state, _env(0, "extract", site_id="pk-mine", lot=lot))  # type: ignore[arg-type]
    kept = mass * (1 - loss)
    parts = [kept * f / sum(fractions) for f in fractions]
    outs = [{**lot, "lot_id": f"S{i}", "quantity_t": q} for i, q in enumerate(parts)]
    acceptance.accept(
        state,
        _env(
            1,
            "split",
            site_id="pk-mine",
            lot_id="ORE",
            outputs=outs,  # type: ignore[arg-type]
            losses=[{"kind": "fines", "quantity_t": max(0.0, mass - sum(parts))}],
        ),
    )
    merged = {**lot, "lot_id": "M", "quantity_t": sum(parts)}
    acceptance.accept(
        state,
        _env(
            2,
            "merge",
            site_id="pk-mine",
            output=merged,  # type: ignore[arg-type]
            inputs=[{"lot_id": f"S{i}"} for i in range(len(parts))],
        ),
    )
    lots = state.lots
    assert all(lots[f"S{i}"].status == "consumed" for i in range(len(parts)))
    assert check_conservation([mass], [lots["M"].quantity_t], [max(0.0, mass - sum(parts))]).ok
    live = sum(
        x.remaining_t
        for x in lots.values()
        if x.status == "active" and x.commodity == "rare earths"
    )
    assert abs(live - sum(parts)) <= 1e-9 * mass
