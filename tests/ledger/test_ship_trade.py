"""Trade fields of issue 16: weighings, containers, ports, HS codes, out-turn and umpire rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_helpers import signed

from orechain.errors import ConflictError, InputError
from orechain.ledger.events import parse_event
from orechain.ledger.service import Ledger
from orechain.ledger.trade import OUTTURN_TOLERANCE, container_check_digit, settle_grades

T = "2026-03-04T10:00:00Z"
CERT = {"sha256": "ab" * 32, "media_type": "application/pdf", "kind": "assay-certificate"}


def _ship(**extra: Any) -> dict[str, Any]:
    return {
        "type": "ship",
        "event_id": "s1",
        "actor": "a",
        "time": T,
        "lot_ids": ["L"],
        "from_site": "x",
        "to_site": "y",
        "mode": "sea",
        "document": "BL1",
        **extra,
    }


def test_iso6346_check_digit_matches_the_standard_example() -> None:
    # ISO 6346 worked example (CSQU 305438 3), and a number that fails its check digit.
    assert container_check_digit("CSQU305438") == 3
    parse_event(_ship(containers=[{"number": "CSQU3054383", "seal": "S1"}]))
    with pytest.raises(InputError, match="check digit"):
        parse_event(_ship(containers=[{"number": "CSQU3054384", "seal": "S1"}]))


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"weight": {"wet_t": 100.0, "moisture": 0.08, "dry_t": 95.0}}, "weight"),
        ({"weight": {"wet_t": 100.0, "moisture": 1.2, "dry_t": 95.0}}, "weight.moisture"),
        ({"hs_code": "26A7"}, "hs_code"),
        ({"port_of_loading": "Karachi"}, "port_of_loading"),
        ({"incoterm": "FOB Karachi"}, "incoterm"),
        ({"containers": [{"number": "MSKU9070323", "seal": ""}]}, "containers.0.seal"),
    ],
)
def test_bad_trade_fields_are_refused_naming_the_field(extra: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        parse_event(_ship(**extra))
    assert err.value.field is not None
    assert err.value.field.startswith(f"event.{field}")


def test_good_trade_fields_parse() -> None:
    e = parse_event(
        _ship(
            weight={"wet_t": 61.2, "moisture": 0.02, "dry_t": 59.976},
            hs_code="2530.90",
            port_of_loading="PKKHI",
            port_of_discharge="USHOU",
            incoterm="FOB",
            voyage="042W",
        )
    )
    assert e.weight is not None
    assert e.weight.dry_t == pytest.approx(59.976)


def test_settlement_splits_within_the_limit_and_follows_the_umpire_beyond() -> None:
    assert settle_grades({"REO": 0.40}, {"REO": 0.396}, {"REO": 0.01}) == {
        "REO": pytest.approx(0.398)
    }
    with pytest.raises(ConflictError, match="umpire"):
        settle_grades({"REO": 0.402}, {"REO": 0.386}, {"REO": 0.01})
    # umpire 0.395 between the parties: mean of it and the nearer party, the seller
    # (|0.395 - 0.402| = 0.007 < |0.395 - 0.386| = 0.009)
    got = settle_grades({"REO": 0.402}, {"REO": 0.386}, {"REO": 0.01}, {"REO": 0.395})
    assert got == {"REO": pytest.approx((0.395 + 0.402) / 2)}
    # umpire outside both: the nearer party's result
    assert settle_grades({"REO": 0.402}, {"REO": 0.386}, {"REO": 0.01}, {"REO": 0.41}) == {
        "REO": 0.402
    }


grades = st.floats(0, 1, allow_nan=False)


@given(s=grades, b=grades, u=grades, limit=st.floats(0, 0.2))
def test_settlement_lies_between_the_parties_and_is_symmetric(
    s: float, b: float, u: float, limit: float
) -> None:
    got = settle_grades({"X": s}, {"X": b}, {"X": limit}, {"X": u})["X"]
    assert min(s, b) - 1e-12 <= got <= max(s, b) + 1e-12
    if abs(u - s) != abs(u - b):  # ties pick the seller by rule
        assert got == pytest.approx(settle_grades({"X": b}, {"X": s}, {"X": limit}, {"X": u})["X"])


# --- acceptance rules on the sample ledger (sqlite; postgres in CI) ------------------------


def _ship_and_transfer(led: Ledger, weight: dict[str, float]) -> None:
    led.submit(
        signed(
            "us-refiner",
            "transfer",
            "t-mix",
            T,
            lot_ids=["US-REO-MIX-001"],
            to_org="us-magnets",
            incoterm="EXW",
        )
    )
    led.submit(
        signed(
            "us-magnets",
            "ship",
            "s-mix",
            T,
            lot_ids=["US-REO-MIX-001"],
            from_site="us-sep",
            to_site="us-magnet",
            mode="road",
            document="CMR-1",
            weight=weight,
        )
    )


def _receive(outturn: dict[str, float], **extra: Any) -> dict[str, Any]:
    return signed(
        "us-magnets",
        "receive",
        "r-mix",
        T,
        lot_ids=["US-REO-MIX-001"],
        site_id="us-magnet",
        outturn=outturn,
        **extra,
    )


LOADED = {"wet_t": 31.0, "moisture": 0.03, "dry_t": 30.07}
SHORT = {"wet_t": 30.5, "moisture": 0.03, "dry_t": 29.585}  # -1.6 %


def test_outturn_beyond_tolerance_needs_a_declared_dispute(sample_ledger: Ledger) -> None:
    _ship_and_transfer(sample_ledger, LOADED)
    size = sample_ledger.tree.size
    with pytest.raises(InputError, match=f"beyond the tolerance of {OUTTURN_TOLERANCE:.1%}"):
        sample_ledger.submit(_receive(SHORT))
    assert sample_ledger.tree.size == size  # nothing written
    sample_ledger.submit(_receive(SHORT, weight_dispute="claim 2026-17 filed with the carrier"))
    assert sample_ledger.state.lot("US-REO-MIX-001").status == "active"


def test_outturn_within_tolerance_is_accepted(sample_ledger: Ledger) -> None:
    _ship_and_transfer(sample_ledger, LOADED)
    sample_ledger.submit(_receive({"wet_t": 30.95, "moisture": 0.031, "dry_t": 29.991}))


def _assay(event_id: str, party: str, reo: float, **extra: Any) -> dict[str, Any]:
    return signed(
        "demo-lab",
        "assay",
        event_id,
        T,
        lot_id="US-REO-MIX-001",
        grades={"REO": reo},
        laboratory="Demo lab",
        party=party,
        **extra,
    )


def test_party_assays_need_the_lab_certificate_and_umpires_a_real_dispute(
    sample_ledger: Ledger,
) -> None:
    with pytest.raises(InputError, match="assay-certificate"):
        sample_ledger.submit(_assay("a0", "seller", 0.9))
    with pytest.raises(ConflictError, match="not an assayer"):
        sample_ledger.submit(
            signed(
                "us-refiner",
                "assay",
                "a0",
                T,
                lot_id="US-REO-MIX-001",
                grades={"REO": 0.9},
                laboratory="own",
                party="seller",
                documents=[CERT],
            )
        )
    sample_ledger.submit(_assay("a1", "seller", 0.90, documents=[CERT]))
    with pytest.raises(ConflictError, match="needs the seller's and the buyer's"):
        sample_ledger.submit(
            _assay("u0", "umpire", 0.9, documents=[CERT], splitting_limits={"REO": 0.01})
        )
    sample_ledger.submit(_assay("a2", "buyer", 0.895, documents=[CERT]))
    with pytest.raises(ConflictError, match="agree within the splitting limits"):
        sample_ledger.submit(
            _assay("u1", "umpire", 0.9, documents=[CERT], splitting_limits={"REO": 0.01})
        )
    sample_ledger.submit(
        _assay("u2", "umpire", 0.897, documents=[CERT], splitting_limits={"REO": 0.001})
    )


@given(wet=st.floats(0.001, 1e5), moisture=st.floats(0, 0.999), off=st.floats(0.002, 10))
def test_weighing_accepts_dry_from_wet_and_moisture_only(
    wet: float, moisture: float, off: float
) -> None:
    dry = round(wet * (1 - moisture), 3)
    if dry <= 0:
        return
    parse_event(_ship(weight={"wet_t": wet, "moisture": moisture, "dry_t": dry}))
    with pytest.raises(InputError, match="differs from wet_t"):
        parse_event(_ship(weight={"wet_t": wet, "moisture": moisture, "dry_t": dry + off}))
