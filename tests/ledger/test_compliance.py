from __future__ import annotations

from pathlib import Path

import pytest
from ledger_helpers import fixed_clock

from orechain.errors import InputError
from orechain.ledger import sample
from orechain.ledger.compliance import run_rule
from orechain.ledger.provenance import downstream, origin_shares, upstream, verified_share
from orechain.ledger.service import Ledger


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    url = str(Path(tmp_path_factory.mktemp("c")) / "c.db")
    with Ledger.create(url, sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
        return led.state


def test_dfars_passes_for_pakistan_us_chain(state) -> None:  # type: ignore[no-untyped-def]
    result = run_rule(state, "US-MAGNET-001", "dfars-2027")
    assert result.passed, result.reason


def test_dfars_fails_for_blend_with_path(state) -> None:  # type: ignore[no-untyped-def]
    result = run_rule(state, "BLEND-NDPR-OX-001", "dfars-2027")
    assert not result.passed
    assert [s["lot_id"] for s in result.path] == ["BLEND-NDPR-OX-001", "CN-NDPR-OX-001"]
    assert result.path[-1]["country"] == "CHN"
    assert result.path[-1]["event_type"] == "transform"
    assert "separation of lot 'CN-NDPR-OX-001' took place in CHN" in result.reason


def test_restricted_stage_origin_parameters(state) -> None:  # type: ignore[no-untyped-def]
    result = run_rule(
        state, "US-MAGNET-001", "restricted-stage-origin", countries=("PAK",), stages=("mining",)
    )
    assert not result.passed
    assert result.path[0]["lot_id"] == "US-MAGNET-001"
    assert result.path[-1]["lot_id"] == "PK-ORE-001"


def test_origin_shares_by_stage(state) -> None:  # type: ignore[no-untyped-def]
    magnet = origin_shares(state, "US-MAGNET-001")
    assert magnet["mining"] == {"PAK": 1.0}
    assert magnet["beneficiation"] == {"PAK": 1.0}
    assert magnet["separation"] == {"USA": 1.0}
    assert magnet["magnet"] == {"USA": 1.0}
    blend = origin_shares(state, "BLEND-NDPR-OX-001")
    assert blend["mining"] == pytest.approx({"PAK": 0.5, "CHN": 0.5})
    assert blend["beneficiation"] == pytest.approx({"PAK": 0.5, "unknown": 0.5})
    for stage in blend.values():
        assert sum(stage.values()) == pytest.approx(1.0)


def test_graphs_and_verified_share(state) -> None:  # type: ignore[no-untyped-def]
    up = {e.parent for e in upstream(state, "US-MAGNET-001")}
    assert up == {"US-NDPR-METAL-001", "US-NDPR-OX-001", "PK-CONC-001", "PK-ORE-001"}
    down = {e.child for e in downstream(state, "PK-ORE-001")}
    assert {"US-MAGNET-001", "BLEND-NDPR-OX-001", "US-REO-MIX-001"} <= down
    assert verified_share(state, "US-MAGNET-001") == 1.0
    assert verified_share(state, "BLEND-NDPR-OX-001") == pytest.approx(0.5)
    assert run_rule(state, "US-MAGNET-001", "min-verified-share", threshold=0.9).passed
    failed = run_rule(state, "BLEND-NDPR-OX-001", "min-verified-share", threshold=0.9)
    assert not failed.passed
    assert [s["lot_id"] for s in failed.path] == [
        "BLEND-NDPR-OX-001",
        "CN-NDPR-OX-001",
        "CN-ORE-001",
    ]


def test_assay_before_export_and_chain(state) -> None:  # type: ignore[no-untyped-def]
    assert run_rule(state, "US-MAGNET-001", "assay-before-export").passed
    assert run_rule(state, "BLEND-NDPR-OX-001", "assay-before-export").passed
    assert run_rule(state, "US-MAGNET-001", "chain-unbroken").passed
    with pytest.raises(InputError, match="unknown rule"):
        run_rule(state, "US-MAGNET-001", "nope")
