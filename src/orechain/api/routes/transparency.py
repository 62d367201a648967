"""``/api/transparency``: public, read-only. Signed checkpoints, totals, verifiable proofs.

Everything here can be checked offline with the log's verifier key (``vkey``):
the dashboard's Ledger and Transparency pages verify inclusion proofs in the
browser (SHA-256 via WebCrypto, Ed25519 checkpoint signatures).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from orechain.api import ledger_views as views
from orechain.api.auth import Principal, access
from orechain.api.pagination import Limit, Offset, Page, paginate
from orechain.api.responses import COMMON_ERRORS, JsonBytes, Svc, ok
from orechain.ledger.log import consistency_bundle, inclusion_bundle, latest_checkpoint
from orechain.ledger.service import Ledger
from orechain.services.transparency import summary

router = APIRouter(prefix="/api/transparency", tags=["transparency"], responses=COMMON_ERRORS)
Public = Annotated[Principal, Depends(access("public"))]

__all__ = ["router"]


class Totals(BaseModel):
    """Aggregate masses [t] from accepted events."""

    by_commodity: list[dict[str, Any]]
    by_origin: list[dict[str, Any]]
    by_corridor: list[dict[str, Any]]


class Transparency(BaseModel):
    """The log's identity, its latest signed checkpoint and public totals."""

    origin: str = Field(examples=["demo.orechain.invalid/pk-us-corridor"])
    vkey: str = Field(description="signed-note verifier key: <name>+<hash>+<base64 key>")
    tree_size: int
    root_hash: str | None = Field(description="Hex root of the current tree.")
    checkpoint: str | None = Field(description="Latest signed checkpoint note, if any.")
    label: str | None = Field(description="Set when the log holds the illustrative sample.")
    totals: Totals


class InclusionBundle(BaseModel):
    """Proof that an event is in the log under a signed checkpoint (RFC 9162 §2.1.3)."""

    kind: str = Field(examples=["orechain-inclusion-proof/v1"])
    origin: str
    event_id: str
    leaf_index: int
    tree_size: int
    envelope: str | None = Field(
        description="The leaf: RFC 8785 canonical JSON of the envelope; null unless the caller "
        "may read the event (auditors, admins, the acting operator)."
    )
    leaf_hash: str = Field(description="Base64 SHA-256(0x00 || envelope) (RFC 9162 §2.1.1).")
    inclusion_path: list[str] = Field(description="Base64 sibling hashes, leaf to root.")
    checkpoint: str


class ConsistencyBundle(BaseModel):
    """Proof that the tree at ``new_size`` extends the tree at ``old_size`` (RFC 9162 §2.1.4)."""

    kind: str
    origin: str
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    consistency_path: list[str]
    old_checkpoint: str | None
    checkpoint: str | None


class CheckpointOut(BaseModel):
    """A stored signed checkpoint."""

    tree_size: int
    checkpoint: str


@router.get(
    "",
    response_class=JsonBytes,
    responses=ok(Transparency),
    dependencies=[Depends(access("public"))],
)
async def transparency(svc: Svc) -> JsonBytes:
    """Latest signed checkpoint, the verifier key and totals by commodity, origin, corridor."""
    return JsonBytes(await svc.ledger.cached(("transparency",), summary))


@router.get(
    "/checkpoints",
    response_model=Page[CheckpointOut],
    dependencies=[Depends(access("public"))],
)
async def checkpoints(svc: Svc, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Every stored signed checkpoint, by tree size (paginated)."""
    rows = await svc.ledger.run(lambda led: led.store.checkpoints())
    items = [{"tree_size": s, "checkpoint": n} for s, n in rows]
    return paginate(items, limit, offset)


EventPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=128,
        description="Event id or leaf index",
        openapi_examples={"merge": {"value": "0"}},
    ),
]


@router.get("/proofs/inclusion/{event}", response_model=InclusionBundle)
async def inclusion(
    event: EventPath,
    svc: Svc,
    who: Public,
    against: Annotated[Literal["latest", "first"], Query()] = "latest",
) -> dict[str, Any]:
    """Inclusion proof of an event under the latest (or first covering) signed checkpoint."""

    def prove(led: Ledger) -> dict[str, Any]:
        note = latest_checkpoint(led) if against == "latest" else None
        bundle = inclusion_bundle(led, event, note)
        if not views.may_see_event(led.state, bundle["event_id"], who):
            bundle["envelope"] = None
        return bundle

    return await svc.ledger.run(prove)


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyBundle,
    dependencies=[Depends(access("public"))],
)
async def consistency(
    svc: Svc,
    old_size: Annotated[int, Query(ge=1, le=2**40, examples=[10])],
    new_size: Annotated[int | None, Query(ge=1, le=2**40, examples=[40])] = None,
) -> dict[str, Any]:
    """Consistency proof between two tree sizes, with the checkpoints signed at them."""
    return await svc.ledger.run(lambda led: consistency_bundle(led, old_size, new_size))
