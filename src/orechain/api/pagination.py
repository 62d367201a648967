"""Pagination with bounded page sizes: ``?limit=&offset=`` and one page envelope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

__all__ = ["MAX_LIMIT", "Limit", "Offset", "Page", "paginate"]

MAX_LIMIT = 500
"""The largest page any endpoint returns."""

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (1–{MAX_LIMIT}).")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int = Field(description="Items in the whole list.", examples=[42])
    limit: int = Field(description="Page size asked for.", examples=[50])
    offset: int = Field(description="Items skipped.", examples=[0])
    next_offset: int | None = Field(
        description="Offset of the next page, or null on the last page.", examples=[50]
    )


def paginate(items: Sequence[Any], limit: int, offset: int) -> dict[str, Any]:
    """The page of ``items`` starting at ``offset``, as a :class:`Page`-shaped dict."""
    total = len(items)
    end = offset + limit
    return {
        "items": list(items[offset:end]),
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": end if end < total else None,
    }
