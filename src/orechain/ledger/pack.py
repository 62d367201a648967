"""Evidence pack of one lot: one zip a buyer hands a regulator, checkable offline.

Contents (``manifest.json`` lists them):

- ``checkpoint.txt``: one signed checkpoint (C2SP tlog-checkpoint, with any
  witness cosignatures) that every proof below is against;
- ``envelopes/<leaf>.json``: the exact logged bytes of the lot's upstream
  events, of the registration events of its sites and of every organisation
  that signed one of them (down to the log's genesis registrar);
- ``proofs/<leaf>.json``: the RFC 9162 inclusion path of each envelope;
- ``keys.json``: the organisations' public keys, as their registration events
  set them;
- ``documents/<sha256>``: the referenced documents, or only their hash in the
  manifest when withheld (confidential);
- ``compliance.json`` and ``summary.html``: verdicts and a readable summary.

:func:`verify_pack` needs only the log's verifier key (and optionally a witness
policy): it checks the checkpoint, each inclusion proof, who signed each event
(replaying key registrations, rotations and revocations at the log's receipt
times), ``keys.json`` and every document's hash, and names the first failure.
It proves the events are in the log and who signed them; it cannot prove the
log holds no *other* event about the lot (that needs the full log: ``audit``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from orechain.errors import InputError, IntegrityError, OreChainError
from orechain.ledger import acceptance
from orechain.ledger import events as ev
from orechain.ledger.checkpoint import Checkpoint, parse_vkey, verify_checkpoint
from orechain.ledger.domain import LedgerState
from orechain.ledger.envelope import SignedEnvelope, open_envelope
from orechain.ledger.guards import DEFAULT_POLICY
from orechain.ledger.merkle import leaf_hash, verify_inclusion

if TYPE_CHECKING:
    from orechain.ledger.documents import DocumentStore
    from orechain.ledger.service import Ledger

__all__ = ["PACK_KIND", "PackReport", "build_pack", "pack_events", "verify_pack"]

PACK_KIND = "orechain-evidence-pack/v1"
KEY_EVENTS = (ev.RegisterOrg, ev.RotateKey, ev.RevokeKey)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Fixed member time, so the same lot and checkpoint always give the same zip bytes."""
VERDICT_RULES = ("chain-unbroken", "assay-before-export", "dfars-2027")
"""Rules run for ``compliance.json`` (those that need no parameters)."""


def _lots_upstream(state: LedgerState, lot_id: str) -> list[str]:
    seen, queue = [lot_id], [lot_id]
    while queue:
        for parent, _ in state.lot(queue.pop()).parents:
            if parent not in seen:
                seen.append(parent)
                queue.append(parent)
    return seen


def _signers_closure(state: LedgerState, actors: set[str]) -> set[str]:
    """Organisations whose key events are needed: the actors and who registered them."""
    registrars: dict[str, set[str]] = {}
    for e in state.events.values():
        if isinstance(e, KEY_EVENTS):
            registrars.setdefault(e.org_id, set()).add(e.actor)
    orgs: set[str] = set()
    todo = list(actors)
    while todo:
        org = todo.pop()
        if org not in orgs:
            orgs.add(org)
            todo.extend(registrars.get(org, ()))
    return orgs


def pack_events(state: LedgerState, lot_id: str) -> list[str]:
    """Event ids a pack of ``lot_id`` holds, in log order (see the module docstring)."""
    ids: set[str] = set()
    for lot in _lots_upstream(state, lot_id):
        ids.update(state.lots[lot].events)
        ids.add(state.lots[lot].created_by)
    sites = {
        getattr(state.events[i], a)
        for i in ids
        for a in ("site_id", "from_site", "to_site")
        if hasattr(state.events[i], a)
    }
    ids.update(
        i for i, e in state.events.items() if isinstance(e, ev.RegisterSite) and e.site_id in sites
    )
    orgs = _signers_closure(state, {state.events[i].actor for i in ids})
    ids.update(i for i, e in state.events.items() if isinstance(e, KEY_EVENTS) and e.org_id in orgs)
    return sorted(ids, key=state.event_index.__getitem__)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), members[name])
    return buf.getvalue()


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=1, sort_keys=True).encode()


def _verdicts(state: LedgerState, lot_id: str) -> list[dict[str, Any]]:
    from orechain.ledger.compliance import run_rule

    out = []
    for rule in VERDICT_RULES:
        r = run_rule(state, lot_id, rule)
        out.append({"rule": rule, "passed": r.passed, "reason": r.reason})
    return out


