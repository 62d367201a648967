"""Every OreChain use case, once: the public Python API behind the CLI, API, pages and reports.

The CLI commands, the REST routes, the dashboard pages and the HTML reports call
these functions and only format what they return; an analyst calls them
directly (``docs/python-api.md``)::

    import orechain as oc

    with oc.open_atlas() as atlas:
        oc.risk_profile(atlas, "rare-earths").hhi
        doc = oc.run_scenario("pakistan-us-corridor", atlas)
        oc.compare_projects("pakistan-concentrate-export", "pakistan-polymetallic-refinery")
    with oc.open_ledger() as led:
        oc.trace(led, "US-MAGNET-001")

Results are typed objects (dataclasses with ``to_dict()``) or documents; one
serialisation (:func:`to_document`) turns either into the JSON every face shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from orechain.settings import Settings

if TYPE_CHECKING:
    from orechain.atlas.profile import CountryProfile
    from orechain.atlas.selection import ProductionSelection
    from orechain.atlas.store import Atlas, open_atlas
    from orechain.economics.compare import Comparison
    from orechain.economics.project import Project
    from orechain.scenarios.spec import Scenario
    from orechain.services.catalog import BundledItem, bundled_projects, bundled_scenarios
    from orechain.services.documents import to_document
    from orechain.services.economics import compare, evaluate, sensitivity
    from orechain.services.ledger import ensure_ledger, open_ledger, trace
    from orechain.services.risk import overview, risk_profile
    from orechain.services.scenarios import backtest_document as backtest
    from orechain.services.shipments import check_pack as verify_pack
    from orechain.services.shipments import pack_lot, sign_untp, untp_credentials
    from orechain.services.shipments import store_document as add_document
    from orechain.services.transparency import summary as transparency_summary

# Where each re-exported name lives: imported on first use (PEP 562), so that a
# command using one service (``orechain risk antimony``) does not pay for the
# others (the ledger's schemas, the scenario engine).
_LAZY = {
    "Atlas": ("orechain.atlas.store", "Atlas"),
    "open_atlas": ("orechain.atlas.store", "open_atlas"),
    "BundledItem": ("orechain.services.catalog", "BundledItem"),
    "bundled_projects": ("orechain.services.catalog", "bundled_projects"),
    "bundled_scenarios": ("orechain.services.catalog", "bundled_scenarios"),
    "to_document": ("orechain.services.documents", "to_document"),
    "compare": ("orechain.services.economics", "compare"),
    "evaluate": ("orechain.services.economics", "evaluate"),
    "sensitivity": ("orechain.services.economics", "sensitivity"),
    "ensure_ledger": ("orechain.services.ledger", "ensure_ledger"),
    "open_ledger": ("orechain.services.ledger", "open_ledger"),
    "trace": ("orechain.services.ledger", "trace"),
    "overview": ("orechain.services.risk", "overview"),
    "risk_profile": ("orechain.services.risk", "risk_profile"),
    "transparency_summary": ("orechain.services.transparency", "summary"),
    "backtest": ("orechain.services.scenarios", "backtest_document"),
    "add_document": ("orechain.services.shipments", "store_document"),
    "pack_lot": ("orechain.services.shipments", "pack_lot"),
    "verify_pack": ("orechain.services.shipments", "check_pack"),
    "untp_credentials": ("orechain.services.shipments", "untp_credentials"),
    "sign_untp": ("orechain.services.shipments", "sign_untp"),
}


def __getattr__(name: str) -> Any:
    """A re-exported service, imported on first use."""
    if name not in _LAZY:
        msg = f"module 'orechain.services' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


__all__ = [
    "Atlas",
    "add_document",
    "BundledItem",
    "Settings",
    "backtest",
    "bundled_projects",
    "bundled_scenarios",
    "compare",
    "compare_projects",
    "country_profile",
    "ensure_ledger",
    "evaluate",
    "load_project",
    "load_scenario",
    "open_atlas",
    "open_ledger",
    "overview",
    "pack_lot",
    "production",
    "risk_profile",
    "run_scenario",
    "sensitivity",
    "sign_untp",
    "to_document",
    "trace",
    "transparency_summary",
    "untp_credentials",
    "verify_pack",
]


def production(
    atlas: Atlas, commodity: str, measure: str = "mine", year: int | None = None
) -> ProductionSelection:
    """Production of a commodity at one stage: rows, year and source vintage (atlas query).

    A stage USGS does not tabulate (``separation``, ``refining`` …) comes from the
    published stage shares.
    """
    from orechain.atlas.query import select_production

    return select_production(atlas, commodity, measure, year)


def country_profile(atlas: Atlas, country: str, year: int | None = None) -> CountryProfile:
    """Everything a country produces or holds reserves of, its world share and rank."""
    from orechain.atlas.profile import country_profile as profile

    return profile(atlas, country, year)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario from a YAML file, or the bundled scenario of that name."""
    from orechain.scenarios.spec import load_scenario as load

    return load(name_or_path)


def load_project(name_or_path: str | Path | Project) -> Project:
    """A project from a YAML file, or the bundled example of that name."""
    from orechain.economics.project import Project
    from orechain.economics.project import load_project as load
    from orechain.services.catalog import resolve_project_path

    if isinstance(name_or_path, Project):
        return name_or_path
    path = Path(name_or_path)
    if not path.suffix:
        path = path.with_suffix(".yaml")
    return load(resolve_project_path(path))


def run_scenario(scenario: str | Path | Scenario, atlas: Atlas | None = None) -> dict[str, Any]:
    """Run a scenario (name, file or :class:`Scenario`): the run document of every face.

    The atlas is needed unless the scenario defines its own network.
    """
    from orechain.scenarios.spec import Scenario
    from orechain.services.scenarios import run_document

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return run_document(scn, atlas)


def compare_projects(
    base: str | Path | Project, alternative: str | Path | Project, atlas: Atlas | None = None
) -> Comparison:
    """Export concentrate (``base``) versus refine at home (``alternative``); names or files."""
    from orechain.services.economics import compare

    a, b = load_project(base), load_project(alternative)
    return compare(a, b, atlas)
