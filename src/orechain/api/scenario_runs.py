"""One scenario run as the dashboard shows it: the run, its comparison run, Sankey flows.

``orechain.scenarios`` is written in parallel with this layer, so this module
uses only its documented entry points (``solve.build_network``,
``solve.run_scenario``, ``results.to_json``) and reports progress by phase.
"""

from __future__ import annotations

import logging
from typing import Any

from orechain.api.jobs import Job
from orechain.atlas.store import Atlas

logger = logging.getLogger(__name__)

__all__ = ["run_for_dashboard", "sankey_links"]


def sankey_links(flows: dict[str, float]) -> list[dict[str, Any]]:
    """Links ``{source, target, tonnes}`` from flow names ``"A → B (kind)"`` [t]."""
    out: dict[tuple[str, str], float] = {}
    for name, tonnes in flows.items():
        src, sep, dst = name.partition(" → ")
        if not sep or tonnes <= 0:
            continue
        dst = dst.split(" (", 1)[0].strip()
        key = (src.strip(), dst)
        out[key] = out.get(key, 0.0) + float(tonnes)
    return [{"source": s, "target": t, "tonnes": v} for (s, t), v in sorted(out.items())]


def run_for_dashboard(scn: Any, atlas: Atlas | None, job: Job) -> dict[str, Any]:
    """Run ``scn`` (and its ``report.compare_without`` variant) and return one document.

    Returns
    -------
    dict
        ``to_json`` of the run (``scenario``, ``years``, ``summary`` …) plus
        ``sankey`` (last year's flows) and ``comparison`` (the variant's years and
        summary) when the scenario names mitigations to drop.
    """
    from orechain.scenarios.results import to_json
    from orechain.scenarios.solve import build_network, run_scenario

    job.report(0.05, "building the network")
    net = build_network(scn, atlas)
    job.report(0.2, "solving the scenario as specified")
    result = run_scenario(scn, atlas, net=net)
    doc = to_json(result)
    last = result.years[-1]
    doc["sankey"] = {"year": last.year, "links": sankey_links(last.flows)}
    dropped = list(getattr(scn.report, "compare_without", []) or [])
    if dropped:
        label = "without " + ", ".join(dropped)
        job.report(0.6, f"solving the comparison run ({label})")
        other = run_scenario(scn.without(dropped), atlas, net=net, variant=label)
        alt = to_json(other)
        doc["comparison"] = {"variant": label, "years": alt["years"], "summary": alt["summary"]}
    job.report(1.0, "done")
    return doc
