"""The ``orechain`` command line: a thin layer over the Python API.

Every command takes ``--json`` to print one JSON document. Any
:class:`~orechain.errors.OreChainError` becomes a one-line reason on stderr and
exit code 2.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterable

import typer

from orechain._version import __version__
from orechain.cli.group import OreChainGroup

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
"""Sub-apps by name; each module exposes ``app`` (or ``register(root)``)."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"orechain {__version__}")
        raise typer.Exit


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    """OreChain command line."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


def build_app(names: Iterable[str] | None = None) -> typer.Typer:
    """The root app with the named areas (default: all) registered."""
    root = typer.Typer(
        name="orechain",
        cls=OreChainGroup,
        add_completion=False,
        help="OreChain: critical-mineral supply chains — atlas, risk, scenarios, economics, "
        "ledger.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    root.callback()(_root)
    for name in names if names is not None else SUBCOMMANDS:
        mod = importlib.import_module(SUBCOMMANDS[name])
        if hasattr(mod, "register"):
            mod.register(root)
        else:
            root.add_typer(mod.app, name=name)
    return root


def _requested(argv: list[str]) -> list[str] | None:
    """The one area named on the command line, or None (help, version: load all)."""
    first = next((a for a in argv[1:] if not a.startswith("-")), None)
    return [first] if first in SUBCOMMANDS else None


def __getattr__(name: str) -> typer.Typer:
    """``orechain.cli.app``: the full app, built on first access (PEP 562)."""
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def main() -> None:
    """Console-script entry point: imports only the area the command line names."""
    build_app(_requested(sys.argv))()
