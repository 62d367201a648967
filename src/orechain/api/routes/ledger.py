"""``/api/ledger``: submit signed events; lots, provenance, origin, compliance, mass balance.

Writes need an ``operator`` token of the acting organisation *and* a valid Ed25519
signature on each envelope (checked by :meth:`orechain.ledger.service.Ledger.submit_many`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from orechain.api import ledger_views as views
from orechain.api.auth import Principal, access
from orechain.api.errors import ApiError
from orechain.api.pagination import Limit, Offset, Page, paginate
from orechain.api.responses import COMMON_ERRORS, JsonBytes, Svc, ok
from orechain.api.routes import documents
from orechain.ledger import keys, sample
from orechain.ledger.compliance import (
    PortfolioResult,
    RuleResult,
    crma_concentration,
    run_rule,
)
from orechain.ledger.custody_models import CustodyReport, site_report
from orechain.ledger.custody_period import parse_period
from orechain.ledger.log import create_checkpoint
from orechain.ledger.provenance import origin_report
from orechain.ledger.service import Ledger, Receipt
from orechain.ledger.vocab import rules_help
from orechain.stages import STAGE_IDS

router = APIRouter(prefix="/api/ledger", tags=["ledger"], responses=COMMON_ERRORS)

__all__ = ["router"]

Reader = Annotated[Principal, Depends(access("read"))]
Confidential = Annotated[Principal, Depends(access("confidential"))]
LotPath = Annotated[
    str, Path(min_length=1, max_length=128, openapi_examples={"magnet": {"value": "US-MAGNET-001"}})
]
_EXAMPLE_ENVELOPE = sample.sample_envelopes()[0]


class SubmitEvents(BaseModel):
    """A batch of signed envelopes, appended all together or not at all."""

    envelopes: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=1000,
        examples=[[_EXAMPLE_ENVELOPE]],
        description="Signed envelopes (see docs/ledger.md); every actor must be the token's org.",
    )


class LotSummary(BaseModel):
    """A lot's public identity."""

    lot_id: str = Field(examples=["US-MAGNET-001"])
    product: str
    commodity: str
    status: str = Field(examples=["active"])
    created_at: str
    events: list[str] = Field(description="Ids of the events that touched the lot, in order.")


class LotDetail(LotSummary):
    """Everything recorded about a lot (confidential)."""

    quantity_t: float
    remaining_t: float
    basis: str
    custodian: str
    site_id: str
    site_country: str | None
    created_by: str
    grades: dict[str, float]
    destination: str | None
    parents: list[dict[str, Any]]


class Origin(BaseModel):
    """Origin shares of a lot by value-chain stage and country (0..1)."""

    lot_id: str
    weighted_by: str = Field(examples=["mass", "NdPr content"])
    mass_weighted_at: list[str] = Field(
        description="Blends weighted by mass because an input lacks an assay of the element."
    )
    origin_shares: dict[str, dict[str, float]] = Field(examples=[{"mining": {"PAK": 1.0}}])


class Provenance(BaseModel):
    """The lot graph around a lot: edges with masses drawn [t] and the lots' records."""

    lot_id: str
    upstream: list[dict[str, Any]]
    downstream: list[dict[str, Any]]
    lots: list[LotDetail]


class CheckpointOut(BaseModel):
    """A signed checkpoint (C2SP tlog-checkpoint note)."""

    tree_size: int
    checkpoint: str


@router.post("/events", response_model=list[Receipt], status_code=201)
async def submit_events(
    body: SubmitEvents, svc: Svc, who: Annotated[Principal, Depends(access("write"))]
) -> list[Receipt]:
    """Append signed events for the token's organisation; all of the batch or none."""
    views.check_actor(body.envelopes, who)
    return await svc.ledger.run(lambda led: led.submit_many(body.envelopes))


