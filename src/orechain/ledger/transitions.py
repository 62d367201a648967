"""Per-event-type acceptance rules (``check_*``) and state transitions (``apply_*``).

``CHECKS[name]`` raises with the reason an event of type ``name`` is not
acceptable in the current state; ``APPLY[name]`` folds it into the state. The
split keeps replay (``apply`` only) and acceptance (``check`` then ``apply``)
exactly consistent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from orechain.errors import ConflictError, InputError
from orechain.ledger import element_balance, keys
from orechain.ledger import events as ev
from orechain.ledger.custody_models import check_claims
from orechain.ledger.domain import KeyRecord, LedgerState, Lot, Organisation, Site
from orechain.ledger.element_balance import AGGREGATE_GRADES
from orechain.ledger.guards import (
    Policy,
    held_lot,
    is_registrar,
    new_key_id,
    new_lot_ids,
    operated_site,
    require_self_or_registrar,
)
from orechain.ledger.massbalance import check_conservation, draw, require_single_basis
from orechain.stages import stages_for_site_kind

__all__ = ["APPLY", "CHECKS", "RULES"]

Rule = Callable[[LedgerState, Any, Policy], None]


# --- organisations, keys, sites -------------------------------------------------


def check_register_org(state: LedgerState, e: ev.RegisterOrg, _p: Policy) -> None:
    """Genesis is self-registered (checked with the signature); later ones need a registrar."""
    if state.orgs and not is_registrar(state, e.actor):
        msg = f"{e.actor!r} is not a registrar and may not register organisations"
        raise ConflictError(msg)
    if e.org_id in state.orgs:
        msg = f"organisation {e.org_id!r} already exists"
        raise ConflictError(msg)
    new_key_id(state, e.public_key)


def apply_register_org(state: LedgerState, e: ev.RegisterOrg, _p: Policy) -> None:
    """Add the organisation with its first key, valid from the event time."""
    public = keys.public_from_b64(e.public_key)
    kid = keys.key_id(public)
    org = Organisation(e.org_id, e.org_name, e.country, tuple(e.roles))
    org.keys[kid] = KeyRecord(kid, public, e.org_id, state.received[e.event_id], e.valid_until)
    state.orgs[e.org_id] = org


def check_rotate_key(state: LedgerState, e: ev.RotateKey, _p: Policy) -> None:
    """Only the organisation itself or a registrar adds a key."""
    require_self_or_registrar(state, e.actor, e.org_id)
    new_key_id(state, e.public_key)


def apply_rotate_key(state: LedgerState, e: ev.RotateKey, _p: Policy) -> None:
    """Add the new key, valid from the log's receipt time."""
    public = keys.public_from_b64(e.public_key)
    kid = keys.key_id(public)
    valid_from = state.received[e.event_id]
    state.orgs[e.org_id].keys[kid] = KeyRecord(kid, public, e.org_id, valid_from, e.valid_until)


def check_revoke_key(state: LedgerState, e: ev.RevokeKey, _p: Policy) -> None:
    """Only the organisation itself or a registrar revokes, and the key must exist."""
    require_self_or_registrar(state, e.actor, e.org_id)
    if e.key_id not in state.orgs[e.org_id].keys:
        msg = f"organisation {e.org_id!r} has no key {e.key_id}"
        raise ConflictError(msg)


def apply_revoke_key(state: LedgerState, e: ev.RevokeKey, _p: Policy) -> None:
    """Mark the key revoked from ``revoked_at`` (default: the log's receipt time)."""
    revoked = e.revoked_at or state.received[e.event_id]
    state.orgs[e.org_id].keys[e.key_id].revoked_at = revoked


def check_register_site(state: LedgerState, e: ev.RegisterSite, _p: Policy) -> None:
    """A site is registered by its operator or a registrar; ids are unique."""
    require_self_or_registrar(state, e.actor, e.operator)
    if e.site_id in state.sites:
        msg = f"site {e.site_id!r} already exists"
        raise ConflictError(msg)


