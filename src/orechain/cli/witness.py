"""``orechain witness …``: run a C2SP tlog-witness that cosigns OreChain checkpoints.

A witness has its own Ed25519 key (PEM file) and its own SQLite state; it
trusts logs by their checkpoint verifier keys and cosigns a checkpoint only if
it is consistent with the last one it cosigned for that log.
"""

from __future__ import annotations

from pathlib import Path

import typer

from orechain.cli.output import emit_json, print_table

app = typer.Typer(help="A transparency-log witness (C2SP tlog-witness): init, trust, serve.")

DbOpt = typer.Option(Path("witness.db"), "--db", help="The witness's SQLite state file.")
KeyOpt = typer.Option(None, "--key", help="Private key PEM (default: <db>.key.pem).")
NameOpt = typer.Option(None, "--name", help="Witness name (default: stored at init).")
JsonOpt = typer.Option(False, "--json", help="Print one JSON document.")

__all__ = ["app"]


def _key_path(db: Path, key: Path | None) -> Path:
    return key if key is not None else db.with_name(db.name + ".key.pem")


def _name_path(db: Path) -> Path:
    return db.with_name(db.name + ".name")


def _open(db: Path, key: Path | None, name: str | None) -> object:
    from orechain.errors import NotFoundError
    from orechain.ledger import keys
    from orechain.transparency.witness import Witness

    kp = _key_path(db, key)
    if not kp.exists() or not _name_path(db).exists():
        msg = f"no witness at {db}; run `orechain witness init --db {db} --name NAME`"
        raise NotFoundError(msg)
    stored = _name_path(db).read_text(encoding="utf-8").strip()
    return Witness(db, name or stored, keys.load_private_key(kp))


@app.command()
def init(
    name: str = typer.Option(..., "--name", help="Witness name, a schema-less URL."),
    db: Path = DbOpt,
    key: Path | None = KeyOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Create the witness key and state; print its verifier key for policy files."""
    from orechain.errors import ConflictError
    from orechain.ledger import keys
    from orechain.transparency.witness import Witness

    kp = _key_path(db, key)
    if kp.exists() or _name_path(db).exists():
        msg = f"a witness already exists at {db}"
        raise ConflictError(msg)
    k = keys.generate_key()
    keys.save_private_key(k, kp)
    _name_path(db).write_text(name + "\n", encoding="utf-8")
    w = Witness(db, name, k)
    out = {"name": name, "db": str(db), "key": str(kp), "vkey": w.vkey}
    w.close()
    if as_json:
        emit_json(out)
    else:
        typer.echo(f"Witness {name} created; its verifier key for policy files:\n{out['vkey']}")


@app.command("trust-log")
def trust_log(
    vkey: str = typer.Argument(..., help="The log's checkpoint verifier key (name+hash+key)."),
    db: Path = DbOpt,
    key: Path | None = KeyOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Accept checkpoints of this log (its origin is the key name)."""
    from orechain.transparency.witness import Witness

    w = _open(db, key, None)
    assert isinstance(w, Witness)  # narrowing
    origin = w.trust_log(vkey)
    w.close()
    emit_json({"origin": origin}) if as_json else typer.echo(f"Witness now follows {origin}")


@app.command()
def show(db: Path = DbOpt, key: Path | None = KeyOpt, as_json: bool = JsonOpt) -> None:
    """The logs this witness follows, the size it last cosigned, and refusals kept as evidence."""
    from orechain.transparency.witness import Witness

    w = _open(db, key, None)
    assert isinstance(w, Witness)  # narrowing
    rows = [{"origin": o, "cosigned_size": s} for o, s in w.logs()]
    refused = [{"origin": o, "status": s, "reason": r} for o, s, r in w.refusals()]
    vkey = w.vkey
    w.close()
    if as_json:
        emit_json({"vkey": vkey, "logs": rows, "refused": refused})
        return
    typer.echo(f"vkey {vkey}")
    print_table(rows, [("origin", "origin"), ("cosigned_size", "cosigned size")], title="logs")
    if refused:
        print_table(refused, [("origin", "origin"), ("status", "HTTP"), ("reason", "reason")],
                    title="refused checkpoints (evidence)")  # fmt: skip


@app.command()
def serve(
    db: Path = DbOpt,
    key: Path | None = KeyOpt,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8100, min=0, max=65535, help="TCP port."),
) -> None:
    """Serve POST /add-checkpoint and GET /<origin hash>/checkpoint (Ctrl-C to stop)."""
    from orechain.transparency.witness import Witness, serve_witness

    w = _open(db, key, None)
    assert isinstance(w, Witness)  # narrowing
    server = serve_witness(w, host, port)
    typer.echo(f"Witness {w.name} listening on http://{host}:{server.server_port}/", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        w.close()
