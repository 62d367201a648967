"""Red-team test of issue #11 item 13: the element balance holds over the whole lot graph.

A late assay cannot give the sample's 14 t magnet more NdPr than the 4.6 t of
metal it was made from could hold, cannot lower an upstream grade below what
downstream lots were assayed to contain, and a consumed lot's assay cannot be
corrected at all.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import fixed_clock, signed

from orechain.errors import ConflictError, InputError
from orechain.ledger import sample
from orechain.ledger.service import Ledger

LAB = "demo-lab"
T = "2026-03-02T00:00:00Z"


@pytest.fixture(scope="module")
def led(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    path = tmp_path_factory.mktemp("bal") / "b.db"
    ledger = Ledger.create(str(path), sample.ORIGIN, sample.log_key(), clock=fixed_clock)
    sample.load(ledger)
    return ledger


def _assay(n: str, lot_id: str, **grades: float) -> dict:  # type: ignore[type-arg]
    return signed(LAB, "assay", f"late-{n}", T, lot_id=lot_id, grades=grades, laboratory="lab")


def test_item13_late_assays_balance_over_the_graph(led: Ledger) -> None:
    # 14 t of magnet from 4.6 t of metal plus untraced iron: at most 4.6 t of NdPr.
    with pytest.raises(InputError, match=r"contained NdPr of the outputs of 'demo-030-transform'"):
        led.submit(_assay("1", "US-MAGNET-001", NdPr=0.9))
    led.submit(_assay("2", "US-MAGNET-001", NdPr=0.3))  # 4.2 t: within what was drawn
    # Lowering an upstream grade below what the blend downstream contains (3.96 t REO).
    with pytest.raises(InputError, match="contained REO of the outputs of 'demo-039-merge'"):
        led.submit(_assay("3", "US-NDPR-OX-001", REO=0.1))
    # A consumed lot's grades were drawn on: no correction.
    events = led.state.events.items()
    pk_assay = next(e for e, ev in events if getattr(ev, "lot_id", "") == "PK-CONC-001"
                    and ev.name == "assay")  # fmt: skip
    fix = signed(LAB, "correct", "late-fix", T, corrects=pk_assay, reason="re-assay",
                 grades={"REO": 0.6})  # fmt: skip
    with pytest.raises(ConflictError, match="'PK-CONC-001' is consumed"):
        led.submit(fix)


@settings(max_examples=30, deadline=None)
@given(grade=st.floats(min_value=0.0, max_value=1.0))
def test_upper_bound_never_below_an_accepted_assay(led: Ledger, grade: float) -> None:
    """Whatever grade the magnet is given, the graph's bound for it holds the accepted content."""
    from orechain.ledger.element_balance import View, upper_content_t

    state = led.state
    bound = upper_content_t(state, "US-MAGNET-001", "Dy")
    assert bound <= 4.6 * (1 + 1e-9)  # the metal's mass: iron brings no Dy
    view = View(grades={"US-MAGNET-001": {"Dy": grade}})
    assert upper_content_t(state, "US-MAGNET-001", "Dy", view) == pytest.approx(14.0 * grade)