def apply_register_site(state: LedgerState, e: ev.RegisterSite, _p: Policy) -> None:
    """Add the site; registered by a registrar, it is attested by that registration."""
    state.sites[e.site_id] = Site(
        e.site_id, e.site_name, e.kind, e.country, e.operator, e.latitude, e.longitude,
        [e.event_id] if is_registrar(state, e.actor) else [],
    )  # fmt: skip


def check_attest_site(state: LedgerState, e: ev.AttestSite, _p: Policy) -> None:
    """A registrar or certifier, not the operator, vouches for the registered kind and country."""
    site = state.site(e.site_id)
    org = state.org(e.actor)
    if not {"registrar", "certifier"} & set(org.roles):
        msg = f"{e.actor!r} is neither a registrar nor a certifier and may not attest sites"
        raise ConflictError(msg)
    if e.actor == site.operator:
        msg = f"{e.actor!r} operates site {e.site_id!r} and cannot attest it"
        raise ConflictError(msg)
    for name, attested, registered in (("kind", e.kind, site.kind),
                                       ("country", e.country, site.country)):  # fmt: skip
        if attested != registered:
            msg = f"site {e.site_id!r} is registered with {name} {registered!r}, not {attested!r}"
            raise InputError(msg, field=f"event.{name}")


def apply_attest_site(state: LedgerState, e: ev.AttestSite, _p: Policy) -> None:
    """Record who attested the site."""
    state.sites[e.site_id].attested_by.append(e.event_id)


# --- lots: creation and processing ------------------------------------------------


def _create_lot(
    state: LedgerState,
    spec: ev.LotSpec,
    e: ev.Event,
    site_id: str,
    parents: list[tuple[str, float]],
) -> None:
    lot = Lot(
        lot_id=spec.lot_id,
        product=spec.product,
        commodity=spec.commodity,
        quantity_t=spec.quantity_t,
        basis=spec.basis,
        custodian=e.actor,
        site_id=site_id,
        created_by=e.event_id,
        created_at=e.time,
        remaining_t=spec.quantity_t,
        grades=dict(spec.grades or {}),
        last_time=e.time,
        parents=list(parents),
        events=[e.event_id],
    )
    state.lots[spec.lot_id] = lot
    for parent, mass in parents:
        state.children.setdefault(parent, []).append((spec.lot_id, mass))


def check_extract(state: LedgerState, e: ev.Extract, _p: Policy) -> None:
    """Extraction happens at a mine the actor operates and creates a new lot."""
    site = operated_site(state, e.site_id, e.actor)
    if site.kind != "mine":
        msg = f"extract needs a mine; site {e.site_id!r} is a {site.kind}"
        raise InputError(msg, field="event.site_id")
    later = _later_stage_product(e.lot.product)
    if later:
        msg = (
            f"an extraction yields ore or concentrate, not {e.lot.product!r} (a {later} "
            "product); record the processing step that made it"
        )
        raise InputError(msg, field="event.lot.product")
    new_lot_ids(state, (e.lot,))


PROCESSED_PRODUCT_WORDS: dict[str, str] = {
    "separated": "separation", "oxide": "separation", "oxides": "separation",
    "metal": "metal", "metals": "metal", "alloy": "alloying",
    "magnet": "magnet", "magnets": "magnet", "cathode": "refining", "refined": "refining",
    "ingot": "metal", "trioxide": "refining",
}  # fmt: skip
"""Words that name a product of a later stage than mining (→ that stage).

"oxide ore" is ore (oxidised ore), so a word followed by "ore" does not count.
Carbonate is not listed: mixed rare-earth carbonate is leached at ionic-clay
mines themselves, before any separation.
"""


