"""Refuse an ingest that would silently shrink the atlas.

Re-ingesting a source id replaces its rows. A folder with no files, a file
with only a header or a truncated download would otherwise replace thousands
of published rows with nothing, and queries would quietly fall back to an
older vintage. An ingest that loads no rows, or fewer than
:data:`MIN_KEPT_SHARE` of the rows it replaces, is refused unless forced; the
caller's transaction then rolls back and the atlas stays as it was.
"""

from __future__ import annotations

from orechain.errors import InputError

__all__ = ["MIN_KEPT_SHARE", "check_replacement"]

MIN_KEPT_SHARE = 0.5
"""Smallest accepted ratio of new rows to the rows replaced under the same source id."""


def check_replacement(
    source: str, source_id: str, before: int, after: int, *, force: bool = False
) -> None:
    """Raise InputError when ``after`` rows would replace ``before`` rows (unforced).

    Parameters
    ----------
    source
        The file or folder ingested (named in the error).
    source_id
        The id the rows are filed under.
    before, after
        Rows under ``source_id`` before and after the load, over all tables.
    force
        Accept the load anyway (``orechain atlas ingest --force``).
    """
    if force:
        return
    hint = "the atlas is unchanged; pass --force to load it anyway"
    if after == 0:
        msg = f"found no rows to load as {source_id!r}; {hint}"
        raise InputError(msg, source=source)
    if before > 0 and after < MIN_KEPT_SHARE * before:
        msg = (
            f"would replace {before:,} rows of {source_id!r} with only {after:,} "
            f"(less than {MIN_KEPT_SHARE:.0%}); {hint}"
        )
        raise InputError(msg, source=source)
