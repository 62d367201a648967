"""EU supply risk (SR) of a commodity for a buyer, per stage, with its inputs shown.

    SR = [HHI_WGI,t(global) · IR/2 + HHI_WGI,t(sourcing) · (1 − IR/2)] · (1 − EoL_RIR) · SI_SR

computed per stage (mining; refining/metal) and reported with the maximum over
stages, as the EU method prescribes. Every input is tagged ``data`` (with its
source id) or ``assumption`` (with the default used), so a reader can see which
part of the number is measured.

- ``HHI_WGI,t(global)``: Σ s_c²·WGI_c·t over world producers at the stage (atlas).
- ``HHI_WGI,t(sourcing)``: the same over the buyer's own sourcing mix — domestic
  supply with share ``1 − IR`` and imports with share ``IR`` split by the
  buyer's BACI import values for the stage's HS codes.
- ``IR``: import reliance 0..1; for the U.S. the USGS net import reliance
  (net exporter → 0); for other buyers it must be given.
- ``EoL_RIR``: end-of-life recycling input rate (SCRREEN / EC CRM 2023 as
  bundled in the GeoPolRisk WMD map), else an assumption of 0.
- ``SI_SR``: substitution index; assumption 1.0 (no substitute) unless given.
- ``t``: trade-restriction factor; assumption 1.0 (no export restriction) unless given.

References
----------
European Commission (2017), Methodology for establishing the EU list of critical
raw materials, DOI 10.2873/769526, §3.2 (supply risk).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from orechain.atlas.commodities import resolve_commodity
from orechain.atlas.hs_codes import hs_map
from orechain.atlas.query import measures, select_production
from orechain.atlas.sources import data_dir
from orechain.atlas.stages import extra_stages, measure_stage
from orechain.atlas.store import Atlas
from orechain.errors import InputError, NotFoundError
from orechain.risk.concentration import shares
from orechain.risk.governance import governance_scores, hhi_wgi
from orechain.risk.import_reliance import net_import_reliance
from orechain.risk.imports import import_mix

PROCESSING_HS = ("refining", "separation", "metal")
STAGE_HS = {
    "mining": ("mining", "beneficiation"),
    "processing": PROCESSING_HS,
    "separation": PROCESSING_HS,
    "smelting": PROCESSING_HS,
    "refining": PROCESSING_HS,
    "metal": ("metal",),
    "magnet": ("magnet",),
}
"""Stage id → ``hs_map.stage`` ids whose trade is that stage's sourcing.

A production measure is looked up by its stage (:func:`measure_stage`: ``mine``
→ mining, ``refinery`` → refining, ``plant`` → processing).
"""

EOL_SOURCE = "geopolrisk-wmd-hs-code-map"


@dataclass(frozen=True)
class RiskInput:
    """One input of the SR formula and where it comes from."""

    name: str
    value: float | None
    kind: str
    """``data`` or ``assumption``."""
    source: str
    """Source id for data; a short justification for an assumption."""


@dataclass(frozen=True)
class StageSupplyRisk:
    """SR at one stage."""

    stage: str
    year: int
    hs_codes: list[str]
    hhi_wgi_global: float
    hhi_wgi_sourcing: float
    import_reliance: float
    sr: float
    sourcing: dict[str, float] = field(default_factory=dict)
    """The buyer's sourcing shares by ISO3 (domestic + imports), 0..1."""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SupplyRisk:
    """EU supply risk of a commodity for a buyer: per stage and the maximum."""

    commodity: str
    buyer: str
    sr: float
    """Maximum SR over the stages computed."""
    max_stage: str
    stages: list[StageSupplyRisk]
    inputs: list[RiskInput]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return asdict(self)


def supply_risk_formula(
    hhi_wgi_global: float,
    hhi_wgi_sourcing: float,
    import_reliance: float,
    eol_rir: float,
    substitution_index: float,
) -> float:
    """The EU SR formula on already-computed inputs.

    Examples
    --------
    >>> round(supply_risk_formula(5.0, 3.0, 0.8, 0.1, 1.0), 3)
    3.42
    """
    if not 0.0 <= import_reliance <= 1.0:
        msg = f"import reliance must lie in [0, 1], got {import_reliance}"
        raise InputError(msg, field="import_reliance")
    blended = hhi_wgi_global * import_reliance / 2 + hhi_wgi_sourcing * (1 - import_reliance / 2)
    return blended * (1 - eol_rir) * substitution_index


@cache
def _eol_rates() -> dict[str, float]:
    """EoL-RIR by commodity id from the bundled WMD/HS map (SCRREEN, EC CRM 2023)."""
    ref = data_dir() / "reference" / "wmd_commodities.csv"
    with ref.open(encoding="utf-8", newline="") as fh:
        to_id = {r["wmd_commodity"]: r["commodity"] for r in csv.DictReader(fh)}
    path = data_dir() / "baci_hs92_geopolrisk" / "wmd_hs_code_map.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rates: dict[str, float] = {}
    for row in rows:
        cid = to_id.get(row["Sheet_name"])
        if cid and cid != "skip" and row["EoL-RIR (2023)"].strip():
            rates.setdefault(cid, float(row["EoL-RIR (2023)"]))
    return rates


