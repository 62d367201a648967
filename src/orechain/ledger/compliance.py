"""Compliance rules as code over the provenance graph.

Each rule returns a :class:`RuleResult`; a failure carries the path of lots and
events from the checked lot back to the offending step, so a buyer sees why.
Stages are the ids of :mod:`orechain.stages` (one vocabulary for all of
OreChain); a stage a rule cannot place fails the rule rather than passing it.

``dfars-2027`` is the preset of ``restricted-stage-origin`` for the restriction
of DFARS 252.225-7052 (Restriction on the Acquisition of Certain Magnets,
Tantalum, and Tungsten; implementing 10 U.S.C. 4872): from 1 January 2027 a
neodymium-iron-boron or samarium-cobalt magnet must not contain material that
was mined, refined or separated, melted or smelted, alloyed or made into a
magnet in a covered country (China, Russia, North Korea, Iran). The clause's
stages map onto :data:`orechain.stages.STAGE_IDS` as: mining → ``mining`` and
``beneficiation`` (ASSUMPTION: concentrating ore is part of the mining
operation); refining/separation → ``separation``, ``refining``;
melting/smelting → ``smelting``, ``metal``; alloying → ``alloying``; magnet
production → ``magnet``.

``eu-crma-65`` is the benchmark of Regulation (EU) 2024/1252 (Critical Raw
Materials Act), Art. 5(1)(d): no more than 65 % of a strategic raw material at
any relevant stage of processing from a single third country; here applied to
one buyer's lots received in a period, weighted by mass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orechain.errors import InputError
from orechain.ledger import events as ev
from orechain.ledger import vocab
from orechain.ledger.custody_period import Period
from orechain.ledger.domain import LedgerState
from orechain.ledger.provenance import creation_stage, origin_shares, verified_share
from orechain.stages import STAGE_IDS, resolve_stage

DFARS_STAGES = (
    "mining", "beneficiation", "separation", "refining", "smelting", "metal", "alloying",
    "magnet",
)  # fmt: skip
"""Stages restricted by DFARS 252.225-7052 from 2027 (mapping in the module docstring)."""

PRESETS: dict[str, dict[str, Any]] = {
    "dfars-2027": {
        "rule": "restricted-stage-origin",
        "countries": ("CHN", "RUS", "PRK", "IRN"),
        "stages": DFARS_STAGES,
    },
}
"""Named parameter sets of the built-in rules."""

CITATIONS: dict[str, str] = {
    "dfars-2027": "DFARS 252.225-7052; 10 U.S.C. 4872",
    "eu-crma-65": "Regulation (EU) 2024/1252, Art. 5(1)(d)",
    "restricted-stage-origin": "",
    "min-verified-share": "ISO 22095:2020 (chain of custody)",
    "assay-before-export": "",
    "chain-unbroken": "",
}
"""Legal or standard source of each rule and preset (empty: a user-parameterised rule)."""

EU_MEMBERS = frozenset((
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
))  # fmt: skip
"""The 27 EU member states (ISO 3166-1 alpha-3); every other country is a third country."""

CRMA_THRESHOLD = 0.65
"""Regulation (EU) 2024/1252 Art. 5(1)(d): at most 65 % from one third country [-]."""

__all__ = [
    "CITATIONS", "CRMA_THRESHOLD", "PRESETS", "RULES", "RULE_PARAMS", "PortfolioResult",
    "RuleResult", "crma_concentration", "rule_names", "run_rule",
]  # fmt: skip


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


def _making_site(state: LedgerState, lot_id: str) -> str:
    lot = state.lots[lot_id]
    return str(getattr(state.events[lot.created_by], "site_id", lot.site_id))


def _unattested(state: LedgerState, via: dict[str, str | None]) -> tuple[str, str] | None:
    """The first upstream (lot, site) whose making site no registrar or certifier attested."""
    for lot_id in via:
        site = state.sites.get(_making_site(state, lot_id))
        if site is not None and not site.attested_by:
            return lot_id, site.site_id
    return None


def _unattested_reason(state: LedgerState, lot_id: str, site_id: str) -> str:
    site = state.sites[site_id]
    return (
        f"site {site_id!r}, where lot {lot_id!r} was made, is not attested by a registrar "
        f"or certifier: its kind ({site.kind}) and country ({site.country}) are only "
        f"declared by its operator {site.operator!r}"
    )


def restricted_stage_origin(
    state: LedgerState, lot_id: str, countries: tuple[str, ...], stages: tuple[str, ...]
) -> RuleResult:
    """Fail if any upstream step of a restricted ``stage`` ran in a restricted country.

    A stage's country is only known when its site is attested; a restricted
    stage at an unattested site fails the rule too, naming the site.
    """
    via = _walk(state, lot_id)
    for lot in via:
        own = creation_stage(state, lot)
        if own and own[0] not in STAGE_IDS:
            reason = f"lot {lot!r} was made by stage {own[0]!r}, which no rule can place"
            return RuleResult(
                "restricted-stage-origin", lot_id, False, reason, _path(state, via, lot)
            )
        if own and own[0] in stages and own[1] in countries:
            reason = f"{own[0]} of lot {lot!r} took place in {own[1]}"
            return RuleResult(
                "restricted-stage-origin", lot_id, False, reason, _path(state, via, lot)
            )
    staged = {
        k: v for k, v in via.items() if (own := creation_stage(state, k)) and own[0] in stages
    }
    bad = _unattested(state, staged)
    if bad is not None:
        reason = _unattested_reason(state, *bad)
        return RuleResult(
            "restricted-stage-origin", lot_id, False, reason, _path(state, via, bad[0])
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
        assayed = _assayed_at_split(state, lot)
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


def _assayed_at_split(state: LedgerState, lot_id: str) -> bool:
    """True iff ``lot_id`` was split from a lot assayed before the split.

    A split divides one lot into parts of the same material, so the parent's
    assay describes each part; transforms and merges make new material and
    carry nothing.
    """
    lot = state.lots[lot_id]
    event = state.events[lot.created_by]
    if not isinstance(event, ev.Split):
        return False
    parent = state.lots[event.lot_id]
    for event_id in parent.events:
        if event_id == event.event_id:
            break
        if isinstance(state.events[event_id], ev.Assay):
            return True
    return _assayed_at_split(state, parent.lot_id)


def _crosses_border(state: LedgerState, ship: ev.Ship) -> bool:
    return state.sites[ship.from_site].country != state.sites[ship.to_site].country


def chain_unbroken(state: LedgerState, lot_id: str) -> RuleResult:
    """Every upstream lot traces to an extraction, none is still in transit, all sites attested.

    Acceptance already enforces the first two for events it accepts; the rule
    re-checks them over the graph (e.g. after an import) and names the first
    broken link. A lot made at a site no registrar or certifier attested is a
    link whose place only its operator vouches for: the chain is broken there.
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
    bad = _unattested(state, via)
    if bad is not None:
        reason = _unattested_reason(state, *bad)
        return RuleResult("chain-unbroken", lot_id, False, reason, _path(state, via, bad[0]))
    return RuleResult(
        "chain-unbroken", lot_id, True,
        "every upstream lot traces to an extraction at attested sites",
    )  # fmt: skip