def _later_stage_product(product: str) -> str | None:
    """The later stage ``product`` names, if any (e.g. "NdPr oxide" → separation)."""
    words = [w for w in re.split(r"[^a-z0-9]+", product.lower()) if w]
    for i, word in enumerate(words):
        stage_id = PROCESSED_PRODUCT_WORDS.get(word)
        if stage_id and (i + 1 >= len(words) or words[i + 1] not in ("ore", "ores")):
            return stage_id
    return None


def apply_extract(state: LedgerState, e: ev.Extract, _p: Policy) -> None:
    """Create the extracted lot in the actor's custody at the mine."""
    _create_lot(state, e.lot, e, e.site_id, [])


def _draws(state: LedgerState, inputs: tuple[ev.Draw, ...], p: Policy) -> list[tuple[Lot, float]]:
    ids = [d.lot_id for d in inputs]
    if not ids or len(set(ids)) != len(ids):
        msg = f"inputs must be distinct and non-empty, got {ids}"
        raise InputError(msg, field="event.inputs")
    return [
        (
            state.lots[d.lot_id],
            draw(d.lot_id, state.lots[d.lot_id].remaining_t, d.quantity_t, p.tolerance),
        )
        for d in inputs
    ]


def _check_process(
    state: LedgerState,
    e: ev.Event,
    site_id: str,
    inputs: tuple[ev.Draw, ...],
    outputs: tuple[ev.LotSpec, ...],
    losses: tuple[ev.Loss, ...],
    p: Policy,
    additions: tuple[ev.Addition, ...] = (),
) -> None:
    operated_site(state, site_id, e.actor)
    for d in inputs:
        lot = held_lot(state, d.lot_id, e.actor)
        if lot.site_id != site_id:
            msg = f"lot {d.lot_id!r} is at site {lot.site_id!r}, not {site_id!r}"
            raise ConflictError(msg)
    new_lot_ids(state, outputs)
    drawn = _draws(state, inputs, p)
    require_single_basis([lot.basis for lot, _ in drawn] + [o.basis for o in outputs])
    check_conservation(
        [m for _, m in drawn] + [a.quantity_t for a in additions],
        [o.quantity_t for o in outputs],
        [loss.quantity_t for loss in losses],
        tolerance=p.tolerance,
    )
    element_balance.check_step(
        state,
        [(lot.lot_id, m) for lot, m in drawn],
        [(o.quantity_t, o.grades or {}) for o in outputs],
        additions=additions,
        tolerance=p.assay_tolerance,
    )


def _apply_process(
    state: LedgerState,
    e: ev.Event,
    site_id: str,
    inputs: tuple[ev.Draw, ...],
    outputs: tuple[ev.LotSpec, ...],
    p: Policy,
) -> None:
    drawn = _draws(state, inputs, p)
    for lot, mass in drawn:
        lot.remaining_t -= mass
        if lot.remaining_t <= p.tolerance * lot.quantity_t:
            lot.remaining_t, lot.status = 0.0, "consumed"
    # Each output draws from every input in proportion to its mass, so the edges
    # of a split into 100 t and 80 t carry 100 t and 80 t, not the whole parent twice.
    total = sum(spec.quantity_t for spec in outputs)
    for spec in outputs:
        share = spec.quantity_t / total
        _create_lot(state, spec, e, site_id, [(lot.lot_id, mass * share) for lot, mass in drawn])


def _check_custody(
    state: LedgerState,
    e: ev.Transform | ev.Split | ev.Merge,
    inputs: tuple[ev.Draw, ...],
    p: Policy,
) -> None:
    """ISO 22095 claims on the outputs (only evaluated when the step makes claims)."""
    if e.claims:
        drawn = [(lot.lot_id, m) for lot, m in _draws(state, inputs, p)]
        check_claims(state, e, drawn, tolerance=p.tolerance, reconciliation=p.reconciliation)


