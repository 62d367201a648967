"""Red-team test of issue #11 item 17: origin shares weighted by an assayed element.

The sample's blend takes 2 t of US-separated and 2 t of Chinese-separated NdPr
oxide. By mass the separation is half US, half Chinese; once the lab reports
the US oxide at 20 % Nd and the Chinese at 60 %, three quarters of the
blend's Nd was separated in China, and the answer must say which weighting it used.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ledger_helpers import fixed_clock, signed
from typer.testing import CliRunner

from orechain.cli import app
from orechain.ledger import sample
from orechain.ledger.service import Ledger

T = "2026-03-02T00:00:00Z"
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("origin") / "o.db"
    with Ledger.create(str(path), sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
        led.submit_many([
            signed("demo-lab", "assay", "nd-us", T, lot_id="US-NDPR-OX-001",
                   grades={"REO": 0.99, "Nd": 0.2}, laboratory="lab"),
            signed("demo-lab", "assay", "nd-cn", T, lot_id="CN-NDPR-OX-001",
                   grades={"REO": 0.99, "Nd": 0.6}, laboratory="lab"),
        ])  # fmt: skip
    return path


def _origin(db: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, ["ledger", "lot", "origin", "BLEND-NDPR-OX-001", "--db", str(db),
                              "--json", *extra])  # fmt: skip
    assert res.exit_code == 0, res.output
    return json.loads(res.output)  # type: ignore[no-any-return]


def test_item17_origin_shares_weighted_by_an_assayed_element(db: Path) -> None:
    by_mass = _origin(db)
    assert by_mass["weighted_by"] == "mass"
    assert by_mass["origin_shares"]["separation"] == pytest.approx({"USA": 0.5, "CHN": 0.5})
    by_nd = _origin(db, "--element", "Nd")
    assert by_nd["weighted_by"] == "Nd content"
    assert by_nd["mass_weighted_at"] == []
    assert by_nd["origin_shares"]["separation"] == pytest.approx({"USA": 0.25, "CHN": 0.75})
    # No Dy assay on the inputs: the blend falls back to mass and says where.
    by_dy = _origin(db, "--element", "Dy")
    assert by_dy["mass_weighted_at"] == ["BLEND-NDPR-OX-001"]
    assert by_dy["origin_shares"]["separation"] == pytest.approx({"USA": 0.5, "CHN": 0.5})
    table = runner.invoke(app, ["ledger", "lot", "origin", "BLEND-NDPR-OX-001", "--db", str(db),
                                "--element", "Dy"])  # fmt: skip
    assert "by mass at BLEND-NDPR-OX-001" in " ".join(table.output.split())
