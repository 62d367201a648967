"""The ``orechain`` command line: a thin layer over the Python API.

Every command takes ``--json`` to print one JSON document. Any
:class:`~orechain.errors.OreChainError` becomes a one-line reason on stderr and
exit code 2.
"""

from __future__ import annotations

import importlib
import logging

import typer

from orechain import __version__
from orechain.cli.common import OreChainGroup

app = typer.Typer(
    name="orechain",
    cls=OreChainGroup,
    add_completion=False,
    help="OreChain: critical-mineral supply chains — atlas, risk, scenarios, economics, ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

SUBCOMMANDS = {
    "atlas": "orechain.cli.atlas",
    "risk": "orechain.cli.risk",
    "report": "orechain.cli.report",
    "ledger": "orechain.cli.ledger",
    "scenario": "orechain.cli.scenarios",
    "econ": "orechain.cli.economics",
    "serve": "orechain.cli.serve",
    "token": "orechain.cli.token",
}
"""Sub-apps by name; each module exposes ``app``. Missing modules are skipped."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"orechain {__version__}")
        raise typer.Exit


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    """OreChain command line."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


def _register() -> None:
    for name, module in SUBCOMMANDS.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        if hasattr(mod, "register"):
            mod.register(app)
        else:
            app.add_typer(mod.app, name=name)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