def _pick_checkpoint(ledger: Ledger, need: int, note: str | None) -> tuple[str, Checkpoint]:
    if note is None:
        found = [n for s, n in ledger.store.checkpoints() if s >= need]
        if not found:
            msg = "no checkpoint covers the lot's events; run `orechain ledger checkpoint`"
            raise InputError(msg)
        note = found[-1]
    cp = verify_checkpoint(note, ledger.origin, ledger.log_public_key)
    if cp.tree_size < need or ledger.tree.root(cp.tree_size) != cp.root_hash:
        msg = f"checkpoint at size {cp.tree_size} does not cover this ledger's lot events"
        raise InputError(msg)
    return note, cp


def build_pack(
    ledger: Ledger,
    lot_id: str,
    store: DocumentStore,
    *,
    checkpoint: str | None = None,
    withhold: tuple[str, ...] = (),
) -> bytes:
    """The evidence pack (zip bytes) of ``lot_id``.

    Parameters
    ----------
    checkpoint
        Signed (possibly cosigned) note to prove against; default the latest stored one.
    withhold
        Document kinds to leave out (their hashes stay in the manifest).
    """
    state = ledger.state
    ids = pack_events(state, lot_id)
    note, cp = _pick_checkpoint(ledger, max(state.event_index[i] for i in ids) + 1, checkpoint)
    members: dict[str, bytes] = {"checkpoint.txt": note.encode()}
    listed = []
    for event_id in ids:
        entry = ledger.entry(event_id)
        proof = ledger.tree.inclusion_proof(entry.index, cp.tree_size)
        members[f"envelopes/{entry.index}.json"] = entry.envelope
        members[f"proofs/{entry.index}.json"] = _json(
            {
                "leaf_index": entry.index,
                "tree_size": cp.tree_size,
                "inclusion_path": [base64.b64encode(h).decode() for h in proof],
            }
        )
        listed.append(
            {"event_id": event_id, "leaf_index": entry.index, "type": state.events[event_id].name}
        )
    docs = _pack_documents(state, ids, store, withhold, members)
    keys_doc = _org_keys(state, ids)
    members["keys.json"] = _json(keys_doc)
    verdicts = _verdicts(state, lot_id)
    members["compliance.json"] = _json(verdicts)
    manifest = {
        "kind": PACK_KIND,
        "lot_id": lot_id,
        "origin": ledger.origin,
        "vkey": ledger.vkey,
        "tree_size": cp.tree_size,
        "events": listed,
        "documents": docs,
    }
    members["manifest.json"] = _json(manifest)
    members["summary.html"] = _summary(manifest, state, verdicts, keys_doc).encode()
    return _zip(members)


def _pack_documents(
    state: LedgerState,
    ids: list[str],
    store: DocumentStore,
    withhold: tuple[str, ...],
    members: dict[str, bytes],
) -> list[dict[str, Any]]:
    from orechain.ledger.documents import document_refs

    out: dict[str, dict[str, Any]] = {}
    for event_id, ref in document_refs(state.events[i] for i in ids):
        row = out.setdefault(ref["sha256"], {**ref, "events": [], "status": "withheld"})
        row["events"].append(event_id)
        data = None if ref["kind"] in withhold else store.get(ref["sha256"])
        if data is not None and hashlib.sha256(data).hexdigest() == ref["sha256"]:
            members[f"documents/{ref['sha256']}"] = data
            row["status"] = "included"
    return list(out.values())


def _org_keys(state: LedgerState, ids: list[str]) -> dict[str, dict[str, str]]:
    orgs = {e.org_id for e in (state.events[i] for i in ids) if isinstance(e, KEY_EVENTS)}
    return {
        o: {k: base64.b64encode(r.public).decode() for k, r in state.orgs[o].keys.items()}
        for o in sorted(orgs)
    }