def _import_reliance(
    atlas: Atlas, cid: str, buyer: str, year: int, given: float | None
) -> RiskInput:
    if given is not None:
        return RiskInput("import_reliance", given, "assumption", "given by the user")
    if buyer != "USA":
        msg = f"import reliance of {buyer} is not in the atlas (USGS covers the U.S.); give it"
        raise InputError(msg, field="import_reliance")
    nir = net_import_reliance(atlas, cid, year)
    if nir.flag == "E":
        return RiskInput("import_reliance", 0.0, "data", f"{nir.source_id} (net exporter)")
    if nir.value_pct is None:
        msg = f"no U.S. net import reliance for {cid} in {year}; give --import-reliance"
        raise NotFoundError(msg)
    value = min(max(nir.value_pct / 100.0, 0.0), 1.0)
    return RiskInput("import_reliance", value, "data", str(nir.source_id))


def _stage_codes(cid: str, stage: str) -> list[str]:
    table = hs_map()
    rows = table[
        (table["commodity"] == cid) & table["stage"].isin(STAGE_HS.get(measure_stage(stage), ()))
    ]
    return sorted(set(rows["hs6"]))


def _import_values(atlas: Atlas, cid: str, buyer: str, year: int, codes: list[str]) -> pd.Series:
    values: dict[str, float] = {}
    for code in codes:
        try:
            mix = import_mix(atlas, cid, buyer, year, hs=code)
        except NotFoundError:
            continue
        for p in mix.partners:
            values[p.iso3] = values.get(p.iso3, 0.0) + p.value_usd
    return pd.Series(values, dtype=float)


def _stage_risk(
    atlas: Atlas,
    cid: str,
    buyer: str,
    stage: str,
    year: int | None,
    ir: float,
    eol: float,
    si: float,
    t: float,
) -> StageSupplyRisk:
    sel = select_production(atlas, cid, stage, year)
    produced = sel.countries.dropna(subset=["value"]).groupby("country")["value"].sum()
    world = shares(produced, other=sel.other_value)
    wgi = governance_scores(atlas, sel.year) * t
    codes = _stage_codes(cid, stage)
    imports = _import_values(atlas, cid, buyer, sel.year, codes)
    notes = [sel.note] if sel.note else []
    if imports.empty:
        notes.append("no BACI imports for the stage's HS codes: imports split like world supply")
        imports = world
    import_share = imports / imports.sum()
    sourcing = (import_share * ir).add(pd.Series({buyer: 1.0 - ir}), fill_value=0.0)
    sourcing = sourcing[sourcing > 0]
    g, s = hhi_wgi(world, wgi), hhi_wgi(sourcing, wgi)
    return StageSupplyRisk(
        stage=stage,
        year=sel.year,
        hs_codes=codes,
        hhi_wgi_global=g,
        hhi_wgi_sourcing=s,
        import_reliance=ir,
        sr=supply_risk_formula(g, s, ir, eol, si),
        sourcing={k: float(v) for k, v in sourcing.sort_values(ascending=False).items()},
        notes=notes,
    )


def supply_risk(
    atlas: Atlas,
    commodity: str,
    buyer: str = "USA",
    year: int | None = None,
    *,
    import_reliance: float | None = None,
    substitution_index: float | None = None,
    trade_restriction: float | None = None,
    eol_rir: float | None = None,
) -> SupplyRisk:
    """EU supply risk of ``commodity`` for ``buyer`` at each stage with data.

    Parameters
    ----------
    import_reliance
        IR in [0, 1]; default the USGS U.S. net import reliance (buyer USA only).
    substitution_index
        SI_SR in [0, 1]; default 1.0 (assumption: no substitute).
    trade_restriction
        t ≥ 1 applied to every supplier; default 1.0 (assumption: no restriction).
    eol_rir
        EoL-RIR in [0, 1]; default the bundled SCRREEN value, else 0 (assumption).
    """
    cid = resolve_commodity(commodity)
    produced: list[str] = [m for m in ("mine", "refinery", "smelter") if m in measures(atlas, cid)]
    stages = produced + [s for s in extra_stages(atlas, cid, produced) if s in STAGE_HS]
    if not stages:
        msg = f"no production stages for {cid} in the atlas"
        raise NotFoundError(msg)
    first_year = year
    if first_year is None:
        first_year = select_production(atlas, cid, stages[0]).year
    inputs = _inputs(
        atlas,
        cid,
        buyer,
        first_year,
        import_reliance,
        substitution_index,
        trade_restriction,
        eol_rir,
    )
    v = {i.name: float(i.value or 0.0) for i in inputs}
    results = [
        _stage_risk(
            atlas,
            cid,
            buyer,
            s,
            year,
            v["import_reliance"],
            v["eol_rir"],
            v["substitution_index"],
            v["trade_restriction"],
        )
        for s in stages
    ]
    worst = max(results, key=lambda r: r.sr)
    return SupplyRisk(cid, buyer, worst.sr, worst.stage, results, inputs)


def _inputs(
    atlas: Atlas,
    cid: str,
    buyer: str,
    year: int,
    ir: float | None,
    si: float | None,
    t: float | None,
    eol: float | None,
) -> list[RiskInput]:
    rates = _eol_rates()
    if eol is not None:
        eol_input = RiskInput("eol_rir", eol, "assumption", "given by the user")
    elif cid in rates:
        eol_input = RiskInput("eol_rir", rates[cid], "data", EOL_SOURCE)
    else:
        eol_input = RiskInput("eol_rir", 0.0, "assumption", "no published rate bundled: 0")
    return [
        _import_reliance(atlas, cid, buyer, year, ir),
        eol_input,
        RiskInput(
            "substitution_index",
            1.0 if si is None else si,
            "assumption",
            "given by the user" if si is not None else "default 1.0: no substitute",
        ),
        RiskInput(
            "trade_restriction",
            1.0 if t is None else t,
            "assumption",
            "given by the user" if t is not None else "default 1.0: no restriction",
        ),
    ]
