"""Names the ledger's event schema, rules and help texts share, in one light module.

The CLI and REST help texts are generated from these tuples (importing the
event schema or the rules would cost a second of pydantic set-up on every CLI
start); :mod:`orechain.ledger.events` and :mod:`orechain.ledger.compliance`
check at import that their definitions match them, so the help cannot drift.
Stages and site kinds come from :mod:`orechain.stages`.
"""

from __future__ import annotations

__all__ = ["PRESET_NAMES", "ROLES", "RULE_NAMES", "roles_help", "rules_help"]

ROLES: tuple[str, ...] = (
    "registrar", "miner", "processor", "shipper", "buyer", "assayer", "certifier",
)  # fmt: skip
"""Roles an organisation can hold (``register-org``)."""

PRESET_NAMES: tuple[str, ...] = ("dfars-2027",)
"""Named parameter sets of rules (:data:`orechain.ledger.compliance.PRESETS`)."""

RULE_NAMES: tuple[str, ...] = (
    "restricted-stage-origin", "min-verified-share", "assay-before-export", "chain-unbroken",
)  # fmt: skip
"""Per-lot rules (:data:`orechain.ledger.compliance.RULES`)."""


def roles_help() -> str:
    """Comma-separated roles for help texts."""
    return ", ".join(ROLES)


def rules_help() -> str:
    """Comma-separated rule and preset names for help texts."""
    return ", ".join(PRESET_NAMES + RULE_NAMES)
