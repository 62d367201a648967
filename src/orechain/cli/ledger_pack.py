"""``orechain ledger vkey|pack|verify-pack|untp``: evidence for a buyer, an auditor, a regulator.

Registered on the ``ledger`` app by :func:`register`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from orechain.cli.output import emit_json

__all__ = ["register"]

DbOpt = typer.Option(None, "--database-url", "--db", help="Ledger database (SQLite or URL).")
JsonOpt = typer.Option(False, "--json", help="Print one JSON document.")


def _url(db: str | None) -> str:
    from orechain.settings import Settings

    return db or Settings.from_env().database_url


def vkey(db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Print the log's verifier key (give it to verifiers through another channel)."""
    from orechain.ledger.service import Ledger

    with Ledger.open(_url(db)) as led:
        key = led.vkey
    emit_json({"vkey": key}) if as_json else typer.echo(key)


def register(app: typer.Typer) -> None:
    """Add ``vkey``, ``pack``, ``verify-pack`` and ``untp`` to the ``ledger`` app."""
    app.command("vkey")(vkey)
