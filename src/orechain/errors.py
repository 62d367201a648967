"""Exception classes shared by every OreChain area.

The CLI turns any :class:`OreChainError` into a one-line reason and exit code 2;
the REST API maps them to HTTP 4xx in one place.
"""

from __future__ import annotations


class OreChainError(Exception):
    """Base class of every error OreChain raises on purpose."""


class InputError(OreChainError, ValueError):
    """Bad input data: names the source file, row, field and the reason.

    Parameters
    ----------
    reason
        What was wrong and what was expected.
    source
        File path or other origin of the input.
    row
        1-based line number in the source file (header is line 1), if known.
    field
        Column or field name, if known.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.row = row
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.source is not None:
            where.append(str(self.source))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None and self.field.startswith("-"):
            where.append(f"option {self.field}")  # a command-line option, e.g. --pct
        elif self.field is not None:
            where.append(f"column {self.field!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class NotFoundError(OreChainError, LookupError):
    """A named thing (commodity, country, lot, scenario) does not exist."""


class ConflictError(OreChainError):
    """The request conflicts with the current state (e.g. a duplicate id)."""


class IntegrityError(OreChainError):
    """A ledger verification failed: a proof, a signature or the stored log."""


class InfeasibleScenarioError(OreChainError):
    """A scenario's linear programme is infeasible or unbounded."""
