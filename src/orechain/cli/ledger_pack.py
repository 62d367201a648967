"""``orechain ledger vkey|pack|verify-pack|untp``: evidence for a buyer, an auditor, a regulator.

Registered on the ``ledger`` app by :func:`register`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from orechain.cli.output import emit_json

if TYPE_CHECKING:
    from orechain.ledger.checkpoint import Checkpoint

__all__ = ["register"]

DbOpt = typer.Option(None, "--database-url", "--db", help="Ledger database (SQLite or URL).")
JsonOpt = typer.Option(False, "--json", help="Print one JSON document.")


def _url(db: str | None) -> str:
    from orechain.settings import Settings

    return db or Settings.from_env().database_url


def _trusted_vkey(vkey: str | None, db: str | None) -> str:
    """The given verifier key (text or file), else the one stored in --db (trusting it)."""
    from orechain.ledger.service import Ledger

    if vkey is None:
        with Ledger.open(_url(db)) as led:
            return str(led.vkey)
    return Path(vkey).read_text().strip() if Path(vkey).is_file() else vkey


def vkey(db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Print the log's verifier key (give it to verifiers through another channel)."""
    from orechain.ledger.service import Ledger

    with Ledger.open(_url(db)) as led:
        key = led.vkey
    emit_json({"vkey": key}) if as_json else typer.echo(key)


def untp(
    lot_id: str = typer.Argument(..., help="The lot."),
    key: Path = typer.Option(..., "--key", help="Private key (PEM) of the issuing organisation."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Directory for dpp.json and dte.json (default: print both as one JSON document).",
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """UNTP Digital Product Passport and Traceability Events of a lot, as signed W3C VCs.

    Signed with the organisation's Ed25519 key (Data Integrity eddsa-jcs-2022,
    issuer did:key); see docs/ledger.md for the field mapping.
    """
    import json

    from orechain.cli.ledger_io import _load_key
    from orechain.services.shipments import lot_untp

    dpp, dte = lot_untp(_url(db), lot_id, _load_key(key))
    if out is None:  # the credentials are JSON either way
        emit_json({"dpp": dpp, "dte": dte})
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, doc in (("dpp.json", dpp), ("dte.json", dte)):
        (out / name).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    files = {"dpp": str(out / "dpp.json"), "dte": str(out / "dte.json")}
    if as_json:
        emit_json({**files, "issuer": dpp["issuer"]["id"]})
    else:
        typer.echo(f"wrote {files['dpp']} and {files['dte']} (issuer {dpp['issuer']['id']})")


def register(app: typer.Typer) -> None:
    """Add ``vkey``, ``pack``, ``verify-pack`` and ``untp`` to the ``ledger`` app."""
    app.command("vkey")(vkey)
    app.command("pack")(pack)
    app.command("verify-pack")(verify_pack)
    app.command("untp")(untp)


def pack(
    lot_id: str = typer.Argument(..., help="The lot."),
    out: Path = typer.Option(..., "--out", help="Zip file to write."),
    checkpoint: Path | None = typer.Option(
        None,
        help="Signed (e.g. witness-cosigned) checkpoint note to prove against; default: "
        "the latest stored one.",
    ),
    withhold: list[str] = typer.Option(
        [], help="Document kind to leave out (hash only), e.g. invoice; repeatable."
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Write a lot's evidence pack: envelopes, proofs, keys, documents, verdicts, summary."""
    from orechain.services.shipments import lot_pack

    note = checkpoint.read_text(encoding="utf-8") if checkpoint else None
    data = lot_pack(_url(db), lot_id, checkpoint=note, withhold=tuple(withhold))
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    info = {"file": str(out), "lot_id": lot_id, "bytes": len(data)}
    emit_json(info) if as_json else typer.echo(f"wrote {out} ({len(data)} bytes)")


def verify_pack(
    file: Path = typer.Argument(..., help="Evidence pack from `ledger pack`."),
    vkey: str | None = typer.Option(
        None,
        help="Log verifier key (name+hash+key) or a file with it; default: read from --db, "
        "which trusts that database.",
    ),
    witness_policy: Path | None = typer.Option(
        None, help="tlog-policy file: accept the checkpoint only with its witness quorum."
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Check an evidence pack offline and name the first failure (exit 2).

    Checks the checkpoint signature (and witness quorum), every inclusion proof,
    who signed each event, the keys and every document's hash.
    """
    from orechain.cli.ledger_io import _read_file
    from orechain.ledger.pack import verify_pack as run
    from orechain.transparency.policy import load_policy, verify_with_policy

    key = _trusted_vkey(vkey, db)
    check = None
    if witness_policy is not None:
        policy = load_policy(witness_policy)

        def check(note: str) -> tuple[Checkpoint, list[str]]:
            return verify_with_policy(note, policy)

    report = run(_read_file(file), key, check)
    if as_json:
        emit_json(report.to_dict())
        return
    wit = f", cosigned by {', '.join(report.witnesses)}" if report.witnesses else ""
    typer.echo(
        f"OK lot {report.lot_id}: {report.events} events proven under the checkpoint at size "
        f"{report.tree_size}{wit}; signers checked; documents {report.documents_included} "
        f"included, {report.documents_withheld} withheld"
    )
