"""Reading a verification box's verdict on a dashboard page (shared by the browser tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def read_verdict(pg: Any, box: str, act: Callable[[], None]) -> tuple[str | None, str, str]:
    """Clear ``#{box}-result``'s verdict, run ``act``, wait for the new one.

    Returns ``data-verified`` ("true"/"false"), the result text and the steps
    text. Clearing first makes the wait see this check's verdict, not the last.
    """
    result = f"#{box}-result"
    pg.evaluate(f"() => {{ delete document.querySelector('{result}').dataset.verified; }}")
    act()
    pg.wait_for_selector(f"{result}[data-verified]", timeout=30_000)
    return (
        pg.get_attribute(result, "data-verified"),
        pg.inner_text(result),
        pg.inner_text(f"#{box}-steps"),
    )
