"""Verified supply from the ledger beside the modelled shares (orechain.risk.verified).

Hand computation on the bundled sample corridor (ASSUMPTION: illustrative data):
the USA received from abroad PK-CONC-001 (100 t gross, assayed 40 % REO → 40 t REO,
mined in PAK, certified verified-origin) and CN-NDPR-OX-001 (5 t gross, assayed
99 % REO → 4.95 t REO, mined in CHN, not certified). Mining origin shares:
PAK 40 / 44.95 = 0.88988, CHN 4.95 / 44.95 = 0.11012; verified mass share
40 / 44.95; separation (only the Chinese oxide went through it): CHN 1.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from orechain.cli import app
from orechain.errors import InputError
from orechain.ledger import sample
from orechain.ledger.service import Ledger
from orechain.risk.verified import (
    ReceivedLot,
    _stage_shares,
    parse_period,
    summarise,
    verified_supply,
)

runner = CliRunner()
TOTAL = 40.0 + 4.95


@pytest.fixture
def sample_db(tmp_path: Path) -> str:
    url = str(tmp_path / "ledger.db")
    with Ledger.create(url, sample.ORIGIN, sample.log_key()) as led:
        sample.load(led)
    return url


def test_sample_corridor_matches_the_hand_computation(sample_db: str):
    with Ledger.open(sample_db) as led:
        got = verified_supply(led.state, "rare-earths", "USA")
    assert [lot.lot_id for lot in got.lots] == ["CN-NDPR-OX-001", "PK-CONC-001"]
    assert [lot.weight_t for lot in got.lots] == pytest.approx([4.95, 40.0])
    assert got.total_weight_t == pytest.approx(TOTAL)
    assert got.origin_shares["mining"] == pytest.approx({"PAK": 40 / TOTAL, "CHN": 4.95 / TOTAL})
    assert got.origin_shares["separation"] == {"CHN": 1.0}
    assert got.verified_mass_share == pytest.approx(40 / TOTAL)
    assert got.unverified_mass_share == pytest.approx(4.95 / TOTAL)
    assert got.assayed_mass_share == 1.0


def test_period_filters_receipts(sample_db: str):
    with Ledger.open(sample_db) as led:
        assert len(verified_supply(led.state, "rare-earths", "USA", "2026-01").lots) == 2
        empty = verified_supply(led.state, "rare-earths", "USA", "2025")
        other = verified_supply(led.state, "rare-earths", "PAK")
    assert empty.lots == []
    assert empty.verified_mass_share == 0.0
    assert empty.notes
    assert other.lots == []  # PAK exported, it received nothing from abroad


@pytest.mark.parametrize(
    ("text", "span"),
    [("2026", ("2026-01-01", "2027-01-01")), ("2026-12", ("2026-12-01", "2027-01-01")),
     ("2026-Q4", ("2026-10-01", "2027-01-01"))],
)  # fmt: skip
def test_parse_period(text, span):
    assert parse_period(text) == span


@pytest.mark.parametrize("bad", ["26", "2026-13", "2026-Q5", "last year"])
def test_bad_period_is_an_input_error(bad):
    with pytest.raises(InputError, match="period"):
        parse_period(bad)


def test_cli_shows_modelled_and_verified_side_by_side(sample_db: str, atlas_env: Path):
    args = ["risk", "rare earths", "--ledger", sample_db, "--buyer", "usa"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    verified = json.loads(result.stdout)["verified"]
    assert verified["stage"] == "mining"
    assert verified["verified_shares"] == pytest.approx({"PAK": 40 / TOTAL, "CHN": 4.95 / TOTAL})
    assert verified["modelled_shares"]["CHN"] > 0.5
    assert verified["label"] == sample.LABEL
    human = runner.invoke(app, args)
    assert "received share (ledger, mining)" in human.stdout
    assert "verified origin: 89.0 % of the received mass" in human.stdout


def test_cli_bad_period_and_record_with_ledger_exit_2(sample_db: str, atlas_env: Path):
    base = ["risk", "rare earths", "--ledger", sample_db]
    assert runner.invoke(app, [*base, "--period", "2026-13"]).exit_code == 2
    assert runner.invoke(app, [*base, "--record"]).exit_code == 2


COUNTRY_SHARES = st.dictionaries(
    st.sampled_from(["PAK", "CHN", "unknown"]), st.floats(0.01, 1.0), min_size=1
).map(lambda d: {k: v / sum(d.values()) for k, v in d.items()})
LOTS = st.lists(
    st.builds(
        ReceivedLot,
        lot_id=st.text(min_size=1, max_size=4),
        from_country=st.sampled_from(["PAK", "CHN", "AUS"]),
        received_at=st.just("2026-01-01T00:00:00+00:00"),
        quantity_t=st.floats(0.1, 1e4),
        weight_t=st.floats(0.01, 1e4),
        weight_basis=st.sampled_from(["REO", "gross"]),
        verified_share=st.floats(0.0, 1.0),
        origin=st.dictionaries(
            st.sampled_from(["mining", "beneficiation", "separation"]),
            COUNTRY_SHARES,
            min_size=1,
        ),
    ),
    max_size=6,
)  # fmt: skip


@given(LOTS)
def test_stage_shares_sum_to_one_and_verified_is_a_share(lots):
    shares = _stage_shares(lots)
    assert set(shares) == {s for lot in lots for s in lot.origin}
    for row in shares.values():
        assert sum(row.values()) == pytest.approx(1.0)
    got = summarise("rare-earths", "USA", None, lots)
    assert 0.0 <= got.verified_mass_share <= 1.0 + 1e-12
    assert got.verified_mass_share + got.unverified_mass_share == pytest.approx(
        1.0 if lots else 0.0
    )