RULES: dict[str, Callable[..., RuleResult]] = {
    "restricted-stage-origin": restricted_stage_origin,
    "min-verified-share": min_verified_share,
    "assay-before-export": assay_before_export,
    "chain-unbroken": chain_unbroken,
}


def _fraction(value: Any, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x) or not 0 <= x <= 1:
        msg = f"{name} must be a number from 0 to 1, got {value!r}"
        raise InputError(msg, field=name)
    return x


def _items(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    out = [str(x).strip() for x in items if str(x).strip()]
    return out


def _countries(value: Any, name: str = "countries") -> tuple[str, ...]:
    out = tuple(c.upper() for c in _items(value))
    bad = [c for c in out if not re.fullmatch(r"[A-Z]{3}", c)]
    if bad or not out:
        msg = f"{name} must be ISO 3166-1 alpha-3 codes such as CHN,RUS; got {value!r}"
        raise InputError(msg, field=name)
    return out


def _stages(value: Any, name: str = "stages") -> tuple[str, ...]:
    out = tuple(resolve_stage(s, field=name) for s in _items(value))
    if not out:
        msg = f"{name} must name at least one stage of: {', '.join(STAGE_IDS)}"
        raise InputError(msg, field=name)
    return out


RULE_PARAMS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "restricted-stage-origin": {"countries": _countries, "stages": _stages},
    "min-verified-share": {"threshold": _fraction},
    "assay-before-export": {},
    "chain-unbroken": {},
}
"""The parameters each rule takes, with their validating parsers."""

_REQUIRED = {"restricted-stage-origin": ("countries", "stages")}


if set(RULES) != set(vocab.RULE_NAMES) or set(PRESETS) != set(vocab.PRESET_NAMES):
    msg = "orechain.ledger.vocab rule names differ from the rules defined here"
    raise RuntimeError(msg)


def rule_names() -> list[str]:
    """Every rule and preset name that :func:`run_rule` accepts (for help texts)."""
    return sorted(PRESETS) + sorted(RULES)


