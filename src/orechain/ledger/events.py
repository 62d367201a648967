"""Custody event types: one small frozen dataclass each, with a constant ``name``.

An event is the body of a signed envelope (see :mod:`orechain.ledger.envelope`).
Its JSON form is the dataclass fields plus ``"type": <name>``. Parsing is strict
(unknown fields, missing fields, wrong types and naive times are rejected), because
anything accepted into the signed, logged bytes must also have been checked.

Masses are in metric tonnes [t] with an explicit basis (``gross``, ``contained``,
``REO``); grades are mass fractions [-] of the lot in its basis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, TypeAdapter, ValidationError

from orechain.errors import InputError
from orechain.ledger.trade import Container, HsCode, Incoterm, UnLocode, Weighing
from orechain.ledger.vocab import ROLES
from orechain.stages import STAGES as STAGE_DEFS
from orechain.stages import resolve_site_kind, resolve_stage
from orechain.stages import stage as stage_def

Basis = Literal["gross", "contained", "REO"]
Tonnes = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegTonnes = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Ident = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][\w.:/-]*$")]


def _not_all_digits(value: str) -> str:
    """Event ids that are all digits would read as leaf indices in lookups: refuse them."""
    if value.isdigit():
        msg = "an event id must not be all digits (digits alone name a leaf index)"
        raise ValueError(msg)
    return value


EventId = Annotated[Ident, AfterValidator(_not_all_digits)]
Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, Field(max_length=2000)]


def _stage(value: str) -> str:
    """A transform's stage: a declarable stage of :mod:`orechain.stages` other than mining.

    Aliases resolve to the canonical id; extraction is the ``extract`` event.
    """
    try:
        stage_id = resolve_stage(value)
    except InputError as exc:
        raise ValueError(exc.reason) from None
    if stage_id == "mining" or not stage_def(stage_id).declarable:
        allowed = [s.id for s in STAGE_DEFS if s.declarable and s.id != "mining"]
        msg = f"stage {value!r} cannot be declared by a transform; expected one of {allowed}"
        raise ValueError(msg)
    return stage_id


def _site_kind(value: str) -> str:
    try:
        return resolve_site_kind(value)
    except InputError as exc:
        raise ValueError(exc.reason) from None


def _role(value: str) -> str:
    if value not in ROLES:
        msg = f"unknown role {value!r}; expected one of {list(ROLES)}"
        raise ValueError(msg)
    return value


def _commodity(value: str) -> str:
    """A commodity the atlas catalogue knows (name, alias or USGS code); kept as written."""
    from orechain.atlas.commodities import resolve_commodity
    from orechain.errors import NotFoundError

    try:
        resolve_commodity(value)
    except NotFoundError as exc:
        raise ValueError(str(exc)) from None
    return value


Commodity = Annotated[str, Field(max_length=200), AfterValidator(_commodity)]
"""A commodity of the atlas catalogue (``orechain atlas commodities``)."""
Stage = Annotated[str, AfterValidator(_stage)]
"""A value-chain stage id of :mod:`orechain.stages` (aliases accepted, stored canonical)."""
SiteKind = Annotated[str, AfterValidator(_site_kind)]
"""A site kind of :data:`orechain.stages.SITE_KINDS`."""
Role = Annotated[str, AfterValidator(_role)]
"""A role of :data:`orechain.ledger.vocab.ROLES`."""

_CONFIG = ConfigDict(extra="forbid", strict=True)


@dataclass(frozen=True)
class LotSpec:
    """A lot created by an event: id, product, commodity, mass [t] in ``basis``, grades [-]."""

    __pydantic_config__ = _CONFIG
    lot_id: Ident
    product: Text
    commodity: Commodity
    quantity_t: Tonnes
    basis: Basis
    grades: dict[str, Fraction] | None = None


@dataclass(frozen=True)
class Draw:
    """Mass drawn from an input lot [t]; ``None`` draws everything that remains."""

    __pydantic_config__ = _CONFIG
    lot_id: Ident
    quantity_t: Tonnes | None = None


@dataclass(frozen=True)
class Loss:
    """A declared process loss (tailings, slag, moisture, dust) [t], in the inputs' basis."""

    __pydantic_config__ = _CONFIG
    kind: Annotated[str, Field(min_length=1, max_length=100)]
    quantity_t: NonNegTonnes


@dataclass(frozen=True)
class Addition:
    """Material from outside the ledger (iron, reagents) entering a step [t], untraced."""

    __pydantic_config__ = _CONFIG
    kind: Annotated[str, Field(min_length=1, max_length=100)]
    quantity_t: Tonnes
    grades: dict[str, Fraction] | None = None
    """Declared composition [-]; without it the addition counts for no assayed element."""


MediaType = Literal[
    "application/pdf", "image/png", "image/jpeg", "application/json", "application/xml",
    "text/plain", "text/csv",
]  # fmt: skip
DocumentKind = Literal[
    "bill-of-lading", "assay-certificate", "certificate-of-origin", "export-permit",
    "weight-certificate", "invoice", "packing-list",
]  # fmt: skip


