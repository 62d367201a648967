"""``orechain token create|revoke|list``: API tokens bound to an organisation and a role.

The full token is printed once at creation; only its SHA-256 hash is stored, in
the ledger database (table ``api_tokens``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from orechain.cli.output import emit_json, print_table

if TYPE_CHECKING:
    from orechain.services.tokens import TokenStore

app = typer.Typer(help="API tokens: create, revoke, list (stored hashed).", no_args_is_help=True)

DbOpt = typer.Option(
    None,
    "--database-url",
    "--db",
    help="Ledger database holding the tokens (default as for serve).",
)
JsonOpt = typer.Option(False, "--json", help="Print one JSON document.")


def _store(db: str | None) -> TokenStore:
    from orechain.services.tokens import TokenStore
    from orechain.settings import Settings

    return TokenStore(db or Settings.from_env().database_url)


@app.command("create")
def create(
    org: str = typer.Option(..., "--org", help="Organisation id the token acts for."),
    role: str = typer.Option(..., "--role", help="admin, operator, auditor or viewer."),
    label: str | None = typer.Option(None, help="A note to recognise the token by."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Create a token and print it once (store it: it cannot be shown again)."""
    store = _store(db)
    token, record = store.create(org, role, label)
    store.close()
    if as_json:
        emit_json({"token": token, **asdict(record)})
        return
    typer.echo(token)
    typer.echo(f"{record.role} token {record.token_id} for {record.org_id}; shown once.", err=True)


@app.command("revoke")
def revoke(
    token_id: str = typer.Argument(..., help="Token id (12 hex digits) or the full token."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Revoke a token (workers notice within 5 s)."""
    store = _store(db)
    record = store.revoke(token_id)
    store.close()
    if as_json:
        emit_json(asdict(record))
    else:
        typer.echo(f"revoked {record.token_id} ({record.role}, {record.org_id})")


@app.command("list")
def list_tokens(db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Token ids, organisations, roles and revocation times (never the secrets)."""
    store = _store(db)
    rows = [asdict(r) for r in store.list()]
    store.close()
    if as_json:
        emit_json(rows)
    else:
        cols = ["token_id", "org_id", "role", "label", "created_at", "revoked_at"]
        print_table(rows, [(c, c) for c in cols], title="API tokens")
