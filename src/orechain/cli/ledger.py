"""``orechain ledger …``: chain-of-custody ledger commands (thin layer over orechain.ledger).

Every command takes ``--db PATH_OR_URL`` (a SQLite path or a ``postgresql://``
URL) and ``--json``; any :class:`~orechain.errors.OreChainError` becomes one line
on stderr and exit code 2 (``check`` exits 1 when a rule fails).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from orechain.cli.group import DefaultCommandGroup
from orechain.cli.ledger_io import _load_key, _passphrase, _read_docs, _read_file
from orechain.cli.output import emit_json, print_table
from orechain.errors import ConflictError, InputError, IntegrityError
from orechain.ledger.vocab import roles_help, rules_help
from orechain.settings import Settings
from orechain.stages import SITE_KINDS, STAGE_IDS

app = typer.Typer(help="Chain-of-custody ledger: events, provenance, proofs, audit.")
org_app = typer.Typer(help="Organisations (registered by signed register-org events).")
site_app = typer.Typer(help="Sites (registered by signed register-site events).")
proof_app = typer.Typer(help="Inclusion and consistency proofs (RFC 9162) as JSON files.")


class _LotGroup(DefaultCommandGroup):
    """``orechain ledger lot LOT`` means ``lot show LOT``."""

    default_command = "show"


lot_app = typer.Typer(cls=_LotGroup, help="One lot: show, trace (graph) or origin (shares).")
app.add_typer(org_app, name="org")
app.add_typer(site_app, name="site")
app.add_typer(lot_app, name="lot")
app.add_typer(proof_app, name="proof")

DB_HELP = "Ledger database: SQLite path or postgresql:// URL (default: ORECHAIN_DATABASE_URL "
DB_HELP += "or ledger.db in the user data dir)."
DbOpt = typer.Option(None, "--database-url", "--db", help=DB_HELP)
JsonOpt = typer.Option(False, "--json", help="Print one JSON document.")
SignerOpt = typer.Option(..., "--key", help="Private key (PEM) of the acting organisation.")
TimeOpt = typer.Option(None, help="Event time, RFC 3339 (default: now).")
ROLE_HELP = f"{roles_help()} (repeatable)."
KIND_HELP = ", ".join(SITE_KINDS) + "."
PUBKEY_HELP = "The new org's public key, base64 or a PEM private key file "
PUBKEY_HELP += "(default: that of --key, for self-registration)."
RULE_HELP = rules_help()
CP_HELP = "Signed checkpoint to check against (default: the bundle's)."
VKEY_HELP = "Log verifier key (name+hash+key) or a file with it; default: read from --db, "
VKEY_HELP += "which trusts that database."


def _url(db: str | None) -> str:
    return db or Settings.from_env().database_url


def _key_path(url: str, key: Path | None) -> Path:
    from orechain.settings import log_key_path_for

    return key if key is not None else log_key_path_for(url)


PASS_HELP = "Passphrase-encrypted keys: read the passphrase from ORECHAIN_KEY_PASSPHRASE, "
PASS_HELP += "else ask on the terminal."


def _open(db: str | None) -> Any:
    from orechain.ledger.service import Ledger

    return Ledger.open(_url(db))


def _show(out: dict[str, Any], as_json: bool, title: str | None = None) -> None:
    emit_json(out) if as_json else print_table([out], [(k, k) for k in out], title=title)


def _rows(rows: list[dict[str, Any]], as_json: bool, title: str | None = None) -> None:
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, [(k, k) for k in rows[0]] if rows else [], title=title)


def _sign_submit(db: str | None, event: dict[str, Any], key: Path, as_json: bool) -> None:
    from orechain.ledger.envelope import sign_event

    private = _load_key(key)
    with _open(db) as led:
        env = sign_event(event, private, origin=led.origin)
        _show(led.submit(env, source=event["event_id"]).to_dict(), as_json, event["type"])


@app.command()
def init(
    db: str | None = DbOpt,
    origin: str = typer.Option("orechain.local/ledger", help="Log origin line of checkpoints."),
    sample_data: bool = typer.Option(False, "--sample", help="Load the illustrative sample."),
    log_key: Path | None = typer.Option(None, help="Where to write the log's private key."),
    as_json: bool = JsonOpt,
) -> None:
    """Create a ledger (and its log key); --sample loads the labelled demo corridor."""
    from orechain.ledger import keys, sample
    from orechain.ledger.log import create_checkpoint
    from orechain.ledger.service import Ledger

    url = _url(db)
    key = sample.log_key() if sample_data else keys.generate_key()
    path = _key_path(url, log_key)
    if path.exists():
        msg = f"log key file {path} already exists; refusing to overwrite it (use --log-key)"
        raise ConflictError(msg)
    with Ledger.create(url, sample.ORIGIN if sample_data else origin, key) as led:
        keys.save_private_key(key, path)
        if sample_data:
            sample.load(led)
            create_checkpoint(led, key)
        label = sample.LABEL if sample_data else None
        out = {"database": url, "origin": led.origin, "vkey": led.vkey, "log_key": str(path),
               "tree_size": led.tree.size, "label": label}  # fmt: skip
    _show(out, as_json, "ledger")


@app.command()
def keygen(
    out: Path = typer.Option(..., "--out", help="Write the private key here (PEM, mode 0600)."),
    encrypt: bool = typer.Option(False, "--encrypt", help="Encrypt it (PKCS#8). " + PASS_HELP),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing key file."),
    as_json: bool = JsonOpt,
) -> None:
    """Make an Ed25519 key pair for an organisation; print its key id and public key.

    An existing file is never overwritten unless --force is given.
    """
    from orechain.ledger import keys

    if out.exists() and not force:
        msg = f"{out} already exists; refusing to overwrite a key file (use --force)"
        raise ConflictError(msg)
    key = keys.generate_key()
    secret = _passphrase(confirm=True) if encrypt else None
    keys.save_private_key(key, out, passphrase=secret, overwrite=force)
    info = {"key_file": str(out), "key_id": keys.key_id(keys.public_bytes(key)),
            "public_key": keys.public_b64(key), "encrypted": encrypt}  # fmt: skip
    _show(info, as_json, "key")


@app.command("rotate-key")
def rotate_key(
    org_id: str,
    new_key: str = typer.Option(..., help="The new key: a PEM private key file or base64."),
    key: Path = SignerOpt,
    actor: str | None = typer.Option(None, help="Acting organisation (default: ORG_ID)."),
    valid_until: str | None = typer.Option(None, help="Expiry of the new key, RFC 3339."),
    time: str | None = TimeOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Add a key to an organisation (signed by a current key of it or of a registrar).

    The new key is valid from the time the log receives this event; the old one
    stays valid until `revoke-key`.
    """
    from orechain.ledger.registry import rotate_key_event

    public = _public_key(new_key, key)
    event = rotate_key_event(org_id, public, actor=actor, time=time, valid_until=valid_until)
    _sign_submit(db, event, key, as_json)


