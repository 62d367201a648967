"""Builders of custody events from command options (``orechain ledger extract|ship|…``).

Traders should not hand-write JSON: each builder assembles one event object
from the values a command line (or one record of a ``--from-file`` batch)
gives. They are pure: :func:`complete` fills in the acting organisation (the
owner of the signing key), the time and a content-derived event id, and
resolves document hashes to references; signing and acceptance are the
caller's (:mod:`orechain.services.shipments`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from orechain.errors import InputError, NotFoundError
from orechain.ledger.canonical import canonicalize
from orechain.ledger.domain import LedgerState
from orechain.ledger.registry import now

__all__ = [
    "COMMAND_TYPES",
    "complete",
    "parse_amounts",
    "parse_containers",
    "parse_draws",
    "signer_org",
    "weighing",
]

COMMAND_TYPES: tuple[str, ...] = (
    "extract",
    "transform",
    "split",
    "merge",
    "ship",
    "receive",
    "assay",
    "certify",
    "transfer",
)
"""Custody event types that have a command of their own."""


def _pair(text: str, what: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        msg = f"{text!r} is not NAME=VALUE"
        raise InputError(msg, field=what)
    return name.strip(), value.strip()


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        msg = f"{text!r} is not a number"
        raise InputError(msg, field=what) from None


def parse_amounts(items: Sequence[str], what: str) -> dict[str, float]:
    """``["Nd=0.07", "Pr=0.02"]`` → ``{"Nd": 0.07, "Pr": 0.02}`` (grades, limits, losses)."""
    out: dict[str, float] = {}
    for item in items:
        name, value = _pair(item, what)
        out[name] = _number(value, what)
    return out


def parse_draws(items: Sequence[str]) -> list[dict[str, Any]]:
    """``["LOT", "LOT2=40"]`` → draws (a bare lot id draws everything that remains)."""
    draws: list[dict[str, Any]] = []
    for item in items:
        lot_id, sep, q = item.partition("=")
        draws.append(
            {"lot_id": lot_id, "quantity_t": _number(q, "input")} if sep else {"lot_id": lot_id}
        )
    return draws


def parse_containers(items: Sequence[str]) -> list[dict[str, str]]:
    """``["MSKU9070323:SEAL123"]`` → containers with their seal numbers."""
    out = []
    for item in items:
        number, sep, seal = item.partition(":")
        if not sep or not seal:
            msg = f"{item!r} is not CONTAINER:SEAL"
            raise InputError(msg, field="container")
        out.append({"number": number, "seal": seal})
    return out


def weighing(wet_t: float | None, moisture: float | None) -> dict[str, float] | None:
    """Wet tonnes and moisture → a weighing with dry = wet × (1 − moisture), to the kg."""
    if wet_t is None and moisture is None:
        return None
    if wet_t is None or moisture is None:
        msg = "give both the wet weight [t] and the moisture [-]"
        raise InputError(msg, field="wet_t" if wet_t is None else "moisture")
    return {"wet_t": wet_t, "moisture": moisture, "dry_t": round(wet_t * (1 - moisture), 3)}


def signer_org(state: LedgerState, key_id: str) -> str:
    """The organisation a key belongs to (the default actor of a command).

    Raises
    ------
    NotFoundError
        No organisation of the ledger has this key.
    """
    for org in state.orgs.values():
        if key_id in org.keys:
            return org.org_id
    msg = f"key {key_id} belongs to no organisation of this ledger; register it (org add)"
    raise NotFoundError(msg)


def _subject(body: dict[str, Any]) -> str:
    """The lot an event is about (its first lot), else its site, for readable ids."""
    lot = body.get("lot") or body.get("output")
    candidates = [
        body.get("lot_id"),
        *(body.get("lot_ids") or []),
        *[d.get("lot_id") for d in body.get("inputs") or [] if isinstance(d, dict)],
        lot.get("lot_id") if isinstance(lot, dict) else None,
        body.get("site_id"),
    ]
    return next((str(c) for c in candidates if isinstance(c, str) and c), "event")


def _event_id(body: dict[str, Any]) -> str:
    """``<type>-<lot>-<8 hex of the body>``: the same command at the same time, the same id."""
    digest = hashlib.sha256(canonicalize(body)).hexdigest()[:8]
    return f"{body['type']}-{_subject(body)}-{digest}"


def complete(
    body: dict[str, Any],
    kind: str,
    actor: str,
    resolve_doc: Callable[[str], dict[str, str]],
) -> dict[str, Any]:
    """An event of type ``kind`` from ``body``: type, actor, time, id and document refs filled.

    Document references may be given as bare SHA-256 strings (resolved from the
    store by ``resolve_doc``) or as full ``{sha256, media_type, kind}`` objects.
    """
    if body.get("type", kind) != kind:
        msg = f"this command records {kind!r} events, not {body.get('type')!r}"
        raise InputError(msg, field="type")
    event = {k: v for k, v in body.items() if v is not None and v != [] and v != {}}
    event |= {"type": kind, "actor": event.get("actor", actor), "time": event.get("time", now())}
    docs = event.get("documents", [])
    event["documents"] = [resolve_doc(d) if isinstance(d, str) else d for d in docs]
    if not event["documents"]:
        del event["documents"]
    event.setdefault("event_id", _event_id(event))
    return event
