"""``orechain ledger …``: chain-of-custody ledger commands (thin layer over orechain.ledger)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import platformdirs
import typer

from orechain.cli.output import emit_json, print_table
from orechain.errors import IntegrityError, NotFoundError
from orechain.settings import Settings

app = typer.Typer(help="Chain-of-custody ledger: events, provenance, proofs, audit.")

DB_HELP = "Ledger database: SQLite path or postgresql:// URL (default: ORECHAIN_DATABASE_URL "
DB_HELP += "or ledger.db in the user data dir)."
DbOpt = typer.Option(None, "--database-url", "--db", help=DB_HELP)
JsonOpt = typer.Option(False, "--json", help="Print one JSON document.")


def _url(db: str | None) -> str:
    url = db or Settings.from_env().database_url
    return url or str(Path(platformdirs.user_data_dir("orechain")) / "ledger.db")


def _key_path(url: str, key: Path | None) -> Path:
    if key is not None:
        return key
    if url.startswith(("postgresql://", "postgres://")):
        return Path(platformdirs.user_data_dir("orechain")) / "ledger-log-key.pem"
    return Path(url.removeprefix("sqlite:///") + ".log-key.pem")


def _open(db: str | None) -> Any:
    from orechain.ledger.service import Ledger

    return Ledger.open(_url(db))


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
        out = {
            "database": url,
            "origin": led.origin,
            "vkey": led.vkey,
            "log_key": str(path),
            "tree_size": led.tree.size,
            "label": sample.LABEL if sample_data else None,
        }
    emit_json(out) if as_json else print_table([out], [(k, k) for k in out], title="ledger")


@app.command()
def submit(
    file: Path = typer.Argument(..., help="Envelope JSON, or JSON Lines for bulk; - for stdin."),
    key: Path | None = typer.Option(None, help="Sign unsigned events with this private key."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Check, sign (with --key) and append events; all of a file or none."""
    from orechain.ledger import keys
    from orechain.ledger.canonical import parse_json
    from orechain.ledger.envelope import sign_event

    text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    lines = [text] if text.lstrip().startswith("{") and "\n{" not in text.strip() else [
        ln for ln in text.splitlines() if ln.strip()]  # fmt: skip
    docs = [parse_json(ln, source=f"{file}:{i + 1}") for i, ln in enumerate(lines)]
    if key is not None:
        private = keys.load_private_key(key)
        docs = [d if "signature" in d else sign_event(d, private) for d in docs]
    with _open(db) as led:
        receipts = led.submit_many(docs, sources=[f"{file}:{i + 1}" for i in range(len(docs))])
    rows = [r.to_dict() for r in receipts]
    emit_json(rows) if as_json else print_table(rows, [(k, k) for k in rows[0]] if rows else [])


@app.command()
def lot(lot_id: str, db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Show one lot: mass, basis, custodian, site, status, grades and events."""
    with _open(db) as led:
        x = led.state.lot(lot_id)
        out = {"lot_id": x.lot_id, "product": x.product, "commodity": x.commodity,
               "quantity_t": x.quantity_t, "remaining_t": x.remaining_t, "basis": x.basis,
               "custodian": x.custodian, "site_id": x.site_id, "status": x.status,
               "grades": x.grades, "events": x.events}  # fmt: skip
    emit_json(out) if as_json else print_table([out], [(k, k) for k in out if k != "events"])


@app.command()
def provenance(lot_id: str, db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Origin shares by stage and country, and the upstream/downstream lot graphs."""
    from orechain.ledger.provenance import downstream, origin_shares, upstream

    with _open(db) as led:
        state = led.state
        shares = origin_shares(state, lot_id)
        out: dict[str, Any] = {"lot_id": lot_id, "origin_shares": shares,
               "upstream": [e.__dict__ for e in upstream(state, lot_id)],
               "downstream": [e.__dict__ for e in downstream(state, lot_id)]}  # fmt: skip
    if as_json:
        emit_json(out)
        return
    rows = [{"stage": s, "country": c, "share": round(v, 4)}
            for s, row in shares.items() for c, v in row.items()]  # fmt: skip
    print_table(rows, [("stage", "stage"), ("country", "country"), ("share", "share")],
                title=f"origin of {lot_id}")  # fmt: skip


@app.command()
def check(
    lot_id: str,
    rule: str = typer.Option(
        ...,
        "--rule",
        help="dfars-2027, restricted-stage-origin, "
        "min-verified-share, assay-before-export, chain-unbroken",
    ),  # fmt: skip
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
        emit_json(result.__dict__)
    else:
        typer.echo(f"{'PASS' if result.passed else 'FAIL'} {rule} {lot_id}: {result.reason}")
        if result.path:
            print_table(result.path, [(k, k) for k in result.path[0]], title="path")
    if not result.passed:
        raise typer.Exit(1)


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


@app.command()
def prove(
    event: str = typer.Argument(..., help="Event id or leaf index."),
    db: str | None = DbOpt,
    old_size: int | None = typer.Option(None, help="Instead: consistency proof from this size."),
) -> None:
    """Print an inclusion proof bundle (JSON) for an event, or a consistency proof."""
    from orechain.ledger.log import consistency_bundle, inclusion_bundle

    with _open(db) as led:
        if old_size is not None:
            emit_json(consistency_bundle(led, old_size, int(event)))
        else:
            emit_json(inclusion_bundle(led, event))


@app.command()
def verify(
    proof: Path = typer.Option(..., help="Proof bundle from `prove`."),
    vkey: str = typer.Option(..., help="Log verifier key (name+hash+key) or a file with it."),
    checkpoint_file: Path | None = typer.Option(None, "--checkpoint", help="Signed checkpoint."),
    old_checkpoint: Path | None = typer.Option(None, help="Older checkpoint (consistency)."),
    as_json: bool = JsonOpt,
) -> None:
    """Verify a proof offline: needs only the log's verifier key and the files."""
    from orechain.ledger.verify import verify_consistency_bundle, verify_inclusion_bundle

    key = Path(vkey).read_text().strip() if Path(vkey).is_file() else vkey
    bundle = json.loads(proof.read_text(encoding="utf-8"))
    cp_text = checkpoint_file.read_text(encoding="utf-8") if checkpoint_file else None
    if bundle.get("kind", "").startswith("orechain-consistency"):
        if old_checkpoint is None or cp_text is None:
            msg = "a consistency proof needs --old-checkpoint and --checkpoint"
            raise NotFoundError(msg)
        old, new = verify_consistency_bundle(bundle, key, old_checkpoint.read_text(), cp_text)
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
        emit_json(report.__dict__)
    if not report.ok:
        msg = f"audit failed at index {report.first_bad_index}: {report.reason}"
        raise IntegrityError(msg)
    if not as_json:
        typer.echo(f"OK: {report.tree_size} entries, {report.checkpoints_checked} checkpoints")
