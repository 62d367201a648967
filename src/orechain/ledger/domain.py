"""Ledger state: organisations, keys, sites and lots, as projected from the event log.

The log is the record; this state is a deterministic function of it, rebuilt by
replaying accepted events (see :mod:`orechain.ledger.acceptance`). Keeping the
state derived means ``audit`` can recompute it and nothing can drift from the
signed history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from orechain.errors import NotFoundError
from orechain.ledger.events import Event

LotStatus = Literal["active", "in_transit", "consumed"]

__all__ = ["KeyRecord", "LedgerState", "Lot", "Organisation", "Site"]


@dataclass
class KeyRecord:
    """An Ed25519 public key of an organisation with its validity period."""

    key_id: str
    public: bytes
    org_id: str
    valid_from: datetime
    valid_until: datetime | None = None
    revoked_at: datetime | None = None

    def invalid_reason(self, t: datetime) -> str | None:
        """Why this key cannot sign at time ``t``, or None if it can."""
        if t < self.valid_from:
            return f"key {self.key_id} is not valid before {self.valid_from.isoformat()}"
        if self.valid_until is not None and t >= self.valid_until:
            return f"key {self.key_id} expired at {self.valid_until.isoformat()}"
        if self.revoked_at is not None and t >= self.revoked_at:
            return f"key {self.key_id} was revoked at {self.revoked_at.isoformat()}"
        return None


@dataclass
class Organisation:
    """A legal entity that signs events: miner, processor, shipper, buyer, assayer."""

    org_id: str
    name: str
    country: str
    roles: tuple[str, ...]
    keys: dict[str, KeyRecord] = field(default_factory=dict)


@dataclass
class Site:
    """A place where material is mined, processed, stored or shipped from."""

    site_id: str
    name: str
    kind: str
    country: str
    operator: str
    latitude: float | None = None
    longitude: float | None = None
    attested_by: list[str] = field(default_factory=list)
    """Ids of the events by which a registrar or certifier vouched for kind and country
    (a registration signed by a registrar, or an ``attest-site``)."""


@dataclass
class Lot:
    """A quantity of material with one identity, custodian and location.

    ``quantity_t`` is the mass at creation [t]; ``remaining_t`` what has not yet
    been drawn by transforms, splits or merges [t], both in ``basis``.
    ``parents`` lists (lot id, mass drawn [t]) of the inputs it was made from:
    this lot's share of each draw, in proportion to its mass among the step's
    outputs (the parts of a split sum to what the split drew).
    """

    lot_id: str
    product: str
    commodity: str
    quantity_t: float
    basis: str
    custodian: str
    site_id: str
    created_by: str
    created_at: datetime
    remaining_t: float = 0.0
    status: LotStatus = "active"
    grades: dict[str, float] = field(default_factory=dict)
    last_time: datetime | None = None
    destination: str | None = None
    parents: list[tuple[str, float]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


@dataclass
class LedgerState:
    """Everything the acceptance checks and queries need, keyed by id."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    lots: dict[str, Lot] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    event_index: dict[str, int] = field(default_factory=dict)
    children: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    corrections: dict[str, list[str]] = field(default_factory=dict)
    site_events: dict[str, list[str]] = field(default_factory=dict)
    """Ids of the events that took place at each site (extract, process steps, receive)."""
    received: dict[str, datetime] = field(default_factory=dict)
    """The log's receipt time of each event (keys are judged at this time, not the event's)."""
    size: int = 0
    bounds: dict[str, dict[str, float]] = field(default_factory=dict)
    """Memo of element-balance upper bounds, lot → element → [t] (derived, never logged).

    :func:`orechain.ledger.element_balance.forget` drops a lot's entries, and
    those of every lot whose bound depends on it, when its grades or mass change.
    """

    def lot(self, lot_id: str) -> Lot:
        """The lot ``lot_id``; raises NotFoundError naming it."""
        try:
            return self.lots[lot_id]
        except KeyError:
            msg = f"unknown lot {lot_id!r}"
            raise NotFoundError(msg) from None

    def site(self, site_id: str) -> Site:
        """The site ``site_id``; raises NotFoundError naming it."""
        try:
            return self.sites[site_id]
        except KeyError:
            msg = f"unknown site {site_id!r}"
            raise NotFoundError(msg) from None

    def org(self, org_id: str) -> Organisation:
        """The organisation ``org_id``; raises NotFoundError naming it."""
        try:
            return self.orgs[org_id]
        except KeyError:
            msg = f"unknown organisation {org_id!r}"
            raise NotFoundError(msg) from None

    def event(self, event_id: str) -> Event:
        """The accepted event ``event_id``; raises NotFoundError naming it."""
        try:
            return self.events[event_id]
        except KeyError:
            msg = f"unknown event {event_id!r}"
            raise NotFoundError(msg) from None