def check_transform(state: LedgerState, e: ev.Transform, p: Policy) -> None:
    """The site's kind performs the stage; inputs in custody there; mass and elements balance."""
    site = state.site(e.site_id)
    allowed = stages_for_site_kind(site.kind)
    if e.stage not in allowed:
        msg = (
            f"a {site.kind} site ({e.site_id!r}) performs {', '.join(allowed) or 'no stage'}, "
            f"not {e.stage}"
        )
        raise InputError(msg, field="event.stage")
    _check_process(state, e, e.site_id, e.inputs, e.outputs, e.losses, p, e.additions)
    _check_custody(state, e, e.inputs, p)


def apply_transform(state: LedgerState, e: ev.Transform, p: Policy) -> None:
    """Draw the inputs and create the outputs."""
    _apply_process(state, e, e.site_id, e.inputs, e.outputs, p)


def check_split(state: LedgerState, e: ev.Split, p: Policy) -> None:
    """The whole lot divides into the outputs (plus losses)."""
    _check_process(state, e, e.site_id, (ev.Draw(e.lot_id),), e.outputs, e.losses, p)
    _check_custody(state, e, (ev.Draw(e.lot_id),), p)


def apply_split(state: LedgerState, e: ev.Split, p: Policy) -> None:
    """Consume the lot and create its parts."""
    _apply_process(state, e, e.site_id, (ev.Draw(e.lot_id),), e.outputs, p)


def check_merge(state: LedgerState, e: ev.Merge, p: Policy) -> None:
    """Inputs blend into one output lot (plus losses)."""
    _check_process(state, e, e.site_id, e.inputs, (e.output,), e.losses, p)
    _check_custody(state, e, e.inputs, p)


def apply_merge(state: LedgerState, e: ev.Merge, p: Policy) -> None:
    """Draw the inputs and create the blend."""
    _apply_process(state, e, e.site_id, e.inputs, (e.output,), p)


# --- custody, movement, assays, certificates, corrections --------------------------


def check_transfer(state: LedgerState, e: ev.Transfer, _p: Policy) -> None:
    """The actor holds every lot (active or in transit) and the recipient exists."""
    state.org(e.to_org)
    if e.to_org == e.actor:
        msg = "transfer to oneself"
        raise InputError(msg, field="event.to_org")
    for lot_id in e.lot_ids:
        lot = state.lot(lot_id)
        held_lot(
            state, lot_id, e.actor, status=lot.status if lot.status != "consumed" else "active"
        )


def apply_transfer(state: LedgerState, e: ev.Transfer, _p: Policy) -> None:
    """Change the custodian."""
    for lot_id in e.lot_ids:
        state.lots[lot_id].custodian = e.to_org


def check_ship(state: LedgerState, e: ev.Ship, _p: Policy) -> None:
    """Active lots held by the actor at ``from_site`` leave for ``to_site``."""
    state.site(e.to_site)
    if state.site(e.from_site).site_id == e.to_site:
        msg = "ship needs different from_site and to_site"
        raise InputError(msg, field="event.to_site")
    for lot_id in e.lot_ids:
        lot = held_lot(state, lot_id, e.actor)
        if lot.site_id != e.from_site:
            msg = f"lot {lot_id!r} is at site {lot.site_id!r}, not {e.from_site!r}"
            raise ConflictError(msg)


def apply_ship(state: LedgerState, e: ev.Ship, _p: Policy) -> None:
    """Put the lots in transit towards ``to_site``."""
    for lot_id in e.lot_ids:
        lot = state.lots[lot_id]
        lot.status, lot.destination = "in_transit", e.to_site


def check_receive(state: LedgerState, e: ev.Receive, _p: Policy) -> None:
    """The custodian receives in-transit lots at their destination, a site it operates."""
    operated_site(state, e.site_id, e.actor)
    for lot_id in e.lot_ids:
        lot = held_lot(state, lot_id, e.actor, status="in_transit")
        if lot.destination != e.site_id:
            msg = f"lot {lot_id!r} is bound for {lot.destination!r}, not {e.site_id!r}"
            raise ConflictError(msg)


