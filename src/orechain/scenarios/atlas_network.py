"""Build a commodity's (country, stage) network from the atlas.

Capacities
    Mining from USGS MCS mine production (country rows and "other countries").
    Rare-earth separation from the IEA magnet-REE refining supply in the atlas
    ``stage_shares`` table; copper refining from USGS refinery production;
    antimony refining from China's published refined share times world mine
    output, the rest refined where mined (allocation rule); rare-earth metal and
    magnet making from the previous stage's world total times the conversion
    factor, split by ``data/reference/scenario_stage_shares.csv`` (China's magnet
    share is data, the rest are labelled assumptions). Where only production is
    known, capacity = production / utilisation (``options.utilisation``).
Links
    Base flows between consecutive stages follow the rule of the issue: domestic
    first, then proportional to bilateral BACI exports of the stage's HS codes
    where the atlas has them, else proportional to partner capacity. Each base
    flow becomes a *contract* route (capacity = flow · (1 + headroom), unit cost
    1) beside a *spot* route (no own capacity, unit cost 1 + spot premium), so
    the undisrupted least-cost solution reproduces the base pattern and any
    rerouting pays a premium.
Bases and conversions
    Each stage keeps its own basis; node yields convert input to output with the
    factors of ``data/reference/scenario_conversions.csv`` (cited per row).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from orechain.atlas.query import DEFAULT_SOURCE, select_production
from orechain.atlas.sources import data_dir
from orechain.errors import NotFoundError
from orechain.scenarios.chains import Stage, chain_for
from orechain.scenarios.network import Link, Network, Node, Sink
from orechain.scenarios.trade_prior import stage_trade

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.scenarios.spec import Options, Scenario

logger = logging.getLogger(__name__)


@cache
def conversion_table() -> pd.DataFrame:
    """The bundled conversion factors (``reference/scenario_conversions.csv``)."""
    return pd.read_csv(data_dir() / "reference" / "scenario_conversions.csv")


@cache
def stage_share_table() -> pd.DataFrame:
    """The bundled stage shares for stages the atlas lacks."""
    return pd.read_csv(data_dir() / "reference" / "scenario_stage_shares.csv")


def conversion_factor(cid: str, upstream: str, downstream: str) -> tuple[float, str]:
    """Output of ``downstream`` per tonne of ``upstream`` output, and its note."""
    table = conversion_table()
    for key in (cid, "*"):
        row = table[
            (table.commodity == key)
            & (table.from_stage == upstream)
            & (table.to_stage == downstream)
        ]
        if not row.empty:
            return float(row.factor.iloc[0]), str(row.note.iloc[0])
    return 1.0, f"ASSUMPTION: no factor for {upstream} → {downstream}; 1 t per t."


def _mining(atlas: Atlas, cid: str, year: int | None, source: str = DEFAULT_SOURCE) -> pd.DataFrame:
    sel = select_production(atlas, cid, "mine", year, source=source)
    rows = sel.rows[sel.rows.country != "WORLD"].dropna(subset=["quantity_t"])
    rows = rows[~rows.country.isin(["USA_CAN"]) & (rows.quantity_t > 0)]
    out = rows.groupby("country", as_index=False)["quantity_t"].sum()
    return out.assign(source=sel.source_id, year=sel.year)


def _stage_shares_quantity(atlas: Atlas, cid: str, stage: str) -> pd.DataFrame:
    frame = atlas.query(
        "SELECT country, quantity_t, share, year, source_id FROM stage_shares "
        "WHERE commodity = ? AND stage = ? QUALIFY year = max(year) OVER ()",
        [cid, stage],
    )
    return frame


def _refining(
    atlas: Atlas, cid: str, year: int | None, mining: pd.DataFrame, source: str = DEFAULT_SOURCE
) -> pd.DataFrame:
    """Refining output by country: USGS, else IEA quantities, else the allocation rule."""
    for measure in ("refinery", "smelter"):
        try:
            sel = select_production(atlas, cid, measure, year, source=source)
        except NotFoundError:
            continue
        rows = sel.rows[~sel.rows.country.isin(["WORLD", "USA_CAN"])].dropna(subset=["quantity_t"])
        rows = rows[rows.quantity_t > 0].groupby("country", as_index=False)["quantity_t"].sum()
        return rows.assign(source=sel.source_id, year=sel.year)
    shares = _stage_shares_quantity(atlas, cid, "refining")
    with_q = shares.dropna(subset=["quantity_t"])
    if not with_q.empty:
        rows = with_q[with_q.quantity_t > 0][["country", "quantity_t", "source_id", "year"]]
        return rows.rename(columns={"source_id": "source"})
    return _refined_where_mined(mining, shares)


def _refined_where_mined(mining: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Published refined shares times world mine output; the rest refined where mined."""
    world = float(mining.quantity_t.sum())
    known = {str(r.country): float(r.share) * world for r in shares.itertuples() if r.share > 0}
    rest = mining[~mining.country.isin(list(known))]
    left = max(0.0, world - sum(known.values()))
    alloc = rest.quantity_t / max(float(rest.quantity_t.sum()), 1e-12) * left
    out = pd.concat(
        [
            pd.DataFrame({"country": list(known), "quantity_t": list(known.values())}),
            pd.DataFrame({"country": rest.country, "quantity_t": alloc}),
        ]
    )
    return out[out.quantity_t > 0].assign(source="allocation rule (refined where mined)", year=None)


