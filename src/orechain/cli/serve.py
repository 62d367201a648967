"""``orechain serve``: the REST API and dashboard under uvicorn.

On first start it creates the SQLite ledger with the labelled sample corridor and
builds the atlas, then prints the URL. With ``--database-url postgresql://…``
several ``--workers`` share one PostgreSQL ledger.
"""

from __future__ import annotations

import os

import typer

from orechain.cli.output import emit_json

DB_HELP = "Ledger database: SQLite path or postgresql:// URL (default: ORECHAIN_DATABASE_URL "
DB_HELP += "or ledger.db in the user data dir; created with the sample corridor if absent)."


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=0, max=65535, help="TCP port."),
    database_url: str | None = typer.Option(None, "--database-url", "--db", help=DB_HELP),
    workers: int = typer.Option(1, min=1, max=64, help="uvicorn worker processes."),
    private: bool = typer.Option(
        False, "--private", help="Require a token for everything but /api/transparency."
    ),
    cors_origin: list[str] = typer.Option(
        [], "--cors-origin", help="Allow this origin by CORS (repeatable; default: CORS off)."
    ),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
    as_json: bool = typer.Option(False, "--json", help="Print the start-up facts as JSON."),
) -> None:
    """Serve the REST API and the dashboard (prints the URL)."""
    import uvicorn

    from orechain.atlas.store import open_atlas
    from orechain.services.ledger import ensure_ledger
    from orechain.settings import Settings

    settings = Settings.from_env()
    settings = settings.with_database(database_url or settings.database_url)
    env = {
        **settings.to_env(),
        "ORECHAIN_ANONYMOUS_READ": "0" if private else "1",
        "ORECHAIN_CORS_ORIGINS": ",".join(cors_origin),
    }
    os.environ.update(env)  # worker processes build their settings from the environment
    open_atlas(settings, read_only=True).close()  # build once, before workers race
    ledger = ensure_ledger(settings)
    url = f"http://{host}:{port}/"
    facts = {"url": url, "database": settings.database_url, "workers": workers, **ledger}
    if as_json:
        emit_json(facts)
    else:
        created = "created with the sample corridor" if ledger["created"] else "opened"
        typer.echo(f"Ledger {created}: {settings.database_url} ({ledger['tree_size']} events)")
        if ledger["label"]:
            typer.echo(f"  {ledger['label']}")
        typer.echo(f"OreChain is serving at {url}  (Ctrl-C to stop)")
    uvicorn.run(
        "orechain.server:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root command."""
    app.command("serve")(serve)