@app.command("revoke-key")
def revoke_key(
    org_id: str,
    key_id: str = typer.Argument(..., help="Key id (16 hex digits) to revoke."),
    key: Path = SignerOpt,
    reason: str = typer.Option("", help="Why (e.g. 'key stolen', 'rotation')."),
    revoked_at: str | None = typer.Option(
        None, help="Revoke from this RFC 3339 time (default: when the log receives it)."
    ),
    actor: str | None = typer.Option(None, help="Acting organisation (default: ORG_ID)."),
    time: str | None = TimeOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Revoke an organisation's key: the log refuses it for every event it receives after.

    Backdating an event does not help a key thief: keys are judged at the log's
    receipt time, not at the time written in the event.
    """
    from orechain.ledger.registry import revoke_key_event

    event = revoke_key_event(org_id, key_id, reason=reason, revoked_at=revoked_at, actor=actor,
                             time=time)  # fmt: skip
    _sign_submit(db, event, key, as_json)


def _public_key(value: str | None, signer: Path) -> str:
    from orechain.ledger import keys

    if value is None:
        return keys.public_b64(_load_key(signer))
    if Path(value).is_file():
        return keys.public_b64(_load_key(Path(value)))
    return value


@org_app.command("add")
def org_add(
    org_id: str,
    name: str = typer.Option(..., help="Legal name."),
    country: str = typer.Option(..., help="ISO 3166-1 alpha-3 code."),
    role: list[str] = typer.Option(..., "--role", help=ROLE_HELP),
    key: Path = SignerOpt,
    actor: str | None = typer.Option(None, help="Registering organisation (default: ORG_ID)."),
    public_key: str | None = typer.Option(None, help=PUBKEY_HELP),
    time: str | None = TimeOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Register an organisation (signed by --key; the first must self-register as registrar)."""
    from orechain.ledger.registry import register_org_event

    pub = _public_key(public_key, key)
    event = register_org_event(org_id, name, country, role, pub, actor=actor, time=time)
    _sign_submit(db, event, key, as_json)


@site_app.command("add")
def site_add(
    site_id: str,
    name: str = typer.Option(..., help="Site name."),
    kind: str = typer.Option(..., help=KIND_HELP),
    country: str = typer.Option(..., help="ISO 3166-1 alpha-3 code."),
    operator: str = typer.Option(..., help="Operating organisation id."),
    key: Path = SignerOpt,
    actor: str | None = typer.Option(None, help="Registering organisation (default: operator)."),
    lat: float | None = typer.Option(None, help="Latitude in decimal degrees (WGS 84)."),
    lon: float | None = typer.Option(None, help="Longitude in decimal degrees (WGS 84)."),
    time: str | None = TimeOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Register a site (signed by --key of its operator or a registrar)."""
    from orechain.ledger.registry import register_site_event

    event = register_site_event(site_id, name, kind, country, operator, actor=actor, time=time,
                                latitude=lat, longitude=lon)  # fmt: skip
    _sign_submit(db, event, key, as_json)


@site_app.command("attest")
def site_attest(
    site_id: str,
    kind: str = typer.Option(..., help="The kind you checked; must be the registered one."),
    country: str = typer.Option(..., help="The country you checked (ISO 3166-1 alpha-3)."),
    actor: str = typer.Option(..., help="Attesting registrar or certifier (not the operator)."),
    reference: str = typer.Option("", help="Audit report or permit you checked."),
    key: Path = SignerOpt,
    time: str | None = TimeOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Attest a site's kind and country (signed by --key of a registrar or certifier).

    Rules such as dfars-2027 and chain-unbroken fail a lot made at a site nobody attested.
    """
    from orechain.ledger.registry import attest_site_event

    event = attest_site_event(site_id, kind, country, actor, reference=reference, time=time)
    _sign_submit(db, event, key, as_json)


@app.command()
def submit(
    file: Path = typer.Argument(..., help="Envelope JSON, or JSON Lines for bulk; - for stdin."),
    key: Path | None = typer.Option(None, help="Sign unsigned events with this private key."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Check, sign (with --key) and append events; all of a file or none."""
    from orechain.ledger.envelope import sign_event

    docs = _read_docs(file)
    private = _load_key(key) if key is not None else None
    with _open(db) as led:
        if private is not None:
            docs = [
                d if "signature" in d else sign_event(d, private, origin=led.origin) for d in docs
            ]
        receipts = led.submit_many(docs, sources=[f"{file}:{i + 1}" for i in range(len(docs))])
    _rows([r.to_dict() for r in receipts], as_json)


def _note(event: Any) -> str:
    """What a correction changed, for the lot's history (others: empty)."""
    if event.name != "correct":
        return ""
    changed = f"mass of {event.lot_id} → {event.quantity_t:g} t; " if event.quantity_t else ""
    changed += f"grades {event.grades}; " if event.grades else ""
    return f"corrects {event.corrects}: {changed}{event.reason}"


@lot_app.command("show")
def lot_show(lot_id: str, db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Mass, basis, custodian, site, status (destination in transit), grades and events.

    Each event shows the time its signer wrote and the time the log received it;
    a correction (of grades or of the lot's mass) shows what it changed and why.
    """
    from orechain.ledger.events import format_time

    with _open(db) as led:
        state = led.state
        x = state.lot(lot_id)
        out = {"lot_id": x.lot_id, "product": x.product, "commodity": x.commodity,
               "quantity_t": x.quantity_t, "remaining_t": x.remaining_t, "basis": x.basis,
               "custodian": x.custodian, "site_id": x.site_id, "status": x.status,
               "destination": x.destination, "grades": x.grades, "events": x.events}  # fmt: skip
        history = [
            {"event_id": e, "type": state.events[e].name,
             "event_time": format_time(state.events[e].time),
             "received_at": format_time(state.received[e]) if e in state.received else None,
             "corrections": ", ".join(state.corrections.get(e, [])),
             "note": _note(state.events[e])}
            for e in x.events
        ]  # fmt: skip
    if as_json:
        emit_json({**out, "history": history})
        return
    print_table([out], [(k, k) for k in out if k != "events"])
    _rows(history, False, f"events of {lot_id}")


@lot_app.command("trace")
def lot_trace(lot_id: str, db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Upstream graph back to extraction and downstream graph (recall scope)."""
    from orechain.ledger.provenance import downstream, upstream

    with _open(db) as led:
        up = [asdict(e) for e in upstream(led.state, lot_id)]
        down = [asdict(e) for e in downstream(led.state, lot_id)]
    if as_json:
        emit_json({"lot_id": lot_id, "upstream": up, "downstream": down})
        return
    for title, rows in (("upstream", up), ("downstream", down)):
        _rows(rows, False, f"{title} of {lot_id}")


def _origin_rows(shares: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    return [{"stage": s, "country": c, "share": round(v, 4)}
            for s, row in shares.items() for c, v in row.items()]  # fmt: skip


@lot_app.command("origin")
def lot_origin(
    lot_id: str,
    element: str | None = typer.Option(
        None, help="Weight blends by this assayed element's content (e.g. NdPr) instead of mass."
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Origin shares by value-chain stage and country, propagated through blends.

    Blends weigh their inputs by mass, or with --element by the element's assayed
    content; the output says which, and where mass stood in for a missing assay.
    """
    from orechain.ledger.provenance import origin_report

    with _open(db) as led:
        out = origin_report(led.state, lot_id, element)
    if as_json:
        emit_json(out)
        return
    title = f"origin of {lot_id}, blends weighted by {out['weighted_by']}"
    if out["mass_weighted_at"]:
        at = ", ".join(out["mass_weighted_at"])
        title += f" (by mass at {at}: an input lacks a {element} assay)"
    shares = out["origin_shares"]
    _rows(_origin_rows(shares), False, title)


@app.command()
def provenance(lot_id: str, db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Origin shares and the upstream/downstream graphs in one document (lot origin + trace)."""
    from orechain.ledger.provenance import downstream, origin_shares, upstream

    with _open(db) as led:
        state = led.state
        out: dict[str, Any] = {"lot_id": lot_id, "origin_shares": origin_shares(state, lot_id),
               "upstream": [asdict(e) for e in upstream(state, lot_id)],
               "downstream": [asdict(e) for e in downstream(state, lot_id)]}  # fmt: skip
    if as_json:
        emit_json(out)
    else:
        _rows(_origin_rows(out["origin_shares"]), False, f"origin of {lot_id}")


@app.command()
def check(
    lot_id: str,
    rule: str = typer.Option(..., "--rule", help=RULE_HELP),
    threshold: float | None = typer.Option(None, help="min-verified-share: share 0..1 [-]."),
    countries: str | None = typer.Option(
        None, help="restricted-stage-origin (or to override a preset): ISO3 codes, CHN,RUS."
    ),
    stages: str | None = typer.Option(
        None, help="restricted-stage-origin: stages, comma-separated: " + ", ".join(STAGE_IDS)
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run a compliance rule; on failure print the breaking path and exit 1.

    Each rule takes only its own parameters; anything else is an error (exit 2).
    """
    from orechain.ledger.compliance import CITATIONS, run_rule

    params = {"threshold": threshold, "countries": countries, "stages": stages}
    with _open(db) as led:
        result = run_rule(led.state, lot_id, rule, **params)
    cite = CITATIONS.get(rule, "")
    if as_json:
        emit_json(asdict(result))
    else:
        typer.echo(f"{'PASS' if result.passed else 'FAIL'} {rule} {lot_id}: {result.reason}")
        if cite:
            typer.echo(f"source: {cite}")
        if result.path:
            print_table(result.path, [(k, k) for k in result.path[0]], title="path")
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def crma(
    buyer: str = typer.Argument(..., help="Buying organisation id."),
    period: str = typer.Option(..., help="YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD/YYYY-MM-DD."),
    threshold: float = typer.Option(0.65, help="Largest share allowed from one third country."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """EU CRMA benchmark over a buyer's lots in a period; exit 1 if one third country dominates.

    Regulation (EU) 2024/1252 Art. 5(1)(d): no more than 65 % of a strategic raw
    material at any stage from a single third country. Shares are by mass,
    through blends, over the lots transferred to BUYER in PERIOD.
    """
    from orechain.ledger.compliance import crma_concentration
    from orechain.ledger.custody_period import parse_period

    with _open(db) as led:
        result = crma_concentration(led.state, buyer, parse_period(period), threshold)
    if as_json:
        emit_json(asdict(result))
    else:
        verdict = "PASS" if result.passed else "FAIL"
        typer.echo(f"{verdict} {result.rule} {buyer} {result.period}: {result.reason}")
        typer.echo(f"source: {result.citation}; lots: {', '.join(result.lots) or 'none'}")
        _rows(_origin_rows(result.shares), False, "shares by stage and country")
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def massbalance(
    site_id: str,
    period: str = typer.Option(..., help="YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD/YYYY-MM-DD."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """ISO 22095 custody accounting of a site over a period: steps, credits, claims, models."""
    from orechain.ledger.custody_models import site_report
    from orechain.ledger.custody_period import parse_period

    with _open(db) as led:
        report = site_report(led.state, site_id, parse_period(period))
    if as_json:
        emit_json(asdict(report))
        return
    _rows(report.steps, False, f"{site_id} {report.period}: steps")
    _rows([{"model": m, **v} for m, v in report.models.items()], False, "ISO 22095 models")
    over = f"; OVERDRAWN after {report.overdraft_at}" if report.overdraft_at else ""
    typer.echo(f"credits {report.credits_t:.6g} t, claimed {report.claimed_t:.6g} t, "
               f"closing balance {report.closing_balance_t:.6g} t{over}")  # fmt: skip
    if report.element_accounts:
        rows = [{"element": e, **v} for e, v in report.element_accounts.items()]
        _rows(rows, False, "element accounts [t of the element]")


@app.command()
def checkpoint(
    db: str | None = DbOpt, log_key: Path | None = typer.Option(None), as_json: bool = JsonOpt
) -> None:
    """Sign a checkpoint over all committed entries and print it (C2SP tlog-checkpoint)."""
    from orechain.ledger.log import create_checkpoint

    url = _url(db)
    with _open(db) as led:
        note = create_checkpoint(led, _load_key(_key_path(url, log_key)))
    emit_json({"checkpoint": note}) if as_json else typer.echo(note, nl=False)


@proof_app.command("inclusion")
def proof_inclusion(
    event: str = typer.Argument(
        ..., help="Event id, or a leaf index (event ids are never all digits)."
    ),
    db: str | None = DbOpt,
) -> None:
    """Inclusion proof bundle (always JSON) of an event under the first checkpoint covering it."""
    from orechain.ledger.log import inclusion_bundle

    with _open(db) as led:
        emit_json(inclusion_bundle(led, event))


@proof_app.command("consistency")
def proof_consistency(
    old: int = typer.Argument(..., help="Older tree size."),
    new: int | None = typer.Argument(None, help="Newer tree size (default: current)."),
    db: str | None = DbOpt,
) -> None:
    """Consistency proof bundle (always JSON) from tree size OLD to NEW, with checkpoints."""
    from orechain.ledger.log import consistency_bundle

    with _open(db) as led:
        emit_json(consistency_bundle(led, old, new))


def _vkey(vkey: str | None, db: str | None) -> str:
    if vkey is None:
        with _open(db) as led:  # trusting the database's own key: say so in the help
            return str(led.vkey)
    return Path(vkey).read_text().strip() if Path(vkey).is_file() else vkey


@app.command()
def verify(
    proof: Path = typer.Option(..., help="Proof bundle from `proof inclusion|consistency`."),
    checkpoint_file: Path | None = typer.Option(None, "--checkpoint", help=CP_HELP),
    old_checkpoint: Path | None = typer.Option(None, help="Older checkpoint (consistency)."),
    vkey: str | None = typer.Option(None, help=VKEY_HELP),
    witness_policy: Path | None = typer.Option(
        None,
        "--witness-policy",
        help="tlog-policy file: accept the checkpoint only with its witness quorum "
        "(the log key then comes from the policy unless --vkey is given).",
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Verify a proof offline: needs only the log's verifier key and the files."""
    from orechain.ledger.canonical import parse_json
    from orechain.ledger.verify import verify_consistency_bundle, verify_inclusion_bundle

    bundle = parse_json(_read_file(proof), source=str(proof))
    if not isinstance(bundle, dict):
        msg = "a proof bundle must be a JSON object"
        raise InputError(msg, source=str(proof))
    cp_text = checkpoint_file.read_text(encoding="utf-8") if checkpoint_file else None
    witnesses: list[str] | None = None
    if witness_policy is not None:
        cp_text, policy_key, witnesses = _witnessed(bundle, cp_text, witness_policy)
        vkey = vkey or policy_key
    key = _vkey(vkey, db)
    if str(bundle.get("kind", "")).startswith("orechain-consistency"):
        old_text = old_checkpoint.read_text(encoding="utf-8") if old_checkpoint else None
        old, new = verify_consistency_bundle(bundle, key, old_text, cp_text)
        out: dict[str, Any] = {"ok": True, "old_size": old.tree_size, "new_size": new.tree_size}
    else:
        res = verify_inclusion_bundle(bundle, key, cp_text)
        out = res.to_dict()
    cosigned = "" if witnesses is None else f"; witness quorum met: {', '.join(witnesses)}"
    if witnesses is not None:
        out["witnesses"] = witnesses
    if as_json:
        emit_json(out)
    elif "leaf_index" in out:
        what = (
            f"event {res.event_id} ({res.event_type} by {res.actor}, key {res.key_id})"
            if res.event_id
            else f"leaf hash {out['leaf_hash']} (event body withheld: its id is not proven)"
        )
        typer.echo(
            f"OK {what} is leaf {res.leaf_index} of the log at size {out['tree_size']}{cosigned}"
        )
    else:
        typer.echo(
            f"OK the log at size {out['new_size']} extends the log at size "
            f"{out['old_size']}{cosigned}"
        )


def _witnessed(
    bundle: dict[str, Any], cp_text: str | None, policy_file: Path
) -> tuple[str, str, list[str]]:
    """The checkpoint, the policy's key of the log that signed it, and the cosigning witnesses.

    Raises IntegrityError unless a log of the policy signed the checkpoint and
    the policy's witness quorum cosigned it.
    """
    from orechain.transparency.policy import load_policy, signing_log, verify_with_policy

    policy = load_policy(policy_file)
    note = cp_text if cp_text is not None else bundle.get("checkpoint")
    if not isinstance(note, str):
        msg = "no checkpoint: pass --checkpoint or use a bundle that embeds it"
        raise InputError(msg, field="checkpoint")
    _, witnesses = verify_with_policy(note, policy)
    return note, signing_log(note, policy)[1], witnesses


@app.command()
def audit(
    db: str | None = DbOpt,
    vkey: str | None = typer.Option(None, help="Trusted log verifier key (default: stored)."),
    as_json: bool = JsonOpt,
) -> None:
    """Recompute the log and state from storage; fail naming the first bad index.

    Also checks every document the events reference: one whose stored bytes do
    not hash to the reference fails the audit; a missing one is listed (it may
    be confidential and held elsewhere).
    """
    from orechain.ledger.audit import audit as run_audit
    from orechain.ledger.checkpoint import parse_vkey
    from orechain.ledger.documents import audit_documents, open_document_store

    with _open(db) as led:
        report = run_audit(led, parse_vkey(vkey)[1] if vkey else None)
        store = open_document_store(_url(db))
        try:
            docs = audit_documents(led.state, store) if report.ok else None
        finally:
            store.close()
    if as_json:
        emit_json({**asdict(report), "documents": asdict(docs) if docs else None})
    if not report.ok:
        msg = f"audit failed at index {report.first_bad_index}: {report.reason}"
        raise IntegrityError(msg)
    if docs is not None and not docs.ok:
        bad = docs.mismatching[0]
        msg = f"document {bad['sha256']} of event {bad['event_id']!r} does not match its hash"
        raise IntegrityError(msg)
    if not as_json:
        typer.echo(f"OK: {report.tree_size} entries, {report.checkpoints_checked} checkpoints")
        if docs is not None and docs.referenced:
            missing = ", ".join(f"{m['sha256'][:12]} ({m['kind']}, {m['event_id']})"
                                for m in docs.missing)  # fmt: skip
            typer.echo(
                f"documents: {docs.referenced} referenced, {docs.present} present"
                + (f", missing here (held elsewhere?): {missing}" if missing else "")
            )


@app.command("export")
def export_(
    out: Path | None = typer.Option(None, "--out", help="JSON Lines file (default: stdout)."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Write every envelope in log order as JSON Lines (each line is a leaf's exact bytes)."""
    from orechain.ledger.exchange import export_lines

    with _open(db) as led:
        if out is None:
            for line in export_lines(led):
                sys.stdout.buffer.write(line)
            return
        with out.open("wb") as fh:
            fh.writelines(export_lines(led))
        tree = led.tree
        _show({"file": str(out), "tree_size": tree.size, "root_hash": tree.root().hex()}, as_json)


def _lines(file: Path) -> Iterator[bytes]:
    if str(file) == "-":
        yield from sys.stdin.buffer
        return
    with file.open("rb") as fh:
        yield from fh


def _require_file(file: Path) -> None:
    if str(file) != "-" and not file.is_file():
        what = "is a directory" if file.is_dir() else "does not exist"
        msg = f"{file} {what}; expected a file"
        raise InputError(msg, source=str(file))


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="JSON Lines from `export`; - for stdin."),
    batch: int = typer.Option(1000, min=1, help="Envelopes per transaction."),
    expect_root: str | None = typer.Option(None, help="Fail unless the final root is this hex."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Replay an export through the acceptance checks; into an empty ledger, same roots."""
    from orechain.ledger.exchange import import_lines

    _require_file(file)
    with _open(db) as led:
        summary = import_lines(
            led, _lines(file), source=str(file), batch_size=batch, expect_root=expect_root
        )
    _show(asdict(summary), as_json, "import")


def _register_transparency() -> None:
    from orechain.cli import transparency

    transparency.register(app)


_register_transparency()


def _register_shipments() -> None:
    from orechain.cli import ledger_events, ledger_pack

    ledger_events.register(app)
    ledger_pack.register(app)


_register_shipments()
