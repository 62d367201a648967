from __future__ import annotations

import copy
from typing import Any

import pytest
from ledger_helpers import fixed_clock, lot, signed

from orechain.errors import ConflictError, InputError, IntegrityError, NotFoundError
from orechain.ledger import keys, sample
from orechain.ledger.service import Ledger

LATE = "2026-03-01T00:00:00Z"


def _size(led: Ledger) -> tuple[int, int]:
    return led.store.size(), len(list(led.store.raw_rows()))


def test_sample_loads_and_state(sample_ledger: Ledger) -> None:
    state = sample_ledger.state
    assert sample_ledger.tree.size == len(sample.sample_envelopes())
    assert state.lots["US-MAGNET-001"].custodian == "us-magnets"
    assert state.lots["PK-CONC-001"].status == "consumed"
    assert state.lots["CN-NDPR-OX-001"].remaining_t == pytest.approx(3.0)


def test_reopen_rebuilds_same_state(sample_ledger: Ledger) -> None:
    with Ledger.open(sample_ledger.store.url, clock=fixed_clock) as again:
        assert again.tree.root() == sample_ledger.tree.root()
        assert again.state.lots.keys() == sample_ledger.state.lots.keys()


def test_idempotent_resubmission(sample_ledger: Ledger) -> None:
    env = signed(
        "us-magnets",
        "assay",
        "x-assay",
        LATE,
        lot_id="US-MAGNET-001",
        grades={"Nd": 0.2},
        laboratory="lab",
    )
    first = sample_ledger.submit(env)
    before = _size(sample_ledger)
    assert sample_ledger.submit(copy.deepcopy(env)) == first
    with Ledger.open(sample_ledger.store.url, clock=fixed_clock) as other:
        assert other.submit(env) == first
    assert _size(sample_ledger) == before


def test_same_idempotency_key_different_body(sample_ledger: Ledger) -> None:
    a = signed(
        "us-magnets",
        "assay",
        "x-1",
        LATE,
        lot_id="US-MAGNET-001",
        grades={"Nd": 0.2},
        laboratory="lab",
    )
    sample_ledger.submit(a)
    b = signed(
        "us-magnets",
        "assay",
        "x-2",
        LATE,
        lot_id="US-MAGNET-001",
        grades={"Nd": 0.3},
        laboratory="lab",
    )
    b = sign_with_key(b["event"], "x-1")
    before = _size(sample_ledger)
    with pytest.raises(ConflictError, match="idempotency key 'x-1'"):
        sample_ledger.submit(b)
    assert _size(sample_ledger) == before


def sign_with_key(event: dict[str, Any], idem: str) -> dict[str, Any]:
    from orechain.ledger.envelope import sign_event

    return sign_event(
        event, sample.org_key(event["actor"]), idempotency_key=idem, origin=sample.ORIGIN
    )


def _tampered_signature(env: dict[str, Any]) -> dict[str, Any]:
    env = copy.deepcopy(env)
    env["event"]["grades"] = {"Nd": 0.9}
    return env


REJECTIONS: list[tuple[str, Any, type[Exception], str]] = [
    (
        "bad signature",
        lambda: _tampered_signature(
            signed(
                "us-magnets",
                "assay",
                "r1",
                LATE,
                lot_id="US-MAGNET-001",
                grades={"Nd": 0.2},
                laboratory="l",
            )
        ),
        IntegrityError,
        "bad signature",
    ),
    (
        "wrong organisation",
        lambda: signed(
            "us-refiner", "transfer", "r2", LATE, lot_ids=["US-MAGNET-001"], to_org="pk-mining"
        ),
        ConflictError,
        "not in the custody",
    ),
    (
        "unknown lot",
        lambda: signed("us-magnets", "transfer", "r3", LATE, lot_ids=["NOPE"], to_org="pk-mining"),
        NotFoundError,
        "unknown lot 'NOPE'",
    ),
    (
        "overdrawn lot",
        lambda: signed(
            "us-magnets",
            "transform",
            "r4",
            LATE,
            site_id="us-magnet",
            stage="magnet",
            inputs=[{"lot_id": "CN-NDPR-OX-001", "quantity_t": 10}],
            outputs=[lot("R4", 10)],
        ),
        ConflictError,
        "overdrawn",
    ),
    (
        "mass imbalance",
        lambda: signed(
            "us-magnets",
            "transform",
            "r5",
            LATE,
            site_id="us-magnet",
            stage="magnet",
            inputs=[{"lot_id": "CN-NDPR-OX-001"}],
            outputs=[lot("R5", 2)],
        ),
        InputError,
        "mass balance does not close",
    ),
    (
        "mixed basis",
        lambda: signed(
            "us-magnets",
            "split",
            "r6",
            LATE,
            site_id="us-magnet",
            lot_id="CN-NDPR-OX-001",
            outputs=[lot("R6", 3, basis="REO")],
        ),
        InputError,
        "basis",
    ),
    (
        "contained REO grows",
        lambda: signed(
            "us-magnets",
            "split",
            "r7",
            LATE,
            site_id="us-magnet",
            lot_id="US-MAGNET-001",
            outputs=[lot("R7", 10, grades={"REO": 1.0}), lot("R8", 4)],
        ),
        InputError,
        "contained REO",
    ),
    (
        "reported too late",
        lambda: signed(
            "us-magnets",
            "transfer",
            "r8",
            "2026-01-01T00:00:00Z",
            lot_ids=["US-MAGNET-001"],
            to_org="pk-mining",
        ),
        InputError,
        "more than 30 days before the log received it",
    ),
    (
        "site not operated",
        lambda: signed("us-magnets", "extract", "r9", LATE, site_id="pk-mine", lot=lot("R9", 1)),
        ConflictError,
        "does not operate",
    ),
    (
        "consumed lot",
        lambda: signed(
            "us-refiner",
            "ship",
            "r10",
            LATE,
            lot_ids=["PK-CONC-001"],
            from_site="us-sep",
            to_site="us-magnet",
            mode="road",
            document="d",
        ),
        ConflictError,
        "consumed",
    ),
    (
        "not a registrar",
        lambda: signed(
            "pk-mining",
            "register-org",
            "r11",
            LATE,
            org_id="x",
            org_name="x",
            country="PAK",
            roles=["miner"],
            public_key="A" * 43 + "=",
        ),
        ConflictError,
        "not a registrar",
    ),
    (
        "schema: naive time",
        lambda: signed(
            "us-magnets",
            "transfer",
            "r12",
            "2026-03-01T00:00:00",
            lot_ids=["US-MAGNET-001"],
            to_org="pk-mining",
        ),
        InputError,
        "event.time",
    ),
    (
        "schema: unknown field",
        lambda: signed(
            "us-magnets",
            "transfer",
            "r13",
            LATE,
            lot_ids=["US-MAGNET-001"],
            to_org="pk-mining",
            colour="red",
        ),
        InputError,
        "colour",
    ),
    ("not valid JSON", lambda: b'{"event": ', InputError, "not valid JSON"),
    (
        "duplicate event id",
        lambda: sign_with_key(
            signed(
                "us-magnets",
                "assay",
                "demo-000-register-org",
                LATE,
                lot_id="US-MAGNET-001",
                grades={"Nd": 0.2},
                laboratory="l",
            )["event"],
            "fresh-key",
        ),
        ConflictError,
        "already in the ledger",
    ),
]


