"""UNTP export: a lot's Digital Product Passport and Digital Traceability Events.

Both are W3C Verifiable Credentials (VC Data Model 2.0) secured with a Data
Integrity proof of the ``eddsa-jcs-2022`` cryptosuite, signed with the issuing
organisation's Ed25519 key; the issuer is the ``did:key`` of that key. Field
mapping (see ``docs/ledger.md``): ``extract`` → ObjectEvent (commissioning),
``transform`` → TransformationEvent, ``merge`` → AggregationEvent (add),
``split`` → AggregationEvent (delete), ``ship``/``receive`` → ObjectEvent
(shipping/receiving), ``assay`` → ObjectEvent (inspecting), ``transfer`` →
TransactionEvent; ``certify`` becomes a DPP conformity claim. Registrations and
corrections have no counterpart. Identifiers are URIs under the log's origin.

References
----------
.. [1] UN Transparency Protocol, DPP and DTE data models (untp-dpp, untp-dte).
.. [2] W3C Data Integrity EdDSA Cryptosuites v1.0, §3.3 (eddsa-jcs-2022).
.. [3] W3C did:key method; multicodec ed25519-pub (0xed).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from orechain.errors import IntegrityError
from orechain.ledger import events as ev
from orechain.ledger import keys
from orechain.ledger.canonical import canonicalize
from orechain.ledger.domain import LedgerState
from orechain.ledger.events import format_time

__all__ = [
    "b58encode",
    "did_key",
    "dpp_credential",
    "dte_credential",
    "export_lot",
    "sign_credential",
    "sign_lot",
    "unsigned_lot",
    "verify_credential",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DPP_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dpp/working/"
DTE_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dte/working/"
CBV = "https://ref.gs1.org/cbv/"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet), leading zero bytes as ``1``."""
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`."""
    n = 0
    for ch in text:
        n = n * 58 + _B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def did_key(public: bytes) -> str:
    """``did:key:z…`` of an Ed25519 public key (multicodec 0xed01, base58btc multibase)."""
    return "did:key:z" + b58encode(_ED25519_PUB + public)


def _public_of_method(method: str) -> bytes:
    fragment = method.partition("#")[2]
    raw = b58decode(fragment[1:]) if fragment.startswith("z") else b""
    if raw[:2] != _ED25519_PUB or len(raw) != 34:
        msg = f"verification method {method!r} is not an Ed25519 did:key"
        raise IntegrityError(msg)
    return raw[2:]


def _hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    """SHA-256(JCS(proof options)) || SHA-256(JCS(document)) (eddsa-jcs-2022 §3.3.4)."""
    return (
        hashlib.sha256(canonicalize(options)).digest()
        + hashlib.sha256(canonicalize(document)).digest()
    )


def sign_credential(
    document: dict[str, Any], key: keys.Ed25519PrivateKey, created: str
) -> dict[str, Any]:
    """``document`` with an ``eddsa-jcs-2022`` DataIntegrityProof by ``key``."""
    did = did_key(keys.public_bytes(key))
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": created,
        "verificationMethod": f"{did}#{did.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
        "@context": document["@context"],
    }
    signature = keys.sign(key, _hash_data(document, options))
    return {**document, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def verify_credential(credential: dict[str, Any]) -> str:
    """Verify the credential's eddsa-jcs-2022 proof; return the issuer DID.

    Raises
    ------
    IntegrityError
        No proof, a different suite, a key that is not the issuer's, or a bad signature.
    """
    proof = credential.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != "eddsa-jcs-2022":
        msg = "credential has no eddsa-jcs-2022 proof"
        raise IntegrityError(msg)
    document = {k: v for k, v in credential.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    method = str(proof.get("verificationMethod", ""))
    raw_issuer = document.get("issuer")
    issuer = str(raw_issuer.get("id", "") if isinstance(raw_issuer, dict) else raw_issuer)
    if method.partition("#")[0] != issuer or options.get("@context") != document.get("@context"):
        msg = "proof is not by the issuer's key or not over this credential's context"
        raise IntegrityError(msg)
    value = str(proof.get("proofValue", ""))
    sig = b58decode(value[1:]) if value.startswith("z") else b""
    if not keys.verify(_public_of_method(method), _hash_data(document, options), sig):
        msg = "credential signature does not verify"
        raise IntegrityError(msg)
    return issuer


class _Ids:
    """URIs of lots, events, sites and organisations under the log's origin."""

    def __init__(self, origin: str) -> None:
        self.base = "https://" + origin.strip("/")

    def __call__(self, kind: str, ident: str) -> str:
        return f"{self.base}/{kind}/{quote(ident, safe='')}"


def _iso2(iso3: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country is not None else iso3


def _item(state: LedgerState, uri: _Ids, lot_id: str) -> dict[str, Any]:
    lot = state.lots[lot_id]
    return {"type": ["Item"], "id": uri("lots", lot_id), "name": f"{lot.product} {lot_id}"}


def _qty(state: LedgerState, uri: _Ids, lot_id: str, q: float | None = None) -> dict[str, Any]:
    lot = state.lots[lot_id]
    return {
        "type": ["QuantityElement"],
        "productId": uri("lots", lot_id),
        "productName": lot.product,
        "quantity": lot.quantity_t if q is None else q,
        "uom": "TNE",
    }


def _base(e: ev.Event, uri: _Ids, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": [kind, "Event"],
        "id": uri("events", e.event_id),
        "eventTime": format_time(e.time),
        **fields,
    }


def _dte_event(state: LedgerState, uri: _Ids, e: ev.Event) -> dict[str, Any] | None:
    items = [_item(state, uri, x) for x in e.touched_lots()]
    if isinstance(e, ev.Extract):
        return _base(
            e,
            uri,
            "ObjectEvent",
            action="add",
            bizStep=CBV + "BizStep-commissioning",
            bizLocation=uri("sites", e.site_id),
            epcList=[_item(state, uri, e.lot.lot_id)],
            quantityList=[_qty(state, uri, e.lot.lot_id)],
        )
    if isinstance(e, ev.Transform):
        outs = [o.lot_id for o in e.outputs]
        return _base(
            e,
            uri,
            "TransformationEvent",
            action="add",
            processType=e.stage,
            bizLocation=uri("sites", e.site_id),
            inputEPCList=items,
            outputEPCList=[_item(state, uri, o) for o in outs],
            outputQuantityList=[_qty(state, uri, o) for o in outs],
        )
    if isinstance(e, ev.Merge | ev.Split):
        parent = e.output.lot_id if isinstance(e, ev.Merge) else e.lot_id
        kids = (
            [d.lot_id for d in e.inputs]
            if isinstance(e, ev.Merge)
            else [o.lot_id for o in e.outputs]
        )
        return _base(
            e,
            uri,
            "AggregationEvent",
            action="add" if isinstance(e, ev.Merge) else "delete",
            bizLocation=uri("sites", e.site_id),
            parentEPC=_item(state, uri, parent),
            childEPCList=[_item(state, uri, k) for k in kids],
        )
    if isinstance(e, ev.Ship | ev.Receive | ev.Assay):
        step, disp, site = {
            ev.Ship: ("shipping", "in_transit", getattr(e, "from_site", "")),
            ev.Receive: ("receiving", "in_progress", getattr(e, "site_id", "")),
            ev.Assay: ("inspecting", "active", ""),
        }[type(e)]
        loc = {"bizLocation": uri("sites", site)} if site else {}
        return _base(
            e,
            uri,
            "ObjectEvent",
            action="observe",
            bizStep=CBV + "BizStep-" + step,
            disposition=CBV + "Disp-" + disp,
            epcList=items,
            **loc,
        )
    if isinstance(e, ev.Transfer):
        return _base(
            e,
            uri,
            "TransactionEvent",
            action="observe",
            epcList=items,
            sourceParty=uri("orgs", e.actor),
            destinationParty=uri("orgs", e.to_org),
        )
    return None


def _issuer(state: LedgerState, public: bytes) -> dict[str, Any]:
    kid = keys.key_id(public)
    org = next((o for o in state.orgs.values() if kid in o.keys), None)
    if org is None:
        msg = f"key {kid} belongs to no organisation of this ledger"
        raise IntegrityError(msg)
    return {"type": ["CredentialIssuer"], "id": did_key(public), "name": org.name}


def _lot_events(state: LedgerState, lot_id: str) -> list[ev.Event]:
    from orechain.ledger.pack import pack_events

    return [state.events[i] for i in pack_events(state, lot_id)]


def dte_credential(state: LedgerState, origin: str, lot_id: str, public: bytes) -> dict[str, Any]:
    """Unsigned DTE credential: the lot's upstream custody events in UNTP form."""
    uri = _Ids(origin)
    events = _lot_events(state, lot_id)
    subject = [d for d in (_dte_event(state, uri, e) for e in events) if d is not None]
    return {
        "@context": [VC_CONTEXT, DTE_CONTEXT],
        "type": ["DigitalTraceabilityEvent", "VerifiableCredential"],
        "id": uri("credentials", f"dte-{lot_id}"),
        "issuer": _issuer(state, public),
        "validFrom": format_time(max(e.time for e in events)),
        "credentialSubject": subject,
    }


_TOPIC = {
    "verified-origin": "governance.transparency",
    "responsible-sourcing": "social.rights",
    "conformity": "governance.compliance",
}


def _claims(uri: _Ids, events: list[ev.Event]) -> list[dict[str, Any]]:
    out = []
    for e in events:
        if isinstance(e, ev.Certify):
            claim: dict[str, Any] = {
                "type": ["Claim", "Declaration"],
                "id": uri("events", e.event_id),
                "conformityTopic": _TOPIC[e.claim],
                "description": f"{e.claim} of {e.lot_id} under {e.scheme} by {e.actor}",
            }
            if e.documents:
                d = e.documents[0]
                claim["conformityEvidence"] = {
                    "type": ["SecureLink", "Link"],
                    "linkURL": uri("documents", d.sha256),
                    "linkName": d.kind,
                    "hashDigest": d.sha256,
                    "hashMethod": "SHA-256",
                }
            out.append(claim)
    return out


def _product(state: LedgerState, uri: _Ids, lot_id: str) -> dict[str, Any]:
    lot = state.lots[lot_id]
    made = state.events.get(lot.created_by)
    org = state.orgs.get(made.actor) if made is not None else None
    product: dict[str, Any] = {
        "type": ["Product"],
        "id": uri("lots", lot_id),
        "name": lot.product,
        "batchNumber": lot_id,
        "description": f"{lot.commodity}, {lot.quantity_t:g} t ({lot.basis})",
    }
    if made is not None:
        product["productionDate"] = made.time.date().isoformat()
        origin_site = state.sites.get(getattr(made, "site_id", ""))
        if origin_site is not None:
            product["countryOfProduction"] = _iso2(origin_site.country)
            product["producedAtFacility"] = {
                "id": uri("sites", origin_site.site_id),
                "name": origin_site.name,
            }
    if org is not None:
        product["producedByParty"] = {"id": uri("orgs", org.org_id), "name": org.name}
    return product


def dpp_credential(
    state: LedgerState, origin: str, lot_id: str, public: bytes, dte: dict[str, Any]
) -> dict[str, Any]:
    """Unsigned DPP credential of a lot, linking its (signed) DTE credential by hash."""
    from orechain.ledger.provenance import origin_shares, verified_share

    uri = _Ids(origin)
    lot = state.lot(lot_id)
    mining = origin_shares(state, lot_id).get("mining", {})
    materials = [
        {
            "type": ["Material"],
            "name": f"{lot.commodity} ore mined in {c}",
            "originCountry": _iso2(c),
            "massFraction": round(s, 6),
        }
        for c, s in sorted(mining.items())
    ]
    link = {
        "type": ["SecureLink", "Link"],
        "linkURL": dte["id"],
        "linkName": "UNTP DTE of " + lot_id,
        "linkType": "https://test.uncefact.org/vocabulary/linkTypes/dte",
        "hashDigest": hashlib.sha256(canonicalize(dte)).hexdigest(),
        "hashMethod": "SHA-256",
    }
    trace = {
        "type": ["TraceabilityPerformance"],
        "valueChainProcess": "chain of custody",
        "verifiedRatio": round(verified_share(state, lot_id), 6),
        "traceabilityEvent": [link],
    }
    subject = {
        "type": ["ProductPassport"],
        "id": uri("passports", lot_id),
        "product": _product(state, uri, lot_id),
        "granularityLevel": "batch",
        "materialsProvenance": materials,
        "traceabilityInformation": [trace],
        "conformityClaim": _claims(uri, _lot_events(state, lot_id)),
    }
    return {
        "@context": [VC_CONTEXT, DPP_CONTEXT],
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        "id": uri("credentials", f"dpp-{lot_id}"),
        "issuer": _issuer(state, public),
        "validFrom": dte["validFrom"],
        "credentialSubject": subject,
    }


def unsigned_lot(
    state: LedgerState, origin: str, lot_id: str, public: bytes
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Unsigned (DPP, DTE) credentials of ``lot_id`` to be issued by the owner of ``public``.

    The DPP's link to the DTE carries no ``hashDigest`` yet: the digest covers
    the *signed* DTE, so :func:`sign_lot` fills it in when the issuer signs.
    """
    state.lot(lot_id)
    dte = dte_credential(state, origin, lot_id, public)
    dpp = dpp_credential(state, origin, lot_id, public, dte)
    for trace in dpp["credentialSubject"]["traceabilityInformation"]:
        for link in trace["traceabilityEvent"]:
            link.pop("hashDigest", None)
    return dpp, dte


def sign_lot(
    dpp: dict[str, Any], dte: dict[str, Any], key: keys.Ed25519PrivateKey
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sign the DTE, bind its hash into the DPP's link, sign the DPP; both by ``key``.

    Raises
    ------
    IntegrityError
        ``key`` is not the key the credentials name as issuer.
    """
    did = did_key(keys.public_bytes(key))
    for credential in (dpp, dte):
        if credential.get("issuer", {}).get("id") != did:
            msg = f"credential {credential.get('id')} names another issuer than {did}"
            raise IntegrityError(msg)
    signed_dte = sign_credential(dte, key, dte["validFrom"])
    digest = hashlib.sha256(canonicalize(signed_dte)).hexdigest()
    subject = dict(dpp["credentialSubject"])
    subject["traceabilityInformation"] = [
        {
            **trace,
            "traceabilityEvent": [
                {**link, "hashDigest": digest} if link.get("linkURL") == dte["id"] else link
                for link in trace["traceabilityEvent"]
            ],
        }
        for trace in subject["traceabilityInformation"]
    ]
    return sign_credential({**dpp, "credentialSubject": subject}, key, dpp["validFrom"]), signed_dte


def export_lot(
    state: LedgerState, origin: str, lot_id: str, key: keys.Ed25519PrivateKey
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Signed (DPP, DTE) credentials of ``lot_id`` issued by the owner of ``key``."""
    dpp, dte = unsigned_lot(state, origin, lot_id, keys.public_bytes(key))
    return sign_lot(dpp, dte, key)
