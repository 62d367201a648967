"""Ledger volumes as observed flows (issue 18 item 2).

Hand computation on the sample ledger: in 2026 the United States received
PK-CONC-001 from Pakistan, 100 t of concentrate assayed at 40 % REO and certified
upstream, so the observed Pakistani flow is 100 × 0.40 = 40 t REO, 100 % certified;
it fixes the corridor's Pakistani mining → U.S. separation flow (1,000 t in the
modelled 2026 without it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
import yaml
from scenario_helpers import tiny

from orechain.errors import InfeasibleScenarioError, InputError
from orechain.scenarios.bundled import resolve_scenario_path
from orechain.scenarios.observed import LABEL, read_observed
from orechain.scenarios.report import run_report
from orechain.scenarios.solve import run_scenario
from orechain.scenarios.spec import parse_scenario
from orechain.scenarios.spec_blocks import Observed, ObservedFlow

PAK_2026_T = 100 * 0.40


def _corridor(**observed: Any) -> dict[str, Any]:
    raw = yaml.safe_load(resolve_scenario_path("pakistan-us-corridor").read_text())
    raw["horizon"] = {"start": 2025, "end": 2026}
    raw["observed"] = {"ledger": "sample", "buyer": "USA", "year": 2026, **observed}
    return raw


def test_sample_ledger_gives_the_hand_computed_flows():
    obs = Observed(ledger="sample", buyer="USA", year=2026)
    flows = {(f.origin, f.stage): f for f in read_observed(obs, "rare-earths")}
    pak = flows[("PAK", "beneficiation")]
    assert (pak.tonnes, pak.basis, pak.verified_share) == (pytest.approx(PAK_2026_T), "REO", 1.0)
    assert pak.lots == ("PK-CONC-001",)
    chn = flows[("CHN", "separation")]
    assert (chn.tonnes, chn.verified_share) == (pytest.approx(5 * 0.99), 0.0)
    only = read_observed(obs.model_copy(update={"origins": ["PAK"]}), "rare-earths")
    assert [f.origin for f in only] == ["PAK"]
    assert read_observed(obs.model_copy(update={"year": 2025}), "rare-earths") == ()


def test_corridor_run_fixes_the_pakistani_flow_to_the_ledger(atlas):
    scn = parse_scenario(_corridor(origins=["PAK"]))
    doc, _ = run_report(scn, atlas)
    links = {y["year"]: y["links"] for y in doc["sankey_by_year"]}
    pak = [link for link in links[2026] if link["source"].startswith("PAK mining")]
    assert sum(link["tonnes"] for link in pak) == pytest.approx(PAK_2026_T, abs=1e-6)
    assert all(link["target"].startswith("USA") for link in pak)
    (row,) = doc["observed"]
    assert (row["label"], row["fixed"], row["network_stage"]) == (LABEL, True, "mining")
    assert any(
        a.startswith(f"{LABEL}: PAK beneficiation → USA in 2026") for a in doc["assumptions"]
    )
    free = run_report(parse_scenario({**_corridor(), "observed": None}), atlas)[0]
    free_links = {y["year"]: y["links"] for y in free["sankey_by_year"]}
    free_pak = sum(lk["tonnes"] for lk in free_links[2026] if lk["source"].startswith("PAK mining"))
    assert free_pak > 10 * PAK_2026_T  # the model alone ships far more than was recorded


def test_tiny_network_hand_solution_with_an_observed_flow():
    """Mine A's flow fixed to 30 t: B makes up the refinery's 120 t, EV still short 10 t."""
    scn = parse_scenario(tiny())
    flow = ObservedFlow(
        origin="AUS", stage="beneficiation", tonnes=30.0, basis="REO", verified_share=1.0,
        lots=("X",),
    )  # fmt: skip
    obs = Observed(ledger="sample", buyer="USA", year=2025).model_copy(update={"flows": (flow,)})
    y = run_scenario(scn.model_copy(update={"observed": obs})).years[0]
    assert y.flows["A → R"] == pytest.approx(30.0)
    assert y.flows["B → R"] == pytest.approx(50.0)  # B's capacity binds now
    assert y.regions["USA"].shortfall_t == pytest.approx(50.0)


def test_bad_observed_blocks_are_one_clear_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="outside the horizon") as err:
        parse_scenario(_corridor(year=2040))
    assert err.value.field == "observed.year"
    with pytest.raises(InputError, match="read from the ledger"):
        parse_scenario(_corridor(flows=[]))
    with pytest.raises(InputError, match="no ledger at") as err:
        parse_scenario(_corridor(ledger=str(tmp_path / "missing.db")))
    assert err.value.field == "observed.ledger"
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(InputError):
        parse_scenario(_corridor(buyer="XXX"))
    explicit = {**tiny(), "observed": {"ledger": "sample", "buyer": "USA", "year": 2025}}
    with pytest.raises(InputError, match="observed.commodity") as err:
        parse_scenario(explicit)
    explicit["observed"]["commodity"] = "rare-earths"
    assert parse_scenario(explicit).observed.flows == ()  # nothing received in 2025


@hypothesis.given(tonnes=st.floats(min_value=0.0, max_value=100.0, allow_nan=False))
@hypothesis.settings(max_examples=25, deadline=None, derandomize=True, database=None)
def test_observed_flow_is_met_exactly_and_the_rest_rebalances(tonnes):
    """Tiny network: A fixed at T ≤ its 100 t; B (50 t) fills the refinery (120 t) up to demand."""
    scn = parse_scenario(tiny())
    flow = ObservedFlow(
        origin="AUS", stage="mining", tonnes=tonnes, basis="REO", verified_share=1.0, lots=("X",)
    )
    obs = Observed(ledger="sample", buyer="USA", year=2025).model_copy(update={"flows": (flow,)})
    y = run_scenario(scn.model_copy(update={"observed": obs})).years[0]
    from_b = min(50.0, 120.0 - tonnes)
    assert y.flows.get("A → R", 0.0) == pytest.approx(tonnes, abs=1e-6)
    assert y.flows.get("B → R", 0.0) == pytest.approx(from_b, abs=1e-6)
    assert y.regions["USA"].shortfall_t == pytest.approx(130.0 - tonnes - from_b, abs=1e-6)


def test_observed_flow_above_capacity_is_infeasible():
    scn = parse_scenario(tiny())
    flow = ObservedFlow(
        origin="AUS", stage="mining", tonnes=101.0, basis="REO", verified_share=1.0, lots=("X",)
    )
    obs = Observed(ledger="sample", buyer="USA", year=2025).model_copy(update={"flows": (flow,)})
    with pytest.raises(InfeasibleScenarioError):
        run_scenario(scn.model_copy(update={"observed": obs}))


def test_relative_ledger_path_is_next_to_the_scenario_file(tmp_path: Path):
    from orechain.ledger import sample
    from orechain.ledger.service import Ledger
    from orechain.scenarios.spec import load_scenario

    with Ledger.create(str(tmp_path / "corridor.db"), sample.ORIGIN, sample.log_key()) as led:
        sample.load(led)
    (tmp_path / "scn.yaml").write_text(yaml.safe_dump(_corridor(ledger="corridor.db")))
    scn = load_scenario(tmp_path / "scn.yaml")
    assert scn.observed is not None
    assert scn.observed.flows is not None
    assert {f.origin: f.tonnes for f in scn.observed.flows}["PAK"] == pytest.approx(PAK_2026_T)
