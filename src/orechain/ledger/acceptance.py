"""Acceptance checks and state transitions of custody events.

:func:`check` decides whether a signed envelope may enter the log; it reads the
state and never changes it, so a rejected event leaves nothing behind.
:func:`apply` then folds an accepted event into the state. Replaying the log
through :func:`apply` rebuilds the state; ``audit`` replays through both.

Order of checks: the event id is new; the event's own time lies within the
policy window around the log's receipt time; the signature verifies under a key
of the actor valid at the receipt time (RFC 8032 Ed25519), so a revoked key
cannot sign by backdating; the actor is authorised (holds
custody of every input lot and operates the site); lots exist and are in the
right state; masses balance (:mod:`orechain.ledger.massbalance`); per-lot time
never goes backwards.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from orechain.errors import ConflictError, InputError, IntegrityError
from orechain.ledger import events as ev
from orechain.ledger import keys
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import SignedEnvelope
from orechain.ledger.events import format_time
from orechain.ledger.guards import DEFAULT_POLICY, Policy
from orechain.ledger.trade_rules import check_trade
from orechain.ledger.transitions import APPLY, CHECKS

logger = logging.getLogger(__name__)

__all__ = [
    "Policy", "accept", "apply", "apply_event", "check", "check_signature", "check_time_window",
    "receipt_time",
]  # fmt: skip


def _signing_public(state: LedgerState, env: SignedEnvelope, received: datetime) -> bytes:
    event = env.event
    if isinstance(event, ev.RegisterOrg) and not state.orgs:
        if event.actor != event.org_id or "registrar" not in event.roles:
            msg = "the first organisation must register itself with the registrar role"
            raise ConflictError(msg)
        public = keys.public_from_b64(event.public_key, field="event.public_key")
        if env.key_id != keys.key_id(public):
            msg = f"genesis key id {env.key_id} does not match the registered key"
            raise IntegrityError(msg)
        return public
    org = state.org(event.actor)
    record = org.keys.get(env.key_id)
    if record is None:
        msg = f"key {env.key_id} does not belong to organisation {org.org_id!r}"
        raise IntegrityError(msg)
    reason = record.invalid_reason(received)
    if reason:
        msg = f"{reason}; the log received this event at {format_time(received)}"
        raise IntegrityError(msg)
    return record.public


def receipt_time(env: SignedEnvelope) -> datetime:
    """The log's receipt time of ``env``; an unstamped envelope cannot be judged."""
    if env.received_at is None:
        msg = f"event {env.event.event_id!r} has no log receipt time (received_at)"
        raise IntegrityError(msg)
    return env.received_at


def check_signature(state: LedgerState, env: SignedEnvelope) -> None:
    """Verify the envelope's Ed25519 signature under the actor's key valid at receipt time."""
    public = _signing_public(state, env, receipt_time(env))
    if env.verified_key == public:
        return  # checked in parallel ahead of the writer under this very key
    if not keys.verify(public, env.message, env.signature):
        msg = f"bad signature on event {env.event.event_id!r} (key {env.key_id})"
        raise IntegrityError(msg)


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} h"


def check_time_window(event: ev.Event, received: datetime, policy: Policy) -> None:
    """The event's own time lies in [received - max_past, received + max_future]."""
    if event.time > received + policy.max_future:
        msg = (
            f"event time {format_time(event.time)} is more than {_span(policy.max_future)} "
            f"after the log received it ({format_time(received)})"
        )
        raise InputError(msg, field="event.time")
    if event.time < received - policy.max_past:
        msg = (
            f"event time {format_time(event.time)} is more than {_span(policy.max_past)} "
            f"before the log received it ({format_time(received)}); report events on time"
        )
        raise InputError(msg, field="event.time")


def _check_time_order(state: LedgerState, event: ev.Event) -> None:
    for lot_id in event.touched_lots():
        lot = state.lots.get(lot_id)
        if lot is not None and lot.last_time is not None and event.time < lot.last_time:
            msg = (
                f"time goes backwards for lot {lot_id!r}: {event.time.isoformat()} is before "
                f"its last event at {lot.last_time.isoformat()}"
            )
            raise ConflictError(msg)


def check(state: LedgerState, env: SignedEnvelope, policy: Policy = DEFAULT_POLICY) -> None:
    """Decide whether ``env`` may be accepted; raise with the precise reason if not.

    Raises
    ------
    ConflictError
        Duplicate id, not authorised, wrong lot state, overdraft, time going backwards.
    NotFoundError
        Unknown organisation, site, lot or event.
    IntegrityError
        Bad signature, no receipt time, or a key not valid at the receipt time.
    InputError
        Event time outside the policy window; mass balance or grades inconsistent.
    """
    event = env.event
    if event.event_id in state.events:
        msg = f"event id {event.event_id!r} is already in the ledger"
        raise ConflictError(msg)
    check_time_window(event, receipt_time(env), policy)
    check_signature(state, env)
    CHECKS[event.name](state, event, policy)
    check_trade(state, event)
    _check_time_order(state, event)


def apply(state: LedgerState, env: SignedEnvelope, policy: Policy = DEFAULT_POLICY) -> None:
    """Fold an accepted event into ``state`` (no checks; see :func:`check`)."""
    apply_event(state, env.event, policy, receipt_time(env))


def apply_event(state: LedgerState, event: ev.Event, policy: Policy, received_at: datetime) -> None:
    """Fold an already-accepted event into ``state``: the replay path on open.

    Replaying committed entries needs neither the signature nor the canonical
    bytes again (``audit`` re-checks both), only the typed event and the log's
    receipt time (keys are valid from the time the log received them).
    """
    state.received[event.event_id] = received_at
    APPLY[event.name](state, event, policy)
    state.events[event.event_id] = event
    state.event_index[event.event_id] = state.size
    state.size += 1
    site_id = getattr(event, "site_id", None)
    if site_id is not None:
        state.site_events.setdefault(site_id, []).append(event.event_id)
    for lot_id in event.touched_lots():
        lot = state.lots[lot_id]
        lot.last_time = max(lot.last_time or event.time, event.time)
        lot.events.append(event.event_id)


def accept(state: LedgerState, env: SignedEnvelope, policy: Policy = DEFAULT_POLICY) -> None:
    """:func:`check` then :func:`apply`."""
    check(state, env, policy)
    apply(state, env, policy)
