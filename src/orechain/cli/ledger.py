"""``orechain ledger …``: chain-of-custody ledger commands (thin layer over orechain.ledger).

Every command takes ``--db PATH_OR_URL`` (a SQLite path or a ``postgresql://``
URL) and ``--json``; any :class:`~orechain.errors.OreChainError` becomes one line
on stderr and exit code 2 (``check`` exits 1 when a rule fails).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from orechain.cli.group import DefaultCommandGroup
from orechain.cli.output import emit_json, print_table
from orechain.errors import IntegrityError
from orechain.settings import Settings

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
ROLE_HELP = "registrar, miner, processor, shipper, buyer, assayer, certifier (repeatable)."
KIND_HELP = "mine, concentrator, refinery, separation-plant, smelter, metal-plant, magnet-plant, "
KIND_HELP += "port, warehouse, laboratory."
PUBKEY_HELP = "The new org's public key, base64 or a PEM private key file "
PUBKEY_HELP += "(default: that of --key, for self-registration)."
RULE_HELP = "dfars-2027, restricted-stage-origin, min-verified-share, assay-before-export, "
RULE_HELP += "chain-unbroken"
CP_HELP = "Signed checkpoint to check against (default: the bundle's)."
VKEY_HELP = "Log verifier key (name+hash+key) or a file with it; default: read from --db, "
VKEY_HELP += "which trusts that database."


def _url(db: str | None) -> str:
    return db or Settings.from_env().database_url


def _key_path(url: str, key: Path | None) -> Path:
    from orechain.settings import log_key_path_for

    return key if key is not None else log_key_path_for(url)


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
    from orechain.ledger import keys
    from orechain.ledger.envelope import sign_event

    env = sign_event(event, keys.load_private_key(key))
    with _open(db) as led:
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
    with Ledger.create(url, sample.ORIGIN if sample_data else origin, key) as led:
        keys.save_private_key(key, path)
        if sample_data:
            led.submit_many(sample.sample_envelopes())
            create_checkpoint(led, key)
        label = sample.LABEL if sample_data else None
        out = {"database": url, "origin": led.origin, "vkey": led.vkey, "log_key": str(path),
               "tree_size": led.tree.size, "label": label}  # fmt: skip
    _show(out, as_json, "ledger")


@app.command()
def keygen(
    out: Path = typer.Option(..., "--out", help="Write the private key here (PEM, mode 0600)."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Make an Ed25519 key pair for an organisation; print its key id and public key.

    --db is accepted for uniformity; no database is touched.
    """
    from orechain.ledger import keys

    key = keys.generate_key()
    keys.save_private_key(key, out)
    info = {"key_file": str(out), "key_id": keys.key_id(keys.public_bytes(key)),
            "public_key": keys.public_b64(key)}  # fmt: skip
    _show(info, as_json, "key")


def _public_key(value: str | None, signer: Path) -> str:
    from orechain.ledger import keys

    if value is None:
        return keys.public_b64(keys.load_private_key(signer))
    if Path(value).is_file():
        return keys.public_b64(keys.load_private_key(Path(value)))
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
    lat: float | None = typer.Option(None, help="Latitude [deg]."),
    lon: float | None = typer.Option(None, help="Longitude [deg]."),
    time: str | None = TimeOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Register a site (signed by --key of its operator or a registrar)."""
    from orechain.ledger.registry import register_site_event

    event = register_site_event(site_id, name, kind, country, operator, actor=actor, time=time,
                                latitude=lat, longitude=lon)  # fmt: skip
    _sign_submit(db, event, key, as_json)


def _read_docs(file: Path) -> list[Any]:
    from orechain.ledger.canonical import parse_json

    text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    lines = [text] if text.lstrip().startswith("{") and "\n{" not in text.strip() else [
        ln for ln in text.splitlines() if ln.strip()]  # fmt: skip
    return [parse_json(ln, source=f"{file}:{i + 1}") for i, ln in enumerate(lines)]


@app.command()
def submit(
    file: Path = typer.Argument(..., help="Envelope JSON, or JSON Lines for bulk; - for stdin."),
    key: Path | None = typer.Option(None, help="Sign unsigned events with this private key."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Check, sign (with --key) and append events; all of a file or none."""
    from orechain.ledger import keys
    from orechain.ledger.envelope import sign_event

    docs = _read_docs(file)
    if key is not None:
        private = keys.load_private_key(key)
        docs = [d if "signature" in d else sign_event(d, private) for d in docs]
    with _open(db) as led:
        receipts = led.submit_many(docs, sources=[f"{file}:{i + 1}" for i in range(len(docs))])
    _rows([r.to_dict() for r in receipts], as_json)


