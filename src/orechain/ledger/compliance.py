"""Compliance rules as code over the provenance graph.

Each rule returns a :class:`RuleResult`; a failure carries the path of lots and
events from the checked lot back to the offending step, so a buyer sees why.

``dfars-2027`` is the preset of ``restricted-stage-origin`` for the DFARS
restriction on rare-earth magnets that, from 1 January 2027, excludes material
mined, refined/separated, melted or made into magnets in China, Russia, North
Korea or Iran (10 U.S.C. 4872; DFARS 252.225-7052). Here "metal" counts as
melting (alloy making); an implementer should check the clause text for a case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orechain.errors import InputError
from orechain.ledger import events as ev
from orechain.ledger.domain import LedgerState
from orechain.ledger.provenance import creation_stage, verified_share

PRESETS: dict[str, dict[str, Any]] = {
    "dfars-2027": {
        "rule": "restricted-stage-origin",
        "countries": ("CHN", "RUS", "PRK", "IRN"),
        "stages": ("mining", "separation", "refining", "melting", "metal", "magnet"),
    },
}
"""Named parameter sets of the built-in rules."""

__all__ = ["PRESETS", "RULES", "RuleResult", "run_rule"]


@dataclass(frozen=True)
class RuleResult:
    """Outcome of one rule on one lot; ``path`` lists the steps that break it."""

    rule: str
    lot_id: str
    passed: bool
    reason: str
    path: list[dict[str, str]] = field(default_factory=list)


def _walk(state: LedgerState, lot_id: str) -> dict[str, str | None]:
    """Every upstream lot (including ``lot_id``) mapped to the child it was reached from."""
    via: dict[str, str | None] = {lot_id: None}
    stack = [lot_id]
    while stack:
        current = stack.pop()
        for parent, _ in state.lots[current].parents:
            if parent not in via:
                via[parent] = current
                stack.append(parent)
    return via


def _path(state: LedgerState, via: dict[str, str | None], lot_id: str) -> list[dict[str, str]]:
    steps: list[dict[str, str]] = []
    current: str | None = lot_id
    while current is not None:
        lot = state.lots[current]
        event = state.events[lot.created_by]
        site = state.sites[getattr(event, "site_id", lot.site_id)]
        steps.append(
            {
                "lot_id": current,
                "event_id": event.event_id,
                "event_type": event.name,
                "site_id": site.site_id,
                "country": site.country,
            }
        )
        current = via[current]
    return steps[::-1]


def restricted_stage_origin(
    state: LedgerState, lot_id: str, countries: tuple[str, ...], stages: tuple[str, ...]
) -> RuleResult:
    """Fail if any upstream step of a restricted ``stage`` ran in a restricted country."""
    via = _walk(state, lot_id)
    for lot in via:
        own = creation_stage(state, lot)
        if own and own[0] in stages and own[1] in countries:
            reason = f"{own[0]} of lot {lot!r} took place in {own[1]}"
            return RuleResult(
                "restricted-stage-origin", lot_id, False, reason, _path(state, via, lot)
            )
    reason = f"no {'/'.join(stages)} step in {', '.join(countries)} upstream of {lot_id!r}"
    return RuleResult("restricted-stage-origin", lot_id, True, reason)


def _least_verified_path(state: LedgerState, lot_id: str) -> list[dict[str, str]]:
    """Follow, from ``lot_id``, the parent with the lowest verified share to an origin."""
    via: dict[str, str | None] = {lot_id: None}
    current = lot_id
    while state.lots[current].parents and verified_share(state, current) < 1.0:
        parent = min(state.lots[current].parents, key=lambda pm: verified_share(state, pm[0]))[0]
        via[parent], current = current, parent
    return _path(state, via, current)


def min_verified_share(state: LedgerState, lot_id: str, threshold: float = 1.0) -> RuleResult:
    """Pass if at least ``threshold`` [-] of the lot's mass has certifier-verified origin."""
    share = verified_share(state, lot_id)
    ok = share + 1e-9 >= threshold
    reason = f"verified-origin share {share:.1%} {'>=' if ok else '<'} required {threshold:.1%}"
    path = [] if ok else _least_verified_path(state, lot_id)
    return RuleResult("min-verified-share", lot_id, ok, reason, path)


def assay_before_export(state: LedgerState, lot_id: str) -> RuleResult:
    """Fail if any upstream lot crossed a border before it had been assayed."""
    via = _walk(state, lot_id)
    for lot in via:
        assayed = False
        for event_id in state.lots[lot].events:
            event = state.events[event_id]
            assayed = assayed or isinstance(event, ev.Assay)
            if isinstance(event, ev.Ship) and _crosses_border(state, event) and not assayed:
                reason = f"lot {lot!r} was exported by {event_id!r} before any assay"
                path = [
                    *_path(state, via, lot),
                    {
                        "lot_id": lot,
                        "event_id": event_id,
                        "event_type": "ship",
                        "site_id": event.from_site,
                    },
                ]
                return RuleResult("assay-before-export", lot_id, False, reason, path)
    return RuleResult(
        "assay-before-export", lot_id, True, "every export upstream was assayed first"
    )


def _crosses_border(state: LedgerState, ship: ev.Ship) -> bool:
    return state.sites[ship.from_site].country != state.sites[ship.to_site].country


def chain_unbroken(state: LedgerState, lot_id: str) -> RuleResult:
    """Every upstream lot traces to an extraction and no upstream lot is still in transit.

    Acceptance already enforces this for events it accepts; the rule re-checks it
    over the graph (e.g. after an import) and names the first broken link.
    """
    via = _walk(state, lot_id)
    for lot_id_ in via:
        lot = state.lots.get(lot_id_)
        event = state.events.get(lot.created_by) if lot else None
        if lot is None or event is None or (not lot.parents and not isinstance(event, ev.Extract)):
            return RuleResult(
                "chain-unbroken",
                lot_id,
                False,
                f"lot {lot_id_!r} has no extraction origin",
                _path(state, via, lot_id_) if lot else [],
            )
        if lot_id_ != lot_id and lot.status == "in_transit" and lot.parents:
            return RuleResult(
                "chain-unbroken",
                lot_id,
                False,
                f"lot {lot_id_!r} was never received",
                _path(state, via, lot_id_),
            )
    return RuleResult("chain-unbroken", lot_id, True, "every upstream lot traces to an extraction")


RULES: dict[str, Callable[..., RuleResult]] = {
    "restricted-stage-origin": restricted_stage_origin,
    "min-verified-share": min_verified_share,
    "assay-before-export": assay_before_export,
    "chain-unbroken": chain_unbroken,
}


def run_rule(state: LedgerState, lot_id: str, rule: str, **params: Any) -> RuleResult:
    """Run a rule or preset by name on ``lot_id``; ``params`` override preset values.

    Raises
    ------
    InputError
        For an unknown rule name.
    """
    preset = dict(PRESETS.get(rule, {}))
    name = preset.pop("rule", rule)
    if name not in RULES:
        msg = f"unknown rule {rule!r}; expected one of {sorted(RULES) + sorted(PRESETS)}"
        raise InputError(msg, field="rule")
    state.lot(lot_id)
    result = RULES[name](state, lot_id, **{**preset, **params})
    return RuleResult(rule, result.lot_id, result.passed, result.reason, result.path)
