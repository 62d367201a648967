"""Authorisation and state guards shared by the per-event acceptance rules.

Each guard reads the ledger state and raises a domain error naming what is wrong;
none changes anything, so a rejected event writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from orechain.errors import ConflictError, InputError
from orechain.ledger import events as ev
from orechain.ledger import keys
from orechain.ledger.domain import LedgerState, Lot, Site
from orechain.ledger.element_balance import ASSAY_TOLERANCE
from orechain.ledger.massbalance import DEFAULT_TOLERANCE

__all__ = [
    "Policy",
    "held_lot",
    "is_registrar",
    "new_key_id",
    "new_lot_ids",
    "operated_site",
    "require_self_or_registrar",
]


@dataclass(frozen=True)
class Policy:
    """Acceptance parameters.

    ``tolerance`` is the relative mass-balance tolerance [-], ``assay_tolerance``
    that of the element balance (assays scatter more than scales); ``reconciliation``
    the length of the ISO 22095 mass-balance reconciliation period (``month``,
    ``quarter`` or ``year``) over which a site's credits must cover its claims.
    ``max_future`` and ``max_past`` bound an event's own time against the log's
    receipt time (clock skew allowed ahead; how late an event may be reported);
    a ledger records them in its metadata at ``init``.
    """

    tolerance: float = DEFAULT_TOLERANCE
    assay_tolerance: float = ASSAY_TOLERANCE
    reconciliation: str = "quarter"
    max_future: timedelta = timedelta(hours=24)
    max_past: timedelta = timedelta(days=30)


def is_registrar(state: LedgerState, org_id: str) -> bool:
    """True iff ``org_id`` exists and has the registrar role."""
    org = state.orgs.get(org_id)
    return org is not None and "registrar" in org.roles


def require_self_or_registrar(state: LedgerState, actor: str, org_id: str) -> None:
    """Only the organisation itself or a registrar may act for ``org_id``."""
    state.org(org_id)
    if actor != org_id and not is_registrar(state, actor):
        msg = f"{actor!r} may not act for organisation {org_id!r}"
        raise ConflictError(msg)


def new_key_id(state: LedgerState, public_b64: str) -> tuple[str, bytes]:
    """Decode a new public key and check no organisation holds it yet; return (id, key)."""
    public = keys.public_from_b64(public_b64, field="event.public_key")
    kid = keys.key_id(public)
    if any(kid in org.keys for org in state.orgs.values()):
        msg = f"key {kid} is already registered"
        raise ConflictError(msg)
    return kid, public


def operated_site(state: LedgerState, site_id: str, actor: str) -> Site:
    """The site, if ``actor`` operates it."""
    site = state.site(site_id)
    if site.operator != actor:
        msg = f"{actor!r} does not operate site {site_id!r} (operator {site.operator!r})"
        raise ConflictError(msg)
    return site


def held_lot(state: LedgerState, lot_id: str, actor: str, status: str = "active") -> Lot:
    """The lot, if ``actor`` holds custody and it is in ``status``."""
    lot = state.lot(lot_id)
    if lot.custodian != actor:
        msg = f"lot {lot_id!r} is not in the custody of {actor!r} (custodian {lot.custodian!r})"
        raise ConflictError(msg)
    if lot.status != status:
        msg = f"lot {lot_id!r} is {lot.status}, expected {status}"
        raise ConflictError(msg)
    return lot


def new_lot_ids(state: LedgerState, specs: tuple[ev.LotSpec, ...]) -> None:
    """Output lot ids are distinct and not yet used."""
    ids = [s.lot_id for s in specs]
    if len(set(ids)) != len(ids):
        msg = f"output lot ids repeat: {ids}"
        raise InputError(msg, field="event.outputs")
    for lot_id in ids:
        if lot_id in state.lots:
            msg = f"lot {lot_id!r} already exists"
            raise ConflictError(msg)


DEFAULT_POLICY = Policy()
"""Default acceptance policy (0.1 % mass-balance tolerance)."""
