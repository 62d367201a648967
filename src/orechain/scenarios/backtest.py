"""Backtests: re-run real export controls with only the data published before them.

Each :class:`Event` builds a scenario from the last USGS Mineral Commodity
Summaries vintage published before the event (``options.data_source``) and the
data year before it, solves the event year with and without the disruption,
and sets the model's answers beside what the atlas's own later data show:

- **price**: the model's US end-use price index in the event year (1.0 = the
  year before) against the USGS salient price ratio (after / before);
- **China's share of US supply**: the model's change in China's share of the US
  supply of the last stage (with against without the event) against the change
  in China's share of US imports (BACI, by value) of the stage's HS code
  between a year before and a year after.

A row is *within a factor of 2* when the predicted change has the observed
sign and its size is between half and twice the observed one (for a price:
``(p − 1) / (o − 1) ∈ [0.5, 2]``). Every input that is not data is labelled
ASSUMPTION in the event and echoed in the output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from orechain.errors import NotFoundError
from orechain.scenarios.solve import run_scenario
from orechain.scenarios.spec import Scenario, parse_scenario

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.scenarios.results import ScenarioResult


@dataclass(frozen=True)
class Comparison:
    """One backtest row: observed against predicted."""

    event: str
    measure: str
    observed: float | None
    predicted: float | None
    direction: bool | None
    """Whether the predicted change has the observed sign (None: not comparable)."""
    within_factor_2: bool | None
    """Direction right and size within [0.5, 2] × the observed change."""
    observed_source: str
    predicted_note: str
    unit: str = "index"
    """``index`` (1 = before the event) or ``share-change`` (a difference of fractions)."""


@dataclass(frozen=True)
class Event:
    """A real export control, the data before it and what to compare after it."""

    id: str
    title: str
    date: str
    commodity: str
    year: int
    """Year the event bites (the modelled year)."""
    before: int
    """Last data year before the event (base year of the model)."""
    vintage: str
    """Last USGS MCS vintage published before the event."""
    price_item: str
    """USGS salient price series compared with the model's price index."""
    hs6: str
    """HS code of the US imports whose China share is compared."""
    trade_years: tuple[int, int]
    """BACI years compared (before, after)."""
    build: Callable[[Atlas, Event], dict[str, Any]]
    notes: tuple[str, ...] = ()


def _salient(atlas: Atlas, cid: str, item: str, year: int, vintage: str | None = None) -> float:
    """One salient value: from ``vintage``, else from the latest vintage with that year."""
    clause = "AND source_id = ?" if vintage else ""
    frame = atlas.query(
        f"SELECT value, source_id FROM salient WHERE commodity = ? AND item = ? AND year = ? "
        f"{clause} AND value IS NOT NULL ORDER BY source_id DESC LIMIT 1",
        [cid, item, year, *([vintage] if vintage else [])],
    )
    if frame.empty:
        msg = f"no USGS salient {item} for {cid} in {year}" + (f" ({vintage})" if vintage else "")
        raise NotFoundError(msg)
    return float(frame.value.iloc[0])


def china_import_share(atlas: Atlas, hs6: str, year: int) -> float:
    """China's share of US imports of one HS code by value (BACI, exporter → USA)."""
    frame = atlas.query(
        "SELECT reporter, sum(value_usd) AS v FROM trade WHERE partner = 'USA' AND hs6 = ? "
        "AND year = ? AND flow = 'export' GROUP BY reporter",
        [hs6, year],
    )
    total = float(frame.v.sum()) if not frame.empty else 0.0
    if total <= 0:
        msg = f"no BACI US imports of HS {hs6} in {year}"
        raise NotFoundError(msg)
    return float(frame[frame.reporter == "CHN"].v.sum()) / total


_NET_CHN = "ASSUMPTION: China's base use = its modelled refined output minus BACI exports"
_NET_ROW = "ASSUMPTION: rest of world = remaining modelled refined output"


