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
    "witness": "orechain.cli.witness",
    "runs": "orechain.cli.runs",
}
"""Sub-apps by name; each module exposes ``app`` (or ``register(root)``)."""

AREA_HELP = {
    "atlas": "Reference data: commodities, production, reserves, trade.",
    "risk": "Supply concentration and risk. `orechain risk COMMODITY` or a subcommand.",
    "report": "Reports written as self-contained HTML files.",
    "ledger": "Chain-of-custody ledger: events, provenance, proofs, audit.",
    "scenario": "Supply-network scenarios: disruptions, new suppliers, Monte Carlo.",
    "econ": "Value-chain economics: NPV, IRR, host-country take, jobs.",
    "serve": "Serve the REST API and the dashboard (prints the URL).",
    "token": "API tokens: create, revoke, list (stored hashed).",
    "witness": "A transparency-log witness (C2SP tlog-witness): init, trust, serve.",
    "runs": "Recorded runs: list, show, verify (re-execute and check the signed run log).",
}
"""One-line help of each area, for ``orechain --help`` without importing the areas
(a test checks it equals each area's own help)."""


def _version(value: bool) -> None:
    if value:
        from orechain import __version__

        typer.echo(f"orechain {__version__}")
        raise typer.Exit


def _root(
    _show_version: bool = typer.Option(
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


def build_help_app() -> typer.Typer:
    """The root app with a placeholder per area: enough for ``--help`` and ``--version``.

    Importing every area (pandas, DuckDB, FastAPI …) only to list them would cost
    over a second; the placeholders carry the same one-line help.
    """
    root = build_app([])
    for name, text in AREA_HELP.items():
        if name in ("serve",):
            root.command(name, help=text)(_placeholder)
        else:
            root.add_typer(typer.Typer(help=text), name=name)
    return root


def _placeholder() -> None:  # pragma: no cover - never invoked: main() loads the real area
    """Placeholder of an area in the help-only app."""


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
    names = _requested(sys.argv)
    (build_help_app() if names is None else build_app(names))()