def _summary(
    manifest: dict[str, Any],
    state: LedgerState,
    verdicts: list[dict[str, Any]],
    keys_doc: dict[str, dict[str, str]],
) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td>{e['leaf_index']}</td><td>{esc(e['event_id'])}</td><td>{esc(e['type'])}</td>"
        f"<td>{esc(state.events[e['event_id']].actor)}</td></tr>"
        for e in manifest["events"]
    )
    docs = "".join(
        f"<tr><td>{esc(d['kind'])}</td><td><code>{d['sha256']}</code></td>"
        f"<td>{esc(d['status'])}</td></tr>"
        for d in manifest["documents"]
    )
    rules = "".join(
        f"<li>{'PASS' if v['passed'] else 'FAIL'} {esc(v['rule'])}: {esc(v['reason'])}</li>"
        for v in verdicts
    )
    orgs = "".join(f"<li>{esc(o)}: {', '.join(sorted(k))}</li>" for o, k in keys_doc.items())
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Evidence pack "
        f"{esc(manifest['lot_id'])}</title></head><body><h1>Evidence pack of lot "
        f"{esc(manifest['lot_id'])}</h1><p>Log {esc(manifest['origin'])}, checkpoint at size "
        f"{manifest['tree_size']}. Check it offline: <code>orechain ledger verify-pack "
        f"PACK.zip --vkey KEY</code>.</p><h2>Events</h2><table><tr><th>leaf</th><th>event</th>"
        f"<th>type</th><th>signed by</th></tr>{rows}</table><h2>Documents</h2><table>"
        f"<tr><th>kind</th><th>SHA-256</th><th>status</th></tr>{docs}</table>"
        f"<h2>Compliance</h2><ul>{rules}</ul><h2>Organisations and key ids</h2><ul>{orgs}</ul>"
        "</body></html>\n"
    )


@dataclass(frozen=True)
class PackReport:
    """What :func:`verify_pack` established."""

    lot_id: str
    tree_size: int
    events: int
    signers: dict[str, str] = field(default_factory=dict)
    """Event id → organisation whose key signed it."""
    documents_included: int = 0
    documents_withheld: int = 0
    witnesses: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _fail(what: str, reason: str) -> IntegrityError:
    return IntegrityError(f"{what}: {reason}")


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise _fail(name, "missing from the pack") from None


WitnessCheck = Callable[[str], tuple[Checkpoint, list[str]]]
"""Accepts a checkpoint note under a witness policy: (checkpoint, witnesses that cosigned)."""


def _read_json(zf: zipfile.ZipFile, name: str) -> Any:
    try:
        return json.loads(_read(zf, name))
    except (ValueError, UnicodeDecodeError):
        raise _fail(name, "not valid JSON") from None


def _check_checkpoint(
    note: str, vkey: str, witnessed: WitnessCheck | None
) -> tuple[Checkpoint, list[str]]:
    name, public = parse_vkey(vkey)
    try:
        cp = verify_checkpoint(note, name, public)
        return (cp, []) if witnessed is None else witnessed(note)
    except OreChainError as exc:
        msg = "checkpoint.txt"
        raise _fail(msg, str(exc)) from None


def _check_leaf(zf: zipfile.ZipFile, item: dict[str, Any], cp: Checkpoint) -> SignedEnvelope:
    index = int(item["leaf_index"])
    name = f"envelopes/{index}.json"
    data = _read(zf, name)
    proof = _read_json(zf, f"proofs/{index}.json")
    if not isinstance(proof, dict) or proof.get("leaf_index") != index:
        where = f"proofs/{index}.json"
        raise _fail(where, f"is not the proof of leaf {index}")
    try:
        path = [base64.b64decode(h, validate=True) for h in proof["inclusion_path"]]
    except (ValueError, KeyError, TypeError):
        msg = f"proofs/{index}.json"
        raise _fail(msg, "malformed inclusion path") from None
    if proof.get("tree_size") != cp.tree_size or not verify_inclusion(
        leaf_hash(data), index, cp.tree_size, path, cp.root_hash
    ):
        raise _fail(
            name, f"not proven at leaf {index} under the checkpoint (envelope or proof altered)"
        )
    try:
        env = open_envelope(data, source=name, require_canonical=True)
    except OreChainError as exc:
        raise _fail(name, str(exc)) from None
    if env.event.event_id != item["event_id"]:
        raise _fail(
            name, f"holds event {env.event.event_id!r}, the manifest says {item['event_id']!r}"
        )
    return env


def _check_signer(state: LedgerState, env: SignedEnvelope, index: int, first: bool) -> None:
    """Who signed: a key of the actor valid at the log's receipt time (genesis at leaf 0)."""
    e = env.event
    if first and not (isinstance(e, ev.RegisterOrg) and index == 0):
        msg = f"envelopes/{index}.json"
        raise _fail(msg, "the pack must start with the log's genesis registration (leaf 0)")
    try:
        acceptance.check_signature(state, env)
    except OreChainError as exc:
        msg = f"envelopes/{index}.json"
        raise _fail(msg, f"signature of {e.event_id!r}: {exc}") from None
    if isinstance(e, KEY_EVENTS):
        acceptance.apply_event(state, e, DEFAULT_POLICY, acceptance.receipt_time(env))