def _antimony(atlas: Atlas, ev: Event) -> dict[str, Any]:
    consumption = _salient(atlas, "antimony", "Consump_t", ev.before, ev.vintage)
    return {
        "name": f"backtest {ev.id}",
        "description": ev.title,
        "commodity": "antimony",
        "horizon": {"start": ev.year, "end": ev.year},
        "base_year": ev.before,
        "regions": {"USA": ["USA"], "CHN": ["CHN"]},
        "demand": [
            {
                "region": "USA",
                "sector": "all",
                "tonnes": consumption,
                "source": f"USGS {ev.vintage} salient: US apparent consumption {ev.before}",
            },
            {
                "region": "CHN",
                "sector": "all",
                "tonnes": "network",
                "source": _NET_CHN,
            },
            {
                "region": "ROW",
                "sector": "all",
                "tonnes": "network",
                "source": _NET_ROW,
            },
        ],
        "disruptions": [
            {
                "type": "export_restriction",
                "id": "cn-sb-controls",
                "country": "CHN",
                "stages": ["refining"],
                "to": ["USA"],
                "share": 1.0,
                "start": ev.year,
                "note": "ASSUMPTION: the 2024 controls (licensing from 15 Sep, US ban from "
                "3 Dec) as a full stop of Chinese-origin refined antimony to the US for the year",
            }
        ],
        "options": {"data_year": ev.before, "data_source": ev.vintage},
        "report": {"focus_region": "USA"},
    }


def _gallium(atlas: Atlas, ev: Event) -> dict[str, Any]:
    """One-stage gallium network: USGS primary output (base) and plant capacity by country."""
    from orechain.atlas.query import select_production

    out = select_production(atlas, "gallium", "plant", ev.before, source=ev.vintage).rows
    cap = select_production(atlas, "gallium", "plant capacity", ev.before, source=ev.vintage).rows
    base = {str(r.country): float(r.quantity_t) for r in out.itertuples() if r.country != "WORLD"}
    nodes, links = [], []
    for r in cap.itertuples():
        country = str(r.country)
        if country == "WORLD" or not r.quantity_t > 0:
            continue
        nodes.append(
            {
                "id": f"{country} gallium",
                "country": country,
                "stage": "refining",
                "capacity_t": float(r.quantity_t),
                "base_t": base.get(country, 0.0),
            }
        )
        home = country if country in ("USA", "CHN") else "ROW"
        for region in ("USA", "CHN", "ROW"):
            links.append(
                {
                    "from": f"{country} gallium",
                    "to": region,
                    "cost_per_t": 1.0 if region == home else 1.5,
                }
            )
    world = sum(base.values())
    usa = _salient(atlas, "gallium", "Consump_kg", ev.before, ev.vintage) / 1000.0
    china = 0.8 * base.get("CHN", 0.0)
    return {
        "name": f"backtest {ev.id}",
        "description": ev.title,
        "horizon": {"start": ev.year, "end": ev.year},
        "base_year": ev.before,
        "regions": {"USA": ["USA"], "CHN": ["CHN"]},
        "network": {"stages": ["refining"], "nodes": nodes, "links": links},
        "demand": [
            {
                "region": "USA",
                "sector": "all",
                "tonnes": usa,
                "source": f"USGS {ev.vintage} salient: US consumption {ev.before}",
            },
            {
                "region": "CHN",
                "sector": "all",
                "tonnes": china,
                "source": "ASSUMPTION: China uses 80% of its primary output (no bundled source "
                "gives China's gallium exports)",
            },
            {
                "region": "ROW",
                "sector": "all",
                "tonnes": max(0.0, world - usa - china),
                "source": f"ASSUMPTION: rest of world = USGS {ev.vintage} world primary output "
                "less US and Chinese use",
            },
        ],
        "disruptions": [
            {
                "type": "export_restriction",
                "id": "cn-ga-licensing",
                "country": "CHN",
                "stages": ["refining"],
                "to": "all",
                "share": 0.2,
                "start": ev.year,
                "note": "ASSUMPTION: licensing from 1 Aug 2023 cut China's gallium exports "
                "for the year by a fifth",
            }
        ],
        "report": {"focus_region": "USA"},
        "assumptions": [
            "ASSUMPTION: route costs: own region 1, elsewhere 1.5 (relative units)",
        ],
    }


EVENTS: dict[str, Event] = {
    e.id: e
    for e in (
        Event(
            id="antimony-2024",
            title="China's 2024 antimony export controls and ban on exports to the US",
            date="2024-09-15 / 2024-12-03",
            commodity="antimony",
            year=2024,
            before=2023,
            vintage="usgs-mcs-2024",
            price_item="Price_Metal_dlb",
            hs6="811010",
            trade_years=(2022, 2024),
            build=_antimony,
            notes=(
                "observed price: USGS MCS 2025 (2024 average; it covers the September "
                "licensing and the December ban, no 2025 price is bundled)",
            ),
        ),
        Event(
            id="gallium-germanium-2023",
            title="China's 2023 gallium and germanium export licensing",
            date="2023-08-01",
            commodity="gallium",
            year=2023,
            before=2022,
            vintage="usgs-mcs-2023",
            price_item="Price_High-purity_dkg",
            hs6="811292",
            trade_years=(2022, 2024),
            build=_gallium,
            notes=(
                "HS 811292 groups gallium, germanium, hafnium, indium, niobium, rhenium and "
                "vanadium: a proxy for gallium imports",
                "germanium is not modelled: USGS withholds country refinery output, so no "
                "pre-event network can be built from the bundled data",
            ),
        ),
    )
}
"""The bundled events, by id."""


