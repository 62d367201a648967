"""OreChain: an open platform for critical-mineral supply chains.

The subpackages are the domain: :mod:`orechain.atlas` (reference data),
:mod:`orechain.risk` (concentration and supply-risk metrics),
:mod:`orechain.scenarios` (supply-network scenarios), :mod:`orechain.economics`
(project valuation) and :mod:`orechain.ledger` (chain of custody).
:mod:`orechain.services` holds every use case once; its names are re-exported
here as the public Python API (see ``docs/python-api.md``)::

    import orechain as oc

    with oc.open_atlas() as atlas:
        profile = oc.risk_profile(atlas, "rare-earths")
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    """``__version__`` and the public API, imported on first use.

    Lazy (PEP 562) so that ``import orechain`` and ``orechain --help`` stay
    fast: :mod:`importlib.metadata` scans every installed distribution and the
    services import pandas and DuckDB.
    """
    if name == "__version__":
        from orechain._version import __version__

        return __version__
    import orechain.services as services

    if name in services.__all__:
        return getattr(services, name)
    msg = f"module 'orechain' has no attribute {name!r}"
    raise AttributeError(msg)
