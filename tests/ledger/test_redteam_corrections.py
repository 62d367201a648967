"""Red-team test of issue #11 item 18: corrections change masses and show on ``lot show``.

A weighbridge error on an extraction and on a concentrator output is corrected
by a signed ``correct`` event (nothing is edited): ``lot show`` then gives the
new mass with the correction in the lot's history, the step's loss absorbs the
difference, no correction can undercut what was already drawn, and a lot in
transit shows where it is going.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ledger_helpers import fixed_clock, lot, signed
from typer.testing import CliRunner

from orechain.cli import app
from orechain.errors import ConflictError, InputError
from orechain.ledger import sample
from orechain.ledger.service import Ledger

PK = "pk-mining"
T = "2026-03-0{}T00:00:00Z".format
runner = CliRunner()


def _show(db: Path, lot_id: str) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, ["ledger", "lot", "show", lot_id, "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)  # type: ignore[no-any-return]


def _fix(n: int, corrects: str, lot_id: str, q: float) -> dict:  # type: ignore[type-arg]
    return signed(PK, "correct", f"fix-{n}", T(4), corrects=corrects, reason="weighbridge",
                  lot_id=lot_id, quantity_t=q)  # fmt: skip


def test_item18_corrections_change_masses_and_show(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with Ledger.create(str(db), sample.ORIGIN, sample.log_key(), clock=fixed_clock) as led:
        sample.load(led)
        led.submit_many([
            signed(PK, "extract", "ex-2", T(2), site_id="pk-mine", lot=lot("PK-ORE-2", 100.0)),
            signed(PK, "split", "sp-2", T(2), site_id="pk-mine", lot_id="PK-ORE-2",
                   outputs=[lot("PK-ORE-2A", 60.0), lot("PK-ORE-2B", 40.0)]),
            signed(PK, "extract", "ex-3", T(2), site_id="pk-mine", lot=lot("PK-ORE-3", 50.0)),
            signed(PK, "ship", "sh-3", T(3), lot_ids=["PK-ORE-3"], from_site="pk-mine",
                   to_site="pk-conc", mode="road", document="CN-3"),
        ])  # fmt: skip
        transit = _show(db, "PK-ORE-3")
        assert (transit["status"], transit["destination"]) == ("in_transit", "pk-conc")
        led.submit(signed(PK, "receive", "rc-3", T(3), lot_ids=["PK-ORE-3"], site_id="pk-conc"))
        led.submit(signed(PK, "transform", "tf-3", T(3), site_id="pk-conc", stage="beneficiation",
                          inputs=[{"lot_id": "PK-ORE-3"}], outputs=[lot("PK-CONC-3", 5.0)],
                          losses=[{"kind": "tailings", "quantity_t": 45.0}]))  # fmt: skip
        with pytest.raises(ConflictError, match="'PK-ORE-3' is consumed"):
            led.submit(_fix(1, "ex-3", "PK-ORE-3", 48.0))
        with pytest.raises(ConflictError, match="'PK-ORE-2' is consumed"):
            led.submit(_fix(2, "ex-2", "PK-ORE-2", 95.0))
        with pytest.raises(InputError, match="was made by 'sp-2', not 'ex-2'"):
            led.submit(_fix(3, "ex-2", "PK-ORE-2A", 55.0))
        with pytest.raises(InputError, match="needs more input than step 'tf-3' drew"):
            led.submit(_fix(4, "tf-3", "PK-CONC-3", 51.0))
        led.submit(_fix(5, "tf-3", "PK-CONC-3", 4.5))
        led.submit(_fix(6, "sp-2", "PK-ORE-2A", 58.0))
    shown = _show(db, "PK-CONC-3")
    assert (shown["quantity_t"], shown["remaining_t"]) == (4.5, 4.5)
    note = next(h["note"] for h in shown["history"] if h["event_id"] == "fix-5")
    assert note == "corrects tf-3: mass of PK-CONC-3 → 4.5 t; weighbridge"
    assert _show(db, "PK-ORE-2A")["quantity_t"] == 58.0
    table = runner.invoke(app, ["ledger", "lot", "show", "PK-CONC-3", "--db", str(db)])
    assert "fix-5" in table.output