def event_scenario(atlas: Atlas, ev: Event) -> Scenario:
    """The event's scenario, from data published before it."""
    return parse_scenario(ev.build(atlas, ev))


def _change_row(
    ev: Event,
    measure: str,
    obs: float,
    pred: float,
    source: str,
    note: str,
    *,
    baseline: float,
    unit: str = "index",
) -> Comparison:
    """Compare two changes from ``baseline`` (1 for a price index, the before-share for shares)."""
    d_obs, d_pred = obs - baseline, pred - baseline
    direction = None if abs(d_obs) < 1e-12 else (d_pred > 0) == (d_obs > 0) and abs(d_pred) > 1e-12
    within = None if direction is None else bool(direction and 0.5 <= d_pred / d_obs <= 2.0)
    return Comparison(ev.id, measure, obs, pred, direction, within, source, note, unit)


def _china_share(result: ScenarioResult, stage: str) -> float:
    return result.years[0].regions["USA"].supply_share_by_origin.get(stage, {}).get("CHN", 0.0)


def run_event(atlas: Atlas, ev: Event) -> dict[str, Any]:
    """Run one event; its rows, assumptions and the data vintage it was built from."""
    scn = event_scenario(atlas, ev)
    # only China's share is read: no routing samples (the headline is the point estimate)
    hit = run_scenario(scn, atlas, routing_samples=0)
    calm = run_scenario(scn.model_copy(update={"disruptions": []}), atlas, routing_samples=0)
    stage = scn.stages[-1] if scn.network is None else scn.network.stages[-1]
    before_p = _salient(atlas, ev.commodity, ev.price_item, ev.before)
    after_p = _salient(atlas, ev.commodity, ev.price_item, ev.year)
    index = hit.years[0].regions["USA"].price_index.get(stage, 1.0)
    rows = [
        _change_row(
            ev,
            f"US price index {ev.year} ({ev.before} = 1)",
            after_p / before_p,
            index,
            f"USGS salient {ev.price_item}: {before_p:g} → {after_p:g}",
            "model: US end-use clearing price / reference-year price",
            baseline=1.0,
        )
    ]
    y0, y1 = ev.trade_years
    share0, share1 = china_import_share(atlas, ev.hs6, y0), china_import_share(atlas, ev.hs6, y1)
    pred0, pred1 = _china_share(calm, stage), _china_share(hit, stage)
    rows.append(
        _change_row(
            ev,
            f"change in China's share of US {stage} supply",
            share1 - share0,
            pred1 - pred0,
            f"BACI US imports of HS {ev.hs6} by value: {share0:.1%} ({y0}) → {share1:.1%} ({y1})",
            f"model: {pred0:.1%} without the event → {pred1:.1%} with it (origin-traced)",
            baseline=0.0,
            unit="share-change",
        )
    )
    return {
        "id": ev.id,
        "title": ev.title,
        "date": ev.date,
        "data": {"vintage": ev.vintage, "data_year": ev.before, "modelled_year": ev.year},
        "notes": list(ev.notes),
        "assumptions": list(hit.assumptions),
        "rows": [asdict(r) for r in rows],
    }


def run_backtests(atlas: Atlas, event: str | None = None) -> dict[str, Any]:
    """Every bundled event (or one): ``{events: [...], rows: [...], summary}``."""
    if event is not None and event not in EVENTS:
        msg = f"no backtest event {event!r}; events: {', '.join(EVENTS)}"
        raise NotFoundError(msg)
    chosen = [EVENTS[event]] if event else list(EVENTS.values())
    events = [run_event(atlas, ev) for ev in chosen]
    rows = [r for e in events for r in e["rows"]]
    return {
        "events": events,
        "rows": rows,
        "summary": {
            "rows": len(rows),
            "direction_right": sum(1 for r in rows if r["direction"]),
            "within_factor_2": sum(1 for r in rows if r["within_factor_2"]),
        },
    }
