"""Helpers of the API tests: settings over the session atlas, the principals, auth headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orechain.settings import Settings

PRINCIPALS: dict[str, tuple[str, str] | None] = {
    "anonymous": None,
    "viewer": ("viewer-org", "viewer"),
    "auditor": ("audit-firm", "auditor"),
    "admin": ("orechain-ops", "admin"),
    "op-magnets": ("us-magnets", "operator"),
    "op-pk": ("pk-mining", "operator"),
    "op-cn": ("cn-separator", "operator"),
}
"""Who calls in the tenant × role × endpoint matrix: (organisation, role)."""


def make_settings(atlas_path: Path, folder: Path, **overrides: Any) -> Settings:
    """Settings over the session atlas and a ledger file in ``folder``."""
    return Settings(
        cache_dir=folder / "cache",
        atlas_path=atlas_path,
        database_url=str(folder / "ledger.db"),
        **overrides,
    )


def auth(token: str | None) -> dict[str, str]:
    """Headers carrying ``token`` (none for anonymous)."""
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def check_conformance(op: Any, max_examples: int) -> None:
    """A few generated requests to one schemathesis operation, each checked.

    Status, content type and response schema are validated; generated bodies
    the API rightly refuses are not failures (``positive_data_acceptance`` off).
    """
    import hypothesis
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    @hypothesis.given(case=op.as_strategy())
    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def check(case: Any) -> None:
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    check()