@router.get("/lots", response_model=Page[LotSummary], dependencies=[Depends(access("read"))])
async def lots(
    svc: Svc,
    q: Annotated[str | None, Query(max_length=100, description="Text in lot id or product")] = None,
    commodity: Annotated[str | None, Query(max_length=80)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Search lots by id or product (public summaries, paginated)."""
    found = await svc.ledger.run(lambda led: views.search_lots(led.state, q, commodity))
    return paginate(found, limit, offset)


@router.get("/lots/{lot_id}", response_model=LotDetail)
async def lot(lot_id: LotPath, svc: Svc, who: Confidential) -> dict[str, Any]:
    """Mass, basis, custodian, site, grades, parents and events of one lot (confidential)."""

    def read(led: Ledger) -> dict[str, Any]:
        state = led.state
        found = state.lot(lot_id)
        views.require(views.may_see_lot(state, lot_id, who), f"lot {lot_id}")
        return views.lot_detail(state, found)

    return await svc.ledger.run(read)


@router.get("/lots/{lot_id}/provenance", response_model=Provenance)
async def provenance(lot_id: LotPath, svc: Svc, who: Confidential) -> dict[str, Any]:
    """Upstream (back to extraction) and downstream (recall scope) graphs of a lot."""

    def read(led: Ledger) -> dict[str, Any]:
        state = led.state
        state.lot(lot_id)
        views.require(views.may_see_lot(state, lot_id, who), f"provenance of {lot_id}")
        return views.edges(state, lot_id, who)

    return await svc.ledger.run(read)


@router.get(
    "/lots/{lot_id}/origin",
    response_class=JsonBytes,
    responses=ok(Origin),
    dependencies=[Depends(access("read"))],
)
async def origin(
    lot_id: LotPath,
    svc: Svc,
    element: Annotated[
        str | None,
        Query(
            max_length=20,
            pattern=r"^[A-Za-z0-9+]+$",
            description="Weight blends by this assayed element's content (e.g. NdPr).",
        ),
    ] = None,
) -> JsonBytes:
    """Origin shares by stage and country, propagated through blends (public).

    By mass, or with ``element`` by the element's assayed content; the answer
    says which, and where mass stood in for a missing assay.
    """

    def read(led: Ledger) -> dict[str, Any]:
        return origin_report(led.state, lot_id, element)

    return JsonBytes(await svc.ledger.cached(("origin", lot_id, element or ""), read))


RULE_DOC = rules_help()


@router.get("/lots/{lot_id}/compliance", response_model=RuleResult)
async def compliance(
    lot_id: LotPath,
    svc: Svc,
    who: Reader,
    rule: Annotated[str, Query(max_length=60, description=RULE_DOC)] = "dfars-2027",
    threshold: Annotated[
        float | None, Query(description="min-verified-share: share 0..1 [-]")
    ] = None,
    countries: Annotated[
        str | None, Query(max_length=200, description="restricted-stage-origin: CHN,RUS")
    ] = None,
    stages: Annotated[
        str | None,
        Query(max_length=300, description="restricted-stage-origin: " + ", ".join(STAGE_IDS)),
    ] = None,
) -> dict[str, Any]:
    """Run a compliance rule with its own validated parameters (others are refused, 400).

    The breaking path is shown only to who may see the chain.
    """

    def read(led: Ledger) -> dict[str, Any]:
        state = led.state
        params = {"threshold": threshold, "countries": countries, "stages": stages}
        result = asdict(run_rule(state, lot_id, rule, **params))
        if not views.may_see_lot(state, lot_id, who):
            result["path"] = []
        return result

    return await svc.ledger.run(read)


@router.get("/orgs/{org_id}/crma", response_model=PortfolioResult)
async def crma(
    svc: Svc,
    who: Confidential,
    org_id: Annotated[str, Path(min_length=1, max_length=128, examples=["us-refiner"])],
    period: Annotated[str, Query(max_length=40, description="YYYY, YYYY-Qn, YYYY-MM, a/b")],
    threshold: Annotated[float, Query(description="largest third-country share [-]")] = 0.65,
) -> PortfolioResult:
    """EU CRMA Art. 5(1)(d) benchmark over a buyer's lots in a period (the buyer, auditors)."""
    if not (who.sees_all or (who.role == "operator" and who.org_id == org_id)):
        raise ApiError(403, f"the supply portfolio of {org_id} is confidential to it and auditors")

    def read(led: Ledger) -> PortfolioResult:
        return crma_concentration(led.state, org_id, parse_period(period), threshold)

    return await svc.ledger.run(read)


@router.get("/sites/{site_id}/massbalance", response_model=CustodyReport)
async def massbalance(
    svc: Svc,
    who: Confidential,
    site_id: Annotated[str, Path(min_length=1, max_length=128, examples=["US-SEP-1"])],
    period: Annotated[
        str, Query(max_length=40, description="YYYY, YYYY-Qn, YYYY-MM, a/b", examples=["2026"])
    ],
) -> CustodyReport:
    """ISO 22095 custody accounting of a site over a period (confidential)."""

    def read(led: Ledger) -> CustodyReport:
        state = led.state
        views.require(views.may_see_site(state, site_id, who), f"mass balance of {site_id}")
        return site_report(state, site_id, parse_period(period))

    return await svc.ledger.run(read)


@router.get("/events/{event_id}", response_model=dict[str, Any])
async def event(
    svc: Svc, who: Confidential, event_id: Annotated[str, Path(min_length=1, max_length=128)]
) -> dict[str, Any]:
    """The signed envelope of one accepted event, its log position and both times.

    Visible to auditors, admins and the organisation that signed it: the same
    rule as the envelope in an inclusion proof.
    """

    def read(led: Ledger) -> dict[str, Any]:
        entry = led.entry(event_id)
        if not views.may_see_event(led.state, entry.event_id, who):
            raise ApiError(403, "event envelopes are confidential to auditors and their signer")
        return {
            "event_id": entry.event_id,
            "leaf_index": entry.index,
            "event_time": entry.event_time,
            "received_at": entry.received_at,
            "envelope": entry.envelope.decode("utf-8"),
        }

    return await svc.ledger.run(read)


@router.post(
    "/checkpoints",
    response_model=CheckpointOut,
    status_code=201,
    dependencies=[Depends(access("sign"))],
)
async def sign_checkpoint(svc: Svc) -> dict[str, Any]:
    """Sign and store a checkpoint over every committed entry (admins, operators)."""
    path = svc.settings.resolved_log_key_path()
    if not path.is_file():
        raise ApiError(503, f"this server has no log signing key at {path}")
    key = keys.load_private_key(path)

    def sign(led: Ledger) -> dict[str, Any]:
        note = create_checkpoint(led, key)
        return {"tree_size": int(note.split("\n")[1]), "checkpoint": note}

    return await svc.ledger.run(sign)


@router.get(
    "/lots/{lot_id}/pack",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "Evidence pack (zip)"}},
)
async def evidence_pack(lot_id: LotPath, svc: Svc, who: Confidential) -> Response:
    """The lot's evidence pack for offline `orechain ledger verify-pack` (confidential)."""
    from orechain.ledger.documents import open_document_store
    from orechain.ledger.pack import build_pack

    def read(led: Ledger) -> bytes:
        led.state.lot(lot_id)
        views.require(views.may_see_lot(led.state, lot_id, who), f"evidence pack of {lot_id}")
        store = open_document_store(led.store.url)
        try:
            return build_pack(led, lot_id, store)
        finally:
            store.close()

    data = await svc.ledger.run(read)
    disposition = {"Content-Disposition": f'attachment; filename="{lot_id}.zip"'}
    return Response(data, media_type="application/zip", headers=disposition)