def apply_receive(state: LedgerState, e: ev.Receive, _p: Policy) -> None:
    """The lots are active at the receiving site."""
    for lot_id in e.lot_ids:
        lot = state.lots[lot_id]
        lot.status, lot.site_id, lot.destination = "active", e.site_id, None


def _check_grades(grades: dict[str, float], p: Policy) -> None:
    """Grades within one level (totals, or their components) add up to at most 1.

    An assay may report REO 0.99 together with Nd 0.63 and Pr 0.19: Nd and Pr are
    parts of the REO (:data:`AGGREGATE_GRADES`), so they are summed only with each other.
    """
    parts = {k: v for k, v in grades.items() if k not in AGGREGATE_GRADES}
    totals = {k: v for k, v in grades.items() if k in AGGREGATE_GRADES}
    for level, group in (("component", parts), ("total", totals)):
        total = sum(group.values())
        if total > 1 + p.tolerance:
            msg = f"{level} grades {sorted(group)} add up to {total:.6g} > 1"
            raise InputError(msg, field="event.grades")


def check_assay(state: LedgerState, e: ev.Assay, p: Policy) -> None:
    """The custodian or an assayer assays a lot; the whole graph must still balance.

    A late assay is checked against what the lot's step drew upstream and what
    steps downstream were assayed to contain (:mod:`orechain.ledger.element_balance`).
    """
    lot = state.lot(e.lot_id)
    org = state.org(e.actor)
    if lot.custodian != e.actor and "assayer" not in org.roles:
        msg = f"{e.actor!r} is neither custodian of {e.lot_id!r} nor an assayer"
        raise ConflictError(msg)
    _check_grades(e.grades, p)
    element_balance.check_assay(state, e.lot_id, e.grades, tolerance=p.assay_tolerance)


def apply_assay(state: LedgerState, e: ev.Assay, _p: Policy) -> None:
    """Update the lot's grades (and drop element bounds that depended on them)."""
    element_balance.forget(state, e.lot_id)
    state.lots[e.lot_id].grades.update(e.grades)


def check_certify(state: LedgerState, e: ev.Certify, _p: Policy) -> None:
    """Only certifiers certify."""
    state.lot(e.lot_id)
    if "certifier" not in state.org(e.actor).roles:
        msg = f"{e.actor!r} is not a certifier"
        raise ConflictError(msg)


def apply_certify(state: LedgerState, e: ev.Certify, p: Policy) -> None:
    """Nothing changes on the lot; the event itself is the certificate."""


def check_correct(state: LedgerState, e: ev.Correct, p: Policy) -> None:
    """The original author or a registrar corrects; new grades only correct an assay."""
    original = state.event(e.corrects)
    if e.actor != original.actor and not is_registrar(state, e.actor):
        msg = f"{e.actor!r} may not correct an event of {original.actor!r}"
        raise ConflictError(msg)
    if e.grades is not None:
        if not isinstance(original, ev.Assay):
            msg = f"grades can only correct an assay, {e.corrects!r} is a {original.name}"
            raise InputError(msg, field="event.grades")
        _check_grades(e.grades, p)
        lot = state.lots[original.lot_id]
        if lot.status == "consumed":
            msg = (
                f"lot {lot.lot_id!r} is consumed: its grades were drawn on by later steps "
                "and can no longer be corrected"
            )
            raise ConflictError(msg)
        element_balance.check_assay(state, lot.lot_id, e.grades, tolerance=p.assay_tolerance)
    if (e.lot_id is None) != (e.quantity_t is None):
        msg = "a mass correction needs both lot_id and quantity_t"
        raise InputError(msg, field="event.quantity_t" if e.quantity_t is None else "event.lot_id")
    if e.lot_id is not None and e.quantity_t is not None:
        _check_mass_correction(state, e, original, e.lot_id, e.quantity_t, p)