@dataclass(frozen=True)
class DocumentRef:
    """A document bound to the event: SHA-256 (hex) of its bytes, media type and kind.

    The event signature covers this reference, hence the document itself
    (:mod:`orechain.ledger.documents` holds the bytes).
    """

    __pydantic_config__ = _CONFIG
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    media_type: MediaType
    kind: DocumentKind


Documents = tuple[DocumentRef, ...]


CustodyModel = Literal["identity-preserved", "segregated", "controlled-blending", "mass-balance"]
"""Chain-of-custody models of ISO 22095:2020 §5 (see :mod:`orechain.ledger.custody_models`)."""


@dataclass(frozen=True)
class Claim:
    """A claim that ``quantity_t`` [t] of output lot ``lot_id`` has verified origin.

    ``model`` is the ISO 22095 chain-of-custody model it is made under; the
    acceptance checks hold it to that model's rule and to the site's credit
    balance in the reconciliation period (no overdraft).
    """

    __pydantic_config__ = _CONFIG
    lot_id: Ident
    model: CustodyModel
    quantity_t: Tonnes
    element: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    """The element the claim is about (e.g. ``NdPr``): credits and debits count its
    verified content [t]; without it they count traced mass (never additions)."""


@dataclass(frozen=True)
class Event:
    """Fields every event carries: id, acting organisation and time (RFC 3339, with zone)."""

    __pydantic_config__ = _CONFIG
    name: ClassVar[str] = ""
    event_id: EventId
    actor: Ident
    time: AwareDatetime

    def touched_lots(self) -> tuple[str, ...]:
        """Existing lots this event touches (for custody and time-order checks)."""
        return ()


@dataclass(frozen=True)
class RegisterOrg(Event):
    """Register an organisation and its first key; the first one must be a self-signed registrar."""

    name: ClassVar[str] = "register-org"
    org_id: Ident
    org_name: Text
    country: Iso3
    roles: tuple[Role, ...]
    public_key: str
    valid_until: AwareDatetime | None = None


@dataclass(frozen=True)
class RotateKey(Event):
    """Add a new key to ``org_id``, valid from the event time (old keys stay until revoked)."""

    name: ClassVar[str] = "rotate-key"
    org_id: Ident
    public_key: str
    valid_until: AwareDatetime | None = None


@dataclass(frozen=True)
class RevokeKey(Event):
    """Revoke ``key_id`` of ``org_id`` from ``revoked_at`` on (defaults to the event time)."""

    name: ClassVar[str] = "revoke-key"
    org_id: Ident
    key_id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    reason: Text = ""
    revoked_at: AwareDatetime | None = None


@dataclass(frozen=True)
class RegisterSite(Event):
    """Register a site operated by ``operator`` in ``country`` (ISO 3166-1 alpha-3)."""

    name: ClassVar[str] = "register-site"
    site_id: Ident
    site_name: Text
    kind: SiteKind
    country: Iso3
    operator: Ident
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None


@dataclass(frozen=True)
class AttestSite(Event):
    """A registrar's or certifier's attestation that ``site_id`` is a ``kind`` in ``country``.

    The attested kind and country must be the registered ones: the attestor
    signs what it checked, so a later dispute can name who vouched for the site.
    """

    name: ClassVar[str] = "attest-site"
    site_id: Ident
    kind: SiteKind
    country: Iso3
    reference: Text = ""


@dataclass(frozen=True)
class Extract(Event):
    """Create a lot from ore mined at a mine ``site_id`` (stage: mining)."""

    name: ClassVar[str] = "extract"
    site_id: Ident
    lot: LotSpec
    documents: Documents = ()


@dataclass(frozen=True)
class Transform(Event):
    """Process input lots (plus untraced additions) into outputs; in = out + losses."""

    name: ClassVar[str] = "transform"
    site_id: Ident
    stage: Stage
    inputs: tuple[Draw, ...]
    outputs: tuple[LotSpec, ...]
    losses: tuple[Loss, ...] = ()
    additions: tuple[Addition, ...] = ()
    claims: tuple[Claim, ...] = ()
    documents: Documents = ()

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return tuple(d.lot_id for d in self.inputs)


@dataclass(frozen=True)
class Split(Event):
    """Divide one lot into several; the parent's identity and origin carry over."""

    name: ClassVar[str] = "split"
    site_id: Ident
    lot_id: Ident
    outputs: tuple[LotSpec, ...]
    losses: tuple[Loss, ...] = ()
    claims: tuple[Claim, ...] = ()
    documents: Documents = ()

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return (self.lot_id,)


@dataclass(frozen=True)
class Merge(Event):
    """Blend input lots into one output lot; origins mix by mass."""

    name: ClassVar[str] = "merge"
    site_id: Ident
    inputs: tuple[Draw, ...]
    output: LotSpec
    losses: tuple[Loss, ...] = ()
    claims: tuple[Claim, ...] = ()
    documents: Documents = ()

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return tuple(d.lot_id for d in self.inputs)


@dataclass(frozen=True)
class Transfer(Event):
    """Hand custody of lots from the actor to ``to_org`` (e.g. a sale FOB Karachi)."""

    name: ClassVar[str] = "transfer"
    lot_ids: tuple[Ident, ...]
    to_org: Ident
    incoterm: Incoterm | None = None
    documents: Documents = ()

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return self.lot_ids