class UntpOut(BaseModel):
    """UNTP credentials of a lot for the caller's organisation to sign (docs/ledger.md)."""

    issuer: str = Field(description="did:key of the organisation's current Ed25519 key.")
    signed: bool = Field(description="Always false: the server holds no organisation's key.")
    dpp: dict[str, Any] = Field(description="Digital Product Passport (VC), unsigned.")
    dte: dict[str, Any] = Field(description="Digital Traceability Events (VC), unsigned.")


@router.get("/lots/{lot_id}/untp", response_model=UntpOut)
async def untp(
    lot_id: LotPath, svc: Svc, who: Annotated[Principal, Depends(access("write"))]
) -> dict[str, Any]:
    """UNTP DPP and DTE credentials of a lot, unsigned, issued in the operator's name.

    Signed by the organisation itself (``oc.sign_untp`` or ``orechain ledger untp
    --key``): the server holds no organisation key, and the log key vouches for
    the log's order, not for the goods.
    """
    from orechain.services.shipments import unsigned_untp

    def read(led: Ledger) -> dict[str, Any]:
        led.state.lot(lot_id)
        views.require(views.may_see_lot(led.state, lot_id, who), f"UNTP credentials of {lot_id}")
        return unsigned_untp(led, lot_id, str(who.org_id))

    return await svc.ledger.run(read)


router.include_router(documents.router)
