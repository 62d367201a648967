"""Cross-reference checks of a scenario: every name a block uses must exist.

Each check raises ``ValueError("[field.path] reason")``; :mod:`orechain.scenarios.spec`
turns it into an :class:`~orechain.errors.InputError` naming the file and field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from orechain.errors import NotFoundError
from orechain.scenarios.spec_blocks import ROW, _fail, check_country

if TYPE_CHECKING:
    from orechain.scenarios.spec import ExportRestriction, Scenario


def check_scenario(scn: Scenario) -> None:
    """Run every cross-reference check in file order."""
    _check_source(scn)
    _check_regions(scn)
    _check_demand(scn)
    _check_disruptions(scn)
    _check_mitigations(scn)
    _check_uncertainty(scn)
    _check_report(scn)
    _check_optimize(scn)
    if scn.network is not None:
        _check_network(scn)


def _check_source(scn: Scenario) -> None:
    if (scn.commodity is None) == (scn.network is None):
        _fail("commodity", "give exactly one of 'commodity' (atlas network) or 'network'")
    if scn.commodity is not None:
        from orechain.atlas.commodities import resolve_commodity

        try:
            resolve_commodity(scn.commodity)
        except NotFoundError as exc:
            _fail("commodity", str(exc))


def _check_regions(scn: Scenario) -> None:
    for name, members in scn.regions.items():
        if name == ROW:
            _fail(f"regions.{name}", "ROW is implicit (every country not in another region)")
        for i, code in enumerate(members):
            try:
                check_country(code)
            except ValueError as exc:
                _fail(f"regions.{name}.{i}", str(exc))


def _check_stage(scn: Scenario, stage: str | None, field: str) -> None:
    if stage is not None and stage not in scn.stages:
        _fail(field, f"unknown stage {stage!r}; stages of this network: {', '.join(scn.stages)}")


def _check_region(scn: Scenario, region: str, field: str) -> None:
    if region not in scn.demand_regions:
        have = ", ".join(scn.demand_regions)
        _fail(field, f"region {region!r} has no demand; regions with demand: {have}")


def _check_demand(scn: Scenario) -> None:
    sectors = {d.sector for d in scn.demand}
    for i, d in enumerate(scn.demand):
        _check_stage(scn, d.stage, f"demand.{i}.stage")
        if d.tonnes == "network" and scn.network is not None:
            _fail(f"demand.{i}.tonnes", "'network' needs an atlas network (a 'commodity')")
    for sector in scn.priorities:
        if sector not in sectors:
            _fail(f"priorities.{sector}", f"sector {sector!r} has no demand entry")


def _check_disruptions(scn: Scenario) -> None:
    _unique((d.id for d in scn.disruptions), "disruptions")
    for i, d in enumerate(scn.disruptions):
        stages = d.stages if d.type == "export_restriction" else [d.stage]
        for stage in stages:
            _check_stage(scn, stage, f"disruptions.{i}.stage")
        if d.end is not None and d.end < d.start:
            _fail(f"disruptions.{i}.end", f"end {d.end} is before start {d.start}")
        if d.type == "export_restriction":
            _check_destinations(scn, d, i)
            _check_commodity(scn, d, i)


def _check_destinations(scn: Scenario, d: ExportRestriction, i: int) -> None:
    if d.to == "all":
        return
    for j, dest in enumerate(d.to):
        if dest in scn.demand_regions or dest in scn.regions:
            continue
        try:
            check_country(dest)
        except ValueError:
            _fail(f"disruptions.{i}.to.{j}", f"{dest!r} is neither a demand region nor a country")


def _check_commodity(scn: Scenario, d: ExportRestriction, i: int) -> None:
    if d.commodity is None or scn.commodity is None:
        return
    from orechain.atlas.commodities import resolve_commodity

    try:
        same = resolve_commodity(d.commodity) == resolve_commodity(scn.commodity)
    except NotFoundError as exc:
        _fail(f"disruptions.{i}.commodity", str(exc))
    if not same:
        _fail(f"disruptions.{i}.commodity", f"{d.commodity!r} is not {scn.commodity!r}")


def _check_mitigations(scn: Scenario) -> None:
    _unique((m.id for m in scn.mitigations), "mitigations")
    for i, m in enumerate(scn.mitigations):
        _check_stage(scn, m.stage, f"mitigations.{i}.stage")
        if m.type != "new_capacity":
            _check_region(scn, m.region, f"mitigations.{i}.region")


def _check_uncertainty(scn: Scenario) -> None:
    ids = {d.id for d in scn.disruptions}
    sectors = {d.sector for d in scn.demand}
    for i, u in enumerate(scn.uncertainty):
        where = f"uncertainty.{i}"
        _check_stage(scn, u.stage, f"{where}.stage")
        if u.region is not None:
            _check_region(scn, u.region, f"{where}.region")
        if u.sector is not None and u.sector not in sectors:
            _fail(f"{where}.sector", f"sector {u.sector!r} has no demand entry")
        if u.target == "disruption":
            if u.disruption not in ids:
                _fail(f"{where}.disruption", f"no disruption with id {u.disruption!r}")
            if u.probability is None:
                _fail(f"{where}.probability", "a disruption uncertainty needs a probability")
        elif u.distribution is None:
            _fail(f"{where}.distribution", f"a {u.target} uncertainty needs a distribution")


def _check_report(scn: Scenario) -> None:
    if scn.report.focus_region is not None:
        _check_region(scn, scn.report.focus_region, "report.focus_region")
    ids = {m.id for m in scn.mitigations}
    for i, mid in enumerate(scn.report.compare_without):
        if mid not in ids:
            _fail(f"report.compare_without.{i}", f"no mitigation with id {mid!r}")


def _check_optimize(scn: Scenario) -> None:
    if scn.optimize is None:
        return
    from pydantic import ValidationError

    from orechain.errors import InputError
    from orechain.scenarios.optimize_spec import OptimizeSpec

    try:
        spec = OptimizeSpec.model_validate(scn.optimize)
        _ = spec.excluded
    except ValidationError as exc:
        err = exc.errors()[0]
        _fail("optimize." + ".".join(str(p) for p in err["loc"]), str(err["msg"]))
    except InputError as exc:
        _fail("optimize.exclude", exc.reason)
    for i, st in enumerate(spec.stages):
        _check_stage(scn, st.stage, f"optimize.stages.{i}.stage")


def _check_network(scn: Scenario) -> None:
    assert scn.network is not None
    net = scn.network
    _unique((n.id for n in net.nodes), "network.nodes")
    stage_of = {n.id: n.stage for n in net.nodes}
    for i, node in enumerate(net.nodes):
        _check_stage(scn, node.stage, f"network.nodes.{i}.stage")
    for i, link in enumerate(net.links):
        if link.source not in stage_of:
            _fail(f"network.links.{i}.from", f"no node with id {link.source!r}")
        if link.to in stage_of:
            k = scn.stages.index(stage_of[link.source])
            if scn.stages.index(stage_of[link.to]) != k + 1:
                _fail(f"network.links.{i}.to", "a link must go to the next stage or a region")
        elif link.to not in scn.demand_regions:
            _fail(f"network.links.{i}.to", f"{link.to!r} is neither a node nor a demand region")
    for i, d in enumerate(scn.disruptions):
        if d.type in ("outage", "export_restriction") and not any(
            n.country == d.country for n in net.nodes
        ):
            _fail(f"disruptions.{i}.country", f"no node in country {d.country!r}")


def _unique(ids: Iterable[str], field: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            _fail(f"{field}.{i}.id", f"duplicate id {item!r}")
        seen.add(item)