def _derived_stage(cid: str, stage: str, upstream_total: float, factor: float) -> pd.DataFrame:
    table = stage_share_table()
    rows = table[(table.commodity == cid) & (table.stage == stage)]
    if rows.empty:
        msg = f"no capacity data for {cid} {stage} in the atlas or the bundled stage shares"
        raise NotFoundError(msg)
    total = upstream_total * factor
    return pd.DataFrame(
        {
            "country": rows.country,
            "quantity_t": rows.share * total,
            "source": rows.source,
            "year": None,
        }
    )


def stage_outputs(
    atlas: Atlas, cid: str, year: int | None, source: str = DEFAULT_SOURCE
) -> dict[str, pd.DataFrame]:
    """Base-year output by country for every stage of the commodity's chain [t, stage basis].

    ``source`` is a USGS source family or one vintage (``usgs-mcs-2024``): a
    backtest builds its network only from data published before its event.
    """
    chain = chain_for(cid)
    out: dict[str, pd.DataFrame] = {"mining": _mining(atlas, cid, year, source)}
    for prev, stage in zip(chain, chain[1:], strict=False):
        factor, _ = conversion_factor(cid, prev.name, stage.name)
        if stage.name in ("separation", "refining"):
            out[stage.name] = _refining(atlas, cid, year, out["mining"], source)
        else:
            total = float(out[prev.name].quantity_t.sum())
            out[stage.name] = _derived_stage(cid, stage.name, total, factor)
    return out


def _nodes(
    cid: str, chain: tuple[Stage, ...], outputs: dict[str, pd.DataFrame], util: float
) -> list[Node]:
    nodes: list[Node] = []
    for k, stage in enumerate(chain):
        factor = conversion_factor(cid, chain[k - 1].name, stage.name)[0] if k else 1.0
        for row in outputs[stage.name].itertuples():
            base = float(row.quantity_t)
            nodes.append(
                Node(str(row.country), stage.name, base / util, base, factor, 0.0, stage.basis)
            )
    return nodes


Columns = list[tuple[set[str], bool]]
"""Per column: a country set, and whether it means "every country *not* in the set" (ROW)."""


def _trade_to(trade: pd.DataFrame, exporter: str, column: tuple[set[str], bool]) -> float:
    members, negate = column
    rows = trade[(trade.reporter == exporter) & (trade.partner != exporter)]
    hit = ~rows.partner.isin(members) if negate else rows.partner.isin(members)
    return float(rows[hit].quantity_t.sum())