@pytest.mark.parametrize(
    ("_case", "make", "exc", "reason"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_rejections_write_nothing(
    sample_ledger: Ledger, _case: str, make: Any, exc: type[Exception], reason: str
) -> None:
    before = _size(sample_ledger), sample_ledger.tree.root()
    with pytest.raises(exc, match=reason):
        sample_ledger.submit(make())
    assert (_size(sample_ledger), sample_ledger.tree.root()) == before


def test_time_backwards_per_lot(sample_ledger: Ledger) -> None:
    sample_ledger.submit(
        signed(
            "us-magnets",
            "assay",
            "t1",
            LATE,
            lot_id="US-MAGNET-001",
            grades={"Nd": 0.2},
            laboratory="l",
        )
    )
    with pytest.raises(ConflictError, match="time goes backwards"):
        sample_ledger.submit(
            signed(
                "us-magnets",
                "assay",
                "t2",
                "2026-02-27T00:00:00Z",
                lot_id="US-MAGNET-001",
                grades={"Nd": 0.2},
                laboratory="l",
            )
        )


def test_key_rotation_and_revocation(sample_ledger: Ledger) -> None:
    import base64

    new_key = keys.demo_key("rotated")
    pub = base64.b64encode(keys.public_bytes(new_key)).decode()
    sample_ledger.submit(
        signed("us-magnets", "rotate-key", "k1", LATE, org_id="us-magnets", public_key=pub)
    )
    old_kid = keys.key_id(keys.public_bytes(sample.org_key("us-magnets")))
    sample_ledger.submit(
        signed(
            "us-magnets",
            "revoke-key",
            "k2",
            "2026-03-02T00:00:00Z",
            org_id="us-magnets",
            key_id=old_kid,
            reason="rotation",
        )
    )
    with pytest.raises(IntegrityError, match="revoked"):
        sample_ledger.submit(
            signed(
                "us-magnets",
                "assay",
                "k3",
                "2026-03-03T00:00:00Z",
                lot_id="US-MAGNET-001",
                grades={"Nd": 0.2},
                laboratory="l",
            )
        )
    from orechain.ledger.envelope import sign_event

    event = {
        "type": "assay",
        "event_id": "k4",
        "actor": "us-magnets",
        "time": "2026-03-03T00:00:00Z",
        "lot_id": "US-MAGNET-001",
        "grades": {"Nd": 0.2},
        "laboratory": "l",
    }
    assert (
        sample_ledger.submit(sign_event(event, new_key, origin=sample.ORIGIN)).leaf_index
        == sample_ledger.tree.size - 1
    )


def test_batch_is_atomic(sample_ledger: Ledger) -> None:
    good = signed(
        "us-magnets",
        "assay",
        "b1",
        LATE,
        lot_id="US-MAGNET-001",
        grades={"Nd": 0.2},
        laboratory="l",
    )
    bad = signed("us-magnets", "transfer", "b2", LATE, lot_ids=["NOPE"], to_org="pk-mining")
    before = _size(sample_ledger)
    with pytest.raises(NotFoundError):
        sample_ledger.submit_many([good, bad])
    assert _size(sample_ledger) == before
    assert "b1" not in sample_ledger.state.events


def test_non_canonical_bytes_rejected_when_required() -> None:
    from orechain.ledger.canonical import canonicalize
    from orechain.ledger.envelope import open_envelope

    env = signed("us-magnets", "assay", "c1", LATE, lot_id="L", grades={}, laboratory="l")
    raw = canonicalize(env)
    assert open_envelope(raw, require_canonical=True).leaf == raw
    with pytest.raises(InputError, match="canonical"):
        open_envelope(raw.replace(b",", b", ", 1), require_canonical=True)


def test_open_missing_ledger(tmp_path: Any) -> None:
    with pytest.raises(NotFoundError, match="ledger init"):
        Ledger.open(str(tmp_path / "none.db"))


def test_create_twice(empty_ledger: Ledger) -> None:
    with pytest.raises(ConflictError, match="already exists"):
        Ledger.create(empty_ledger.store.url, "x", sample.log_key())