def run_rule(state: LedgerState, lot_id: str, rule: str, **params: Any) -> RuleResult:
    """Run a rule or preset by name on ``lot_id`` with validated parameters.

    ``params`` (None values are ignored) must be parameters of the rule
    (:data:`RULE_PARAMS`); for a preset they override its values.

    Raises
    ------
    InputError
        For an unknown rule, a parameter the rule does not take, a missing
        required parameter or an invalid value (e.g. a threshold outside 0..1,
        an unknown stage).
    """
    preset = dict(PRESETS.get(rule, {}))
    name = preset.pop("rule", rule)
    if name not in RULES:
        msg = f"unknown rule {rule!r}; expected one of {rule_names()}"
        raise InputError(msg, field="rule")
    spec = RULE_PARAMS[name]
    given = {k: v for k, v in params.items() if v is not None}
    extra = sorted(set(given) - set(spec))
    if extra:
        takes = ", ".join(spec) or "no parameters"
        msg = f"rule {rule!r} does not take {', '.join(extra)} (it takes {takes})"
        raise InputError(msg, field=extra[0])
    values = {**preset, **{k: spec[k](v, k) for k, v in given.items()}}
    missing = [k for k in _REQUIRED.get(name, ()) if k not in values]
    if missing:
        msg = f"rule {rule!r} needs {' and '.join(missing)}"
        raise InputError(msg, field=missing[0])
    state.lot(lot_id)
    result = RULES[name](state, lot_id, **values)
    return RuleResult(rule, result.lot_id, result.passed, result.reason, result.path)


@dataclass(frozen=True)
class PortfolioResult:
    """Outcome of a rule over a buyer's lots in a period (e.g. ``eu-crma-65``)."""

    rule: str
    buyer: str
    period: str
    passed: bool
    reason: str
    lots: list[str]
    shares: dict[str, dict[str, float]]
    """stage → country → share of the buyer's mass at that stage [-]."""
    citation: str = CITATIONS["eu-crma-65"]


def _buyer_lots(state: LedgerState, buyer: str, period: Period) -> list[str]:
    """Lots the buyer took custody of (transfer to it, or made by it) within the period."""
    lots: dict[str, None] = {}
    for event in state.events.values():
        if not period.contains(event.time):
            continue
        if isinstance(event, ev.Transfer) and event.to_org == buyer:
            lots.update(dict.fromkeys(event.lot_ids))
    return list(lots)


def crma_concentration(
    state: LedgerState, buyer: str, period: Period, threshold: float = CRMA_THRESHOLD
) -> PortfolioResult:
    """EU CRMA Art. 5(1)(d) benchmark over the lots ``buyer`` received in ``period``.

    For every stage, country shares of the lots' origin (by mass, through
    blends) are summed weighted by each lot's mass; the rule fails if one third
    country (not an EU member state) exceeds ``threshold`` at any stage. Mass of
    unknown origin at a stage counts against no country but is reported.
    """
    state.org(buyer)
    threshold = _fraction(threshold, "threshold")
    lots = _buyer_lots(state, buyer, period)
    rule = "eu-crma-65"
    if not lots:
        reason = f"{buyer!r} received no lots in {period.label}"
        return PortfolioResult(rule, buyer, period.label, True, reason, [], {})
    total: dict[str, dict[str, float]] = {}
    mass = 0.0
    for lot_id in lots:
        q = state.lots[lot_id].quantity_t
        mass += q
        for stage_id, row in origin_shares(state, lot_id).items():
            acc = total.setdefault(stage_id, {})
            for country, share in row.items():
                acc[country] = acc.get(country, 0.0) + q * share
    shares = {s: {c: v / mass for c, v in row.items()} for s, row in total.items()}
    worst = max(
        ((s, c, v) for s, row in shares.items() for c, v in row.items()
         if c not in EU_MEMBERS and c != "unknown"),
        key=lambda t: t[2],
        default=None,
    )  # fmt: skip
    if worst is not None and worst[2] > threshold + 1e-9:
        reason = (
            f"{worst[2]:.1%} of {buyer}'s {worst[0]} stage in {period.label} comes from "
            f"{worst[1]}, above the {threshold:.0%} benchmark"
        )
        return PortfolioResult(rule, buyer, period.label, False, reason, lots, shares)
    top = f"; highest third country {worst[1]} at {worst[0]}: {worst[2]:.1%}" if worst else ""
    reason = f"no third country above {threshold:.0%} at any stage{top}"
    return PortfolioResult(rule, buyer, period.label, True, reason, lots, shares)