def _own_column(country: str, columns: Columns) -> int | None:
    for j, (members, negate) in enumerate(columns):
        if (country in members) != negate:
            return j
    return None


def _allocate(base: float, own: int | None, weights: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Split a node's output: own column first, the rest by trade, else by partner need.

    The own (domestic) column takes output minus recorded exports, or — without
    trade data — its own need; what is left goes to the other columns in
    proportion to the exporter's recorded exports to them, else to their need.
    """
    flows = np.zeros(len(weights))
    foreign = weights.copy()
    fallback = need.astype(float).copy()
    if own is not None:
        foreign[own] = fallback[own] = 0.0
        domestic = base - foreign.sum() if foreign.sum() > 0 else need[own]
        flows[own] = min(max(domestic, 0.0), base)
    left = base - flows.sum()
    split = foreign if foreign.sum() > 0 else fallback
    if left > 0 and split.sum() > 0:
        flows += left * split / split.sum()
    elif left > 0 and own is not None:
        flows[own] += left
    return flows


def _hop_links(
    up: list[int],
    targets: list[int],
    columns: Columns,
    nodes: list[Node],
    trade: pd.DataFrame,
    need: np.ndarray,
    to_sink: bool,
    opts: Options,
) -> tuple[list[Link], np.ndarray]:
    """Contract and spot routes from every upstream node to every column."""
    links: list[Link] = []
    totals = np.zeros(len(targets))
    for i in up:
        node = nodes[i]
        weights = np.array([_trade_to(trade, node.country, col) for col in columns])
        flows = _allocate(node.base_t, _own_column(node.country, columns), weights, need)
        totals += flows
        for j, f in enumerate(flows):
            if f > 1e-9:
                cap = f * (1 + opts.contract_headroom)
                links.append(Link(i, targets[j], to_sink, cap, 1.0, "contract", float(f)))
            links.append(Link(i, targets[j], to_sink, None, 1.0 + opts.spot_premium, "spot"))
    return links, totals


def build_atlas_network(atlas: Atlas, scn: Scenario) -> Network:
    """The commodity's network for a scenario: nodes, contract/spot routes, sinks.

    Sinks are made for every (demand region, stage) the scenario's demand names.
    The base flow to a ``tonnes: network`` region (e.g. rest of world) is
    recorded in ``Network.base_demand``.
    """
    cid = scn.commodity_id
    assert cid is not None
    chain = chain_for(cid)
    opts = scn.options
    outputs = stage_outputs(atlas, cid, opts.data_year, opts.data_source)
    nodes = _nodes(cid, chain, outputs, opts.utilisation)
    links: list[Link] = []
    sinks: list[Sink] = []
    base_demand: dict[tuple[str, str], float] = {}
    for k, stage in enumerate(chain):
        trade = stage_trade(atlas, cid, stage.hs_stage, opts.data_year)
        up = [i for i, n in enumerate(nodes) if n.stage == stage.name]
        if k + 1 < len(chain):
            links += _next_stage_links(nodes, up, chain[k + 1].name, trade, opts)
        regions = [d for d in scn.demand_regions if _has_demand(scn, d, stage.name, chain)]
        if regions:
            sink_links, totals = _sink_links(nodes, up, regions, stage.name, trade, scn, len(sinks))
            links += sink_links
            sinks += [Sink(r, stage.name) for r in regions]
            base_demand.update(_residual_demand(scn, regions, stage.name, totals))
    return Network(
        stages=tuple(s.name for s in chain),
        nodes=tuple(nodes),
        sinks=tuple(sinks),
        links=tuple(links),
        commodity=cid,
        bases={s.name: s.basis for s in chain},
        base_demand=base_demand,
        assumptions=_assumptions(cid, chain, opts),
        data_sources=tuple(sorted({str(s) for f in outputs.values() for s in f.source.dropna()})),
    )


def _residual_demand(
    scn: Scenario, regions: list[str], stage: str, totals: np.ndarray
) -> dict[tuple[str, str], float]:
    """Base demand of ``tonnes: network`` regions, keeping world demand = world output.

    Trade-sized base flows to a region with stated demand can fall short of
    that demand (e.g. US antimony oxide imports are not in the HS basket); the
    gap is taken from the residual regions in proportion to their base flows,
    so stated demand is not double-counted on top of a fully allocated world.
    """
    stated = {r: _stated_demand(scn, r, stage) for r in regions}
    flows = dict(zip(regions, (float(t) for t in totals), strict=True))
    gap = sum(v - flows[r] for r, v in stated.items() if v is not None)
    residual = [r for r in regions if stated[r] is None]
    pool = sum(flows[r] for r in residual)
    scale = max(0.0, 1.0 - gap / pool) if pool > 0 else 0.0
    return {(r, stage): flows[r] * scale for r in residual}


def _has_demand(scn: Scenario, region: str, stage: str, chain: tuple[Stage, ...]) -> bool:
    return any(d.region == region and (d.stage or chain[-1].name) == stage for d in scn.demand)


def _next_stage_links(
    nodes: list[Node], up: list[int], stage: str, trade: pd.DataFrame, opts: Options
) -> list[Link]:
    down = [j for j, n in enumerate(nodes) if n.stage == stage]
    need = np.array([nodes[j].base_t / nodes[j].yield_ for j in down])
    columns: Columns = [({nodes[j].country}, False) for j in down]
    links, _ = _hop_links(up, down, columns, nodes, trade, need, False, opts)
    return links


def _sink_links(
    nodes: list[Node],
    up: list[int],
    regions: list[str],
    stage: str,
    trade: pd.DataFrame,
    scn: Scenario,
    offset: int,
) -> tuple[list[Link], np.ndarray]:
    total = sum(nodes[i].base_t for i in up)
    need = np.array([_stated_demand(scn, r, stage) or total for r in regions])
    listed = set().union(*(scn.region_members(r) or set() for r in regions))
    columns: Columns = [
        (members, False) if (members := scn.region_members(r)) is not None else (listed, True)
        for r in regions
    ]
    targets = [offset + j for j in range(len(regions))]
    return _hop_links(up, targets, columns, nodes, trade, need, True, scn.options)


def _stated_demand(scn: Scenario, region: str, stage: str) -> float | None:
    """Stated base demand of a region at a stage [t]; None if any entry is 'network'."""
    last = scn.stages[-1]
    entries = [d for d in scn.demand if d.region == region and (d.stage or last) == stage]
    if any(d.tonnes == "network" for d in entries):
        return None
    return sum(float(d.tonnes) for d in entries)


def _assumptions(cid: str, chain: tuple[Stage, ...], opts: Options) -> tuple[str, ...]:
    notes = [
        f"ASSUMPTION: capacity = base-year production / utilisation {opts.utilisation:g} "
        "where only production is known.",
        f"ASSUMPTION: contract routes carry base flows + {opts.contract_headroom:.0%} headroom "
        f"at unit cost 1; spot routes cost 1 + {opts.spot_premium:g}; new capacity sells under "
        f"offtake at {opts.offtake_cost:g} (relative units).",
        f"ASSUMPTION: existing capacity grows {opts.capacity_growth:.1%} a year.",
        "ASSUMPTION: base flows follow BACI exports where present, else domestic first, "
        "then proportional to partner capacity.",
        "ASSUMPTION: 'network' demand (e.g. rest of world) = base-year output allocated to it, "
        "less any stated demand the trade-sized base flows do not cover.",
    ]
    for prev, stage in zip(chain, chain[1:], strict=False):
        factor, note = conversion_factor(cid, prev.name, stage.name)
        notes.append(f"{prev.name} → {stage.name}: {factor:g} t/t. {note}")
    return tuple(notes)
