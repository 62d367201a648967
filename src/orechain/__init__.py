"""OreChain: an open platform for critical-mineral supply chains.

The subpackages are the API: :mod:`orechain.atlas` (reference data),
:mod:`orechain.risk` (concentration and supply-risk metrics) and, as they land,
``scenarios``, ``economics`` and ``ledger``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("orechain")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