def _check_keys(zf: zipfile.ZipFile, state: LedgerState) -> None:
    given = _read_json(zf, "keys.json")
    if not isinstance(given, dict) or not all(isinstance(v, dict) for v in given.values()):
        where, reason = "keys.json", "expected {org: {key id: public key}}"
        raise _fail(where, reason)
    want = {
        o: {k: base64.b64encode(r.public).decode() for k, r in org.keys.items()}
        for o, org in sorted(state.orgs.items())
    }
    for org, keys_ in given.items():
        for kid, public in keys_.items():
            if want.get(org, {}).get(kid) != public:
                msg = "keys.json"
                raise _fail(msg, f"key {kid} of {org!r} differs from its registration")
    if given != want:
        msg = "keys.json"
        raise _fail(msg, "does not list exactly the keys the registrations set")


def _check_documents(
    zf: zipfile.ZipFile, manifest: dict[str, Any], envs: list[SignedEnvelope]
) -> tuple[int, int]:
    from orechain.ledger.documents import document_refs

    listed = {d["sha256"]: d for d in manifest.get("documents", [])}
    included = withheld = 0
    for event_id, ref in document_refs(e.event for e in envs):
        name = f"documents/{ref['sha256']}"
        if name in zf.namelist():
            data = zf.read(name)
            if hashlib.sha256(data).hexdigest() != ref["sha256"]:
                raise _fail(name, f"content does not hash to the value event {event_id!r} signed")
        elif listed.get(ref["sha256"], {}).get("status") != "withheld":
            raise _fail(name, f"referenced by {event_id!r}, neither included nor listed withheld")
    for name in zf.namelist():
        if name.startswith("documents/"):
            if hashlib.sha256(zf.read(name)).hexdigest() != name.removeprefix("documents/"):
                raise _fail(name, "content does not hash to its name")
            included += 1
    withheld = sum(1 for d in listed.values() if d.get("status") == "withheld")
    return included, withheld


def _check_lot(lot_id: str, envs: list[SignedEnvelope]) -> None:
    """The lot the manifest names is one the proven events touch or create."""
    for env in envs:
        e = env.event
        made = [getattr(e, "lot", None), getattr(e, "output", None), *getattr(e, "outputs", ())]
        if lot_id in e.touched_lots() or any(x is not None and x.lot_id == lot_id for x in made):
            return
    msg = "manifest.json"
    raise _fail(msg, f"no proven event concerns lot {lot_id!r}")


def verify_pack(data: bytes, vkey: str, witnessed: WitnessCheck | None = None) -> PackReport:
    """Check an evidence pack offline; raise naming the first failure.

    ``witnessed`` accepts the checkpoint only with a witness quorum, e.g.
    ``lambda note: verify_with_policy(note, policy)``
    (:func:`orechain.transparency.policy.verify_with_policy`).

    Raises
    ------
    IntegrityError
        ``<member>: <reason>`` for the first member that fails.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        msg = "pack"
        raise _fail(msg, f"not a zip file ({exc})") from None
    with zf:
        manifest = _read_json(zf, "manifest.json")
        if manifest.get("kind") != PACK_KIND:
            msg = "manifest.json"
            raise _fail(msg, f"not an {PACK_KIND}")
        note = _read(zf, "checkpoint.txt").decode("utf-8", errors="replace")
        cp, witnesses = _check_checkpoint(note, vkey, witnessed)
        state, envs, signers = LedgerState(), [], {}
        last = -1
        for n, item in enumerate(manifest["events"]):
            if int(item["leaf_index"]) <= last:
                msg = "manifest.json"
                raise _fail(msg, "events are not in log order")
            last = int(item["leaf_index"])
            env = _check_leaf(zf, item, cp)
            _check_signer(state, env, int(item["leaf_index"]), n == 0)
            envs.append(env)
            signers[env.event.event_id] = env.event.actor
        _check_keys(zf, state)
        _check_lot(manifest["lot_id"], envs)
        included, withheld = _check_documents(zf, manifest, envs)
    return PackReport(
        manifest["lot_id"], cp.tree_size, len(envs), signers, included, withheld, witnesses
    )