def _check_mass_correction(
    state: LedgerState, e: ev.Correct, original: ev.Event, lot_id: str, new_t: float, p: Policy
) -> None:
    """A lot's mass corrects only through the event that made it, never below what was drawn.

    The making step's declared loss absorbs the difference (a re-weighed output
    means the loss was mis-stated), so the step still balances; an extraction has
    no balance to keep. The element balance of the graph is re-checked.
    """
    lot = state.lot(lot_id)
    if lot.created_by != e.corrects:
        msg = f"lot {lot_id!r} was made by {lot.created_by!r}, not {e.corrects!r}"
        raise InputError(msg, field="event.lot_id")
    if lot.status == "consumed":
        msg = f"lot {lot_id!r} is consumed; its mass can no longer be corrected"
        raise ConflictError(msg)
    drawn = lot.quantity_t - lot.remaining_t
    if new_t < drawn * (1 - p.tolerance) - 1e-12:
        msg = f"lot {lot_id!r} has already given {drawn:.6g} t; it cannot become {new_t:.6g} t"
        raise ConflictError(msg)
    losses = sum(loss.quantity_t for loss in getattr(original, "losses", ()))
    if losses - (new_t - lot.quantity_t) < -p.tolerance * lot.quantity_t - 1e-12:
        msg = (
            f"correcting {lot_id!r} to {new_t:.6g} t needs more input than step {e.corrects!r} "
            f"drew (its declared losses are {losses:.6g} t)"
        )
        raise InputError(msg, field="event.quantity_t")
    element_balance.check_assay(state, lot_id, {}, tolerance=p.assay_tolerance, quantity_t=new_t)


def apply_correct(state: LedgerState, e: ev.Correct, p: Policy) -> None:
    """Record the correction; replace the corrected assay's grades or the lot's mass."""
    state.corrections.setdefault(e.corrects, []).append(e.event_id)
    original = state.events[e.corrects]
    if e.grades is not None and isinstance(original, ev.Assay):
        element_balance.forget(state, original.lot_id)
        lot = state.lots[original.lot_id]
        lot.grades.update(e.grades)
        if e.lot_id != lot.lot_id:
            lot.events.append(e.event_id)
    if e.lot_id is not None and e.quantity_t is not None:
        element_balance.forget(state, e.lot_id)
        lot = state.lots[e.lot_id]
        lot.remaining_t = max(lot.remaining_t + e.quantity_t - lot.quantity_t, 0.0)
        lot.quantity_t = e.quantity_t
        if lot.remaining_t <= p.tolerance * lot.quantity_t and lot.status == "active":
            lot.remaining_t, lot.status = 0.0, "consumed"


RULES: dict[str, tuple[Rule, Rule]] = {
    ev.RegisterOrg.name: (check_register_org, apply_register_org),
    ev.RotateKey.name: (check_rotate_key, apply_rotate_key),
    ev.RevokeKey.name: (check_revoke_key, apply_revoke_key),
    ev.RegisterSite.name: (check_register_site, apply_register_site),
    ev.AttestSite.name: (check_attest_site, apply_attest_site),
    ev.Extract.name: (check_extract, apply_extract),
    ev.Transform.name: (check_transform, apply_transform),
    ev.Split.name: (check_split, apply_split),
    ev.Merge.name: (check_merge, apply_merge),
    ev.Transfer.name: (check_transfer, apply_transfer),
    ev.Ship.name: (check_ship, apply_ship),
    ev.Receive.name: (check_receive, apply_receive),
    ev.Assay.name: (check_assay, apply_assay),
    ev.Certify.name: (check_certify, apply_certify),
    ev.Correct.name: (check_correct, apply_correct),
}
"""Event type → (acceptance check, state transition): the explicit dispatch table."""

if set(RULES) != set(ev.EVENT_TYPES):
    _msg = f"event types without rules: {sorted(set(ev.EVENT_TYPES) ^ set(RULES))}"
    raise RuntimeError(_msg)

CHECKS: dict[str, Rule] = {name: pair[0] for name, pair in RULES.items()}
APPLY: dict[str, Rule] = {name: pair[1] for name, pair in RULES.items()}