@dataclass(frozen=True)
class Ship(Event):
    """Move lots from ``from_site`` to ``to_site``; across a border this is an export."""

    name: ClassVar[str] = "ship"
    lot_ids: tuple[Ident, ...]
    from_site: Ident
    to_site: Ident
    mode: Literal["sea", "road", "rail", "air"]
    document: Text
    vessel: Text | None = None
    eta: AwareDatetime | None = None
    voyage: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    port_of_loading: UnLocode | None = None
    port_of_discharge: UnLocode | None = None
    hs_code: HsCode | None = None
    incoterm: Incoterm | None = None
    containers: tuple[Container, ...] = ()
    weight: Weighing | None = None
    """Loading weight of the whole shipment (wet, moisture, dry)."""
    documents: Documents = ()

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return self.lot_ids


@dataclass(frozen=True)
class Receive(Event):
    """Receive shipped lots at ``site_id``, which must be the shipment's destination."""

    name: ClassVar[str] = "receive"
    lot_ids: tuple[Ident, ...]
    site_id: Ident
    outturn: Weighing | None = None
    """Out-turn (discharge) weight, checked against the loading weight (trade.py)."""
    weight_dispute: Text = ""
    """Why an out-turn beyond the tolerance is accepted (a weight claim), if it is."""
    documents: Documents = ()

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return self.lot_ids


@dataclass(frozen=True)
class Assay(Event):
    """Record element grades [-] of a lot (by the custodian or an assayer)."""

    name: ClassVar[str] = "assay"
    lot_id: Ident
    grades: dict[str, Fraction]
    laboratory: Text
    method: Text = ""
    party: Literal["seller", "buyer", "umpire"] | None = None
    """Whose contractual assay this is; such assays are signed by an assayer lab."""
    splitting_limits: dict[str, Fraction] | None = None
    """Contract splitting limits per element [-] (umpire assays state them)."""
    documents: Documents = ()

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return (self.lot_id,)


@dataclass(frozen=True)
class Certify(Event):
    """A certifier's claim about a lot, e.g. ``verified-origin`` under a scheme."""

    name: ClassVar[str] = "certify"
    lot_id: Ident
    scheme: Text
    claim: Literal["verified-origin", "responsible-sourcing", "conformity"]
    documents: Documents = ()

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return (self.lot_id,)


@dataclass(frozen=True)
class Correct(Event):
    """A correction referencing an earlier event; nothing is ever edited or deleted.

    ``grades`` replaces the grades of a corrected ``assay`` (of a lot not yet
    consumed); ``lot_id`` with ``quantity_t`` corrects the mass of a lot the
    corrected event created (the step's loss absorbs the difference); otherwise
    the correction is an annotation shown wherever the corrected event is.
    """

    name: ClassVar[str] = "correct"
    corrects: Ident
    reason: Text
    grades: dict[str, Fraction] | None = None
    lot_id: Ident | None = None
    quantity_t: Tonnes | None = None

    def touched_lots(self) -> tuple[str, ...]:  # noqa: D102
        return (self.lot_id,) if self.lot_id is not None else ()


EVENT_TYPES: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        RegisterOrg,
        RotateKey,
        RevokeKey,
        RegisterSite,
        AttestSite,
        Extract,
        Transform,
        Split,
        Merge,
        Transfer,
        Ship,
        Receive,
        Assay,
        Certify,
        Correct,
    )
}
"""Event classes by their constant ``name``."""

_ADAPTERS: dict[str, TypeAdapter[Any]] = {}
"""Validators by event type, built on first use: building all at import costs every
``orechain`` process about 0.1 s, and a command meets only the types in its ledger."""


def _adapter(kind: str) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(EVENT_TYPES[kind])
    return adapter


def _first_error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"])
    return field, str(err["msg"]).removeprefix("Value error, ")


def _to_json(fields: dict[str, Any]) -> str:
    try:
        return json.dumps(fields, allow_nan=False)
    except (TypeError, ValueError) as exc:
        msg = f"event is not plain JSON: {exc}"
        raise InputError(msg, field="event") from exc


def parse_event(body: dict[str, Any], *, source: str | None = None) -> Event:
    """Validate an event's JSON object and build its dataclass.

    Raises
    ------
    InputError
        Unknown ``type``, or the first schema violation with its field path.
    """
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        msg = f"unknown event type {kind!r}; expected one of {sorted(EVENT_TYPES)}"
        raise InputError(msg, source=source, field="event.type")
    fields = {k: v for k, v in body.items() if k != "type"}
    try:
        # JSON (not Python) input lets strict mode parse RFC 3339 strings as datetimes.
        event: Event = _adapter(kind).validate_json(_to_json(fields))
    except ValidationError as exc:
        field, reason = _first_error(exc)
        raise InputError(reason, source=source, field=f"event.{field}") from exc
    return event


def format_time(t: datetime) -> str:
    """RFC 3339 UTC form used in event JSON, e.g. ``2026-03-01T08:00:00Z``."""
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")
