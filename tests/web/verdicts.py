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


def run_corridor_scenario(
    context: Any,
    live_server: str,
    page_watch: Any,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Any, Any, dict[str, Any]]:
    """Open /scenarios, run pakistan-us-corridor and wait for the finished run.

    ``edit`` may change the finished run document on its way to the page (e.g.
    strip a field, as a run from an older version would lack it). Returns the
    page, its watch and ``{"result": the run document the page received}``.
    """
    pg = context.new_page()
    watch = page_watch(pg, live_server.rstrip("/"))
    seen = relay_runs(pg, edit)
    pg.goto(live_server + "scenarios?scenario=pakistan-us-corridor")
    pg.click("#run")
    pg.wait_for_selector("#status[data-done=true]", state="attached", timeout=120_000)
    return pg, watch, seen


def relay_runs(pg: Any, edit: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Pass the page's scenario-run polls through, ``edit`` applied to the finished document.

    Returns the dictionary that receives ``"result"``: the run document the page got.
    """
    seen: dict[str, Any] = {}

    def relay(route: Any) -> None:
        response = route.fetch()
        job = response.json()
        if job.get("status") == "done":
            if edit is not None:
                edit(job["result"])
            seen["result"] = job["result"]
        route.fulfill(response=response, json=job)

    pg.route("**/api/scenarios/runs/*", relay)
    return seen


HEADERS = (
    "(sel) => [...document.querySelectorAll(sel + ' thead th')].map((th) => th.textContent.trim())"
)
"""A table's header texts (``pg.evaluate(HEADERS, "#table")``)."""

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
"""How far the page is wider than the screen [px] (0 or less: no horizontal scroll)."""

NOWRAP_LINES = (
    "(sel) => [...document.querySelectorAll(sel)].map((el) => el.getClientRects().length)"
)
"""Line boxes of each element ``sel`` matches: 1 when it is kept on one line."""