@lot_app.command("show")
def lot_show(lot_id: str, db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Mass, basis, custodian, site, status, grades and events of one lot."""
    with _open(db) as led:
        x = led.state.lot(lot_id)
        out = {"lot_id": x.lot_id, "product": x.product, "commodity": x.commodity,
               "quantity_t": x.quantity_t, "remaining_t": x.remaining_t, "basis": x.basis,
               "custodian": x.custodian, "site_id": x.site_id, "status": x.status,
               "grades": x.grades, "events": x.events}  # fmt: skip
    emit_json(out) if as_json else print_table([out], [(k, k) for k in out if k != "events"])


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
def lot_origin(lot_id: str, db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Origin shares by value-chain stage and country, propagated through blends by mass."""
    from orechain.ledger.provenance import origin_shares

    with _open(db) as led:
        shares = origin_shares(led.state, lot_id)
    if as_json:
        emit_json({"lot_id": lot_id, "origin_shares": shares})
    else:
        _rows(_origin_rows(shares), False, f"origin of {lot_id}")


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
    threshold: float | None = typer.Option(None, help="For min-verified-share [-]."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run a compliance rule; on failure print the breaking path and exit 1."""
    from orechain.ledger.compliance import run_rule

    params = {} if threshold is None else {"threshold": threshold}
    with _open(db) as led:
        result = run_rule(led.state, lot_id, rule, **params)
    if as_json:
        emit_json(asdict(result))
    else:
        typer.echo(f"{'PASS' if result.passed else 'FAIL'} {rule} {lot_id}: {result.reason}")
        if result.path:
            print_table(result.path, [(k, k) for k in result.path[0]], title="path")
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


@app.command()
def checkpoint(
    db: str | None = DbOpt, log_key: Path | None = typer.Option(None), as_json: bool = JsonOpt
) -> None:
    """Sign a checkpoint over all committed entries and print it (C2SP tlog-checkpoint)."""
    from orechain.ledger import keys
    from orechain.ledger.log import create_checkpoint

    url = _url(db)
    with _open(db) as led:
        note = create_checkpoint(led, keys.load_private_key(_key_path(url, log_key)))
    emit_json({"checkpoint": note}) if as_json else typer.echo(note, nl=False)


@proof_app.command("inclusion")
def proof_inclusion(
    event: str = typer.Argument(..., help="Event id or leaf index."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Inclusion proof bundle (JSON) of an event under the first checkpoint covering it."""
    from orechain.ledger.log import inclusion_bundle

    with _open(db) as led:
        emit_json(inclusion_bundle(led, event))


@proof_app.command("consistency")
def proof_consistency(
    old: int = typer.Argument(..., help="Older tree size."),
    new: int | None = typer.Argument(None, help="Newer tree size (default: current)."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Consistency proof bundle (JSON) from tree size OLD to NEW, with their checkpoints."""
    from orechain.ledger.log import consistency_bundle

    with _open(db) as led:
        emit_json(consistency_bundle(led, old, new))


@app.command(hidden=True)
def prove(
    event: str = typer.Argument(..., help="Event id or leaf index."),
    db: str | None = DbOpt,
    old_size: int | None = typer.Option(None, help="Instead: consistency proof from this size."),
) -> None:
    """Alias of ``proof inclusion`` / ``proof consistency`` (kept for older scripts)."""
    if old_size is not None:
        proof_consistency(old_size, int(event), db, True)
    else:
        proof_inclusion(event, db, True)


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
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Verify a proof offline: needs only the log's verifier key and the files."""
    from orechain.ledger.verify import verify_consistency_bundle, verify_inclusion_bundle

    key = _vkey(vkey, db)
    bundle = json.loads(proof.read_text(encoding="utf-8"))
    cp_text = checkpoint_file.read_text(encoding="utf-8") if checkpoint_file else None
    if str(bundle.get("kind", "")).startswith("orechain-consistency"):
        old_text = old_checkpoint.read_text(encoding="utf-8") if old_checkpoint else None
        old, new = verify_consistency_bundle(bundle, key, old_text, cp_text)
        out: dict[str, Any] = {"ok": True, "old_size": old.tree_size, "new_size": new.tree_size}
    else:
        res = verify_inclusion_bundle(bundle, key, cp_text)
        out = {"ok": True, "event_id": res.event_id, "leaf_index": res.leaf_index,
               "tree_size": res.checkpoint.tree_size}  # fmt: skip
    emit_json(out) if as_json else typer.echo(f"OK {out}")


@app.command()
def audit(
    db: str | None = DbOpt,
    vkey: str | None = typer.Option(None, help="Trusted log verifier key (default: stored)."),
    as_json: bool = JsonOpt,
) -> None:
    """Recompute the log and state from storage; fail naming the first bad index."""
    from orechain.ledger.audit import audit as run_audit
    from orechain.ledger.checkpoint import parse_vkey

    with _open(db) as led:
        report = run_audit(led, parse_vkey(vkey)[1] if vkey else None)
    if as_json:
        emit_json(asdict(report))
    if not report.ok:
        msg = f"audit failed at index {report.first_bad_index}: {report.reason}"
        raise IntegrityError(msg)
    if not as_json:
        typer.echo(f"OK: {report.tree_size} entries, {report.checkpoints_checked} checkpoints")


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

    with _open(db) as led:
        summary = import_lines(
            led, _lines(file), source=str(file), batch_size=batch, expect_root=expect_root
        )
    _show(asdict(summary), as_json, "import")
