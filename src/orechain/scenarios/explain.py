"""Assumption sensitivity of a scenario's headline figures (a tornado for scenarios).

Each headline figure — the focus region's total shortfall over the horizon, China's
share of its supply at the last stage in the last year, and its end-use price index
in the worst year — is recomputed with one assumption at 80 % and at 120 % of its
value, all else as in the file. The five assumptions each figure swings most with
are reported, with the figure at both ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orechain.scenarios.results import to_json
from orechain.scenarios.solve import build_network, run_scenario

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.scenarios.spec import Scenario

SWING = 0.2
"""Relative change applied to each assumption (±20 %)."""

NETWORK_OPTIONS = ("spot_premium", "utilisation")
"""Options the network is built from (a change needs a rebuild)."""

OPTIONS = ("elasticity", "excess_cost", "spot_premium", "utilisation", "capacity_growth")


def headlines(doc: dict[str, Any]) -> dict[str, float]:
    """The headline figures of one run document."""
    years = doc["years"]
    last = years[-1]
    stage = list(last["supply_share_by_origin"])[-1] if last["supply_share_by_origin"] else None
    worst = max(years, key=lambda y: y["shortfall_t"])
    out = {
        "total shortfall t": float(doc["summary"]["shortfall_t"]),
        f"CHN share of {stage} supply {last['year']}": float(
            last["supply_share_by_origin"].get(stage, {}).get("CHN", 0.0) if stage else 0.0
        ),
    }
    if worst.get("price_index"):
        end = list(worst["price_index"])[-1]
        out[f"{end} price index {worst['year']}"] = float(worst["price_index"][end])
    return out


def _variants(scn: Scenario) -> list[tuple[str, Scenario, Scenario, bool]]:
    """(label, scenario at −20 %, at +20 %, needs a network rebuild) per assumption."""
    out = []
    opts = scn.options
    for name in OPTIONS:
        value = float(getattr(opts, name))
        if value == 0 or (name == "elasticity" and opts.market != "price"):
            continue
        pair = []
        for f in (1 - SWING, 1 + SWING):
            v = min(value * f, 1.0) if name == "utilisation" else value * f
            pair.append(scn.model_copy(update={"options": opts.model_copy(update={name: v})}))
        out.append((f"options.{name} = {value:g}", pair[0], pair[1], name in NETWORK_OPTIONS))
    for sector, weight in scn.priorities.items():
        pair = [
            scn.model_copy(update={"priorities": {**scn.priorities, sector: weight * f}})
            for f in (1 - SWING, 1 + SWING)
        ]
        out.append((f"priority {sector} = {weight:g}", pair[0], pair[1], False))
    return out


def explain(scn: Scenario, atlas: Atlas | None, top: int = 5) -> dict[str, Any]:
    """For each headline figure, the ``top`` assumptions it is most sensitive to (±20 %)."""
    net = build_network(scn, atlas)
    base = headlines(to_json(run_scenario(scn, net=net, routing_samples=0)))
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in base}
    for label, low, high, rebuild in _variants(scn):
        figs = []
        for variant in (low, high):
            vnet = build_network(variant, atlas) if rebuild else net
            figs.append(headlines(to_json(run_scenario(variant, net=vnet, routing_samples=0))))
        for key, value in base.items():
            lo, hi = figs[0].get(key, value), figs[1].get(key, value)
            rows[key].append(
                {"assumption": label, "low": lo, "high": hi, "swing": abs(hi - lo), "base": value}
            )
    return {
        "swing": SWING,
        "figures": [
            {
                "figure": key,
                "base": base[key],
                "assumptions": sorted(r, key=lambda x: -x["swing"])[:top],
            }
            for key, r in rows.items()
        ],
    }
