"""OreChain: an open platform for critical-mineral supply chains.

The subpackages are the API: :mod:`orechain.atlas` (reference data),
:mod:`orechain.risk` (concentration and supply-risk metrics) and, as they land,
``scenarios``, ``economics`` and ``ledger``.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``orechain.__version__``, read from the package metadata on first use.

    Lazy (PEP 562) because :mod:`importlib.metadata` scans every installed
    distribution, which ``orechain --help`` should not pay for.
    """
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("orechain")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            found = "0.0.0+unknown"
        globals()["__version__"] = found
        return found
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
