"""Ledger volumes as observed flows: what the buyer actually received fixes a modelled flow.

A scenario's ``observed`` block names a ledger, a buyer and a year. When the
scenario loads, the lots the buyer received from abroad in that year
(:func:`orechain.risk.verified.received_lots`, weighed by the assayed element
where assayed) are summed per exporting country and stage; in that year's LP
the flow from that country's node at the matching network stage into the
buyer's nodes is then fixed to those tonnes
(:func:`orechain.scenarios.constraints.define_observed_flow_constraints`).
Outputs label them "observed (ledger)".
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orechain.atlas.commodities import resolve_commodity
from orechain.errors import InputError, NotFoundError
from orechain.scenarios.spec_blocks import Observed, ObservedFlow
from orechain.stages import stage_index

if TYPE_CHECKING:
    from orechain.ledger.service import Ledger
    from orechain.scenarios.network import Network
    from orechain.scenarios.spec import Scenario

SAMPLE = "sample"
"""``observed.ledger`` value that loads the labelled sample corridor ledger."""

LABEL = "observed (ledger)"

__all__ = [
    "LABEL",
    "SAMPLE",
    "network_stage",
    "observed_labels",
    "observed_links",
    "observed_rows",
    "read_observed",
    "resolve_observed",
]


@contextmanager
def _ledger(url: str) -> Iterator[Ledger]:
    """The ledger at ``url``; ``sample`` builds the sample ledger in a temporary file."""
    from orechain.ledger import sample
    from orechain.ledger.service import Ledger

    if url != SAMPLE:
        with Ledger.open(url) as led:
            yield led
        return
    with (
        tempfile.TemporaryDirectory(prefix="orechain-observed-") as folder,
        Ledger.create(str(Path(folder) / "sample.db"), sample.ORIGIN, sample.log_key()) as led,
    ):
        sample.load(led)
        yield led


def read_observed(obs: Observed, commodity: str) -> tuple[ObservedFlow, ...]:
    """Per exporter and stage, what ``obs.buyer`` received in ``obs.year`` [t]."""
    from orechain.risk.verified import ASSAY_ELEMENT, received_lots

    with _ledger(obs.ledger) as led:
        lots = received_lots(led.state, commodity, obs.buyer, str(obs.year))
    groups: dict[tuple[str, str], list[Any]] = {}
    for lot in lots:
        if obs.origins and lot.from_country not in obs.origins:
            continue
        stage = max(lot.origin, key=stage_index) if lot.origin else "mining"
        groups.setdefault((lot.from_country, stage), []).append(lot)
    element = ASSAY_ELEMENT.get(commodity, "gross")
    flows = []
    for (origin, stage), have in sorted(groups.items()):
        tonnes = sum(lot.weight_t for lot in have)
        assayed = all(lot.weight_basis != "gross" for lot in have)
        verified = (
            sum(lot.weight_t * lot.verified_share for lot in have) / tonnes if tonnes else 0.0
        )
        flows.append(
            ObservedFlow(
                origin=origin, stage=stage, tonnes=tonnes,
                basis=element if assayed else "gross", verified_share=verified,
                lots=tuple(lot.lot_id for lot in have),
            )
        )  # fmt: skip
    return tuple(flows)


def _ledger_url(url: str, source: str | None) -> str:
    """A relative ledger path is relative to the scenario file's folder."""
    if url == SAMPLE or "://" in url or Path(url).is_absolute() or source is None:
        return url
    return str(Path(source).parent / url) if Path(source).is_file() else url


def resolve_observed(scn: Scenario) -> Scenario:
    """``scn`` with ``observed.flows`` read from its ledger (unchanged without ``observed``)."""
    obs = scn.observed
    if obs is None:
        return scn
    if not scn.horizon.start <= obs.year <= scn.horizon.end:
        msg = f"year {obs.year} is outside the horizon {scn.horizon.start}–{scn.horizon.end}"
        raise InputError(msg, source=scn.source_path, field="observed.year")
    commodity = resolve_commodity(obs.commodity) if obs.commodity else scn.commodity_id
    if commodity is None:
        msg = "an explicit network needs observed.commodity to read the ledger"
        raise InputError(msg, source=scn.source_path, field="observed.commodity")
    located = obs.model_copy(update={"ledger": _ledger_url(obs.ledger, scn.source_path)})
    try:
        flows = read_observed(located, commodity)
    except (InputError, NotFoundError) as exc:
        raise InputError(str(exc), source=scn.source_path, field="observed.ledger") from exc
    return scn.model_copy(update={"observed": obs.model_copy(update={"flows": flows})})


def network_stage(stages: Sequence[str], stage: str) -> str | None:
    """The last network stage at or before a ledger stage (concentrate → ``mining``)."""
    at = stage_index(stage)
    before = [s for s in stages if stage_index(s) <= at]
    return before[-1] if before else None


def observed_links(net: Network, scn: Scenario, flow: ObservedFlow) -> list[int]:
    """Links from ``flow.origin``'s nodes at the matching stage into the buyer's nodes.

    Nodes of mitigations the run leaves out (the ``compare_without`` variant) are
    skipped: that counterfactual has no such shipment to fix.
    """
    buyer = scn.observed.buyer if scn.observed is not None else ""
    stage = network_stage(net.stages, flow.stage)
    active = {m.id for m in scn.mitigations}
    sources = {
        i
        for i, node in enumerate(net.nodes)
        if node.country == flow.origin
        and node.stage == stage
        and (node.mitigation is None or node.mitigation in active)
    }
    return [
        li
        for li, link in enumerate(net.links)
        if not link.to_sink and link.source in sources and net.nodes[link.target].country == buyer
    ]


def observed_rows(scn: Scenario, net: Network) -> list[dict[str, Any]]:
    """One row per observed flow: tonnes, basis, lots and whether a modelled route takes it."""
    obs = scn.observed
    if obs is None or obs.flows is None:
        return []
    return [
        {
            "label": LABEL,
            "year": obs.year,
            "origin": f.origin,
            "buyer": obs.buyer,
            "stage": f.stage,
            "network_stage": network_stage(net.stages, f.stage),
            "tonnes": f.tonnes,
            "basis": f.basis,
            "verified_share": f.verified_share,
            "lots": list(f.lots),
            "fixed": bool(observed_links(net, scn, f)),
        }
        for f in obs.flows
    ]


def observed_labels(rows: list[dict[str, Any]], ledger: str) -> list[str]:
    """The lines the outputs print for each observed flow."""
    out = []
    for r in rows:
        what = f"{r['origin']} {r['stage']} → {r['buyer']} in {r['year']}: {r['tonnes']:,.3f} t"
        lots = ", ".join(r["lots"])
        if r["fixed"]:
            head = f"{LABEL}: {what} ({r['basis']}, lots {lots}; ledger {ledger})"
            tail = f"fixes the modelled {r['network_stage']} flow"
        else:
            head = f"{LABEL}, not applied: {what} (lots {lots})"
            tail = "the network has no such route"
        out.append(f"{head}; {tail}; {r['verified_share']:.1%} of it certified upstream")
    return out
