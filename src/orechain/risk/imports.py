"""Import-side concentration: an importer's supply mix from bilateral trade.

For an importer ``c``, a commodity's HS6 basket and a year, the supply mix is
BACI's reconciled flows *into* ``c`` (atlas ``trade`` rows with
``partner = c``, ``flow = 'export'``, BACI nomenclature ``HSyy``). From it:

- partner shares ``s_i = f_i / Σ_j f_j`` by value [USD] or quantity [t]
  (:func:`orechain.risk.concentration.shares`);
- the import HHI ``Σ (100·s_i)²`` on 0–10,000 and the top partner (CR1);
- a governance-weighted import risk in the GeoPolRisk form (below).

Each HS code is taken from one source only, so that BACI releases in two
nomenclatures never double count: the newest nomenclature that has rows for
that code and year (HS17 before HS92 — fewer concordance steps from the HS
edition the customs declared in), then the source with most rows.

Notes
-----
GeoPolRisk import risk (Gemechu et al. 2016; Santillán-Saldivar et al. 2021;
geopolrisk-py): ``IR_c = Σ_i g_i·f_i / (Σ_i f_i + P_c)`` with ``f_i`` the
imports from partner ``i``, ``P_c`` the importer's domestic production (0
unless given; by quantity only) and ``g_i`` the partner's governance on 0–1,
1 worst — the WGI rescaled as in the EU method (``scale_wgi / 10``), mean of
the six indicators by default or one indicator such as ``pv`` (political
stability, GeoPolRisk's choice). A partner without a score gets 0.5, as in
geopolrisk-py, and is listed. The GeoPolRisk *score* multiplies ``IR_c`` by the
production HHI (a fraction); that is the production side, not computed here.

References
----------
Gemechu, E. D. et al. (2016), Import-based indicator for the geopolitical supply
risk of raw materials in life cycle sustainability assessments, J. Ind. Ecol.
20(1), DOI 10.1111/jiec.12279.
Santillán-Saldivar, J. et al. (2021), GeoPolRisk midpoint characterisation
factors, Int. J. Life Cycle Assess.; implemented in geopolrisk-py
(https://github.com/akoyamp/geopolrisk-py, v2.0.1, GPL-3.0; not copied).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from orechain.atlas.hs_codes import hs_codes_for, mapped_commodity
from orechain.errors import InputError, NotFoundError
from orechain.risk.concentration import hhi, shares
from orechain.risk.governance import governance_scores, scale_wgi

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

logger = logging.getLogger(__name__)

By = Literal["value", "quantity"]
MISSING_GOVERNANCE = 0.5
"""Governance weight (0–1) for a partner without a WGI score, as in geopolrisk-py."""
BACI_ROWS = "flow = 'export' AND nomenclature LIKE 'HS__'"
"""SQL filter of BACI rows in ``trade`` (Comtrade rows carry ``H4``/``H5``/``H6``)."""


@dataclass(frozen=True)
class PartnerShare:
    """One supplying partner of an import mix."""

    iso3: str
    name: str
    value_usd: float
    """Import value [USD]."""
    quantity_t: float | None
    """Import quantity [t]; None when BACI has no quantity for these flows."""
    share: float
    """Share of the importer's imports in [0, 1], by the mix's ``by``."""
    governance: float | None
    """Governance weight g on 0–1 (1 worst); None when no WGI score."""


@dataclass(frozen=True)
class HsSource:
    """Which source and nomenclature an HS code's flows were taken from."""

    hs6: str
    source_id: str
    nomenclature: str
    rows: int


@dataclass(frozen=True)
class ImportMix:
    """An importer's supply mix for one commodity and year, with its concentration."""

    commodity: str
    importer: str
    year: int
    hs_codes: tuple[str, ...]
    by: str
    """``value`` or ``quantity``: what the shares are shares of."""
    partners: tuple[PartnerShare, ...]
    hhi: float
    """Import HHI on 0–10,000."""
    top_partner: str | None
    top_share: float | None
    import_risk: float | None
    """Governance-weighted import risk on 0–1 in the GeoPolRisk *form* but a variant
    of it (shares by ``by``, WGI ``governance_indicator``, no domestic production
    unless given); the published method is :mod:`orechain.risk.geopolrisk`.
    None without WGI data."""
    governance_indicator: str
    total_value_usd: float
    total_quantity_t: float | None
    sources: tuple[HsSource, ...]
    missing_governance: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output (glossary names, shares in [0, 1])."""
        out = asdict(self)
        for key in ("hs_codes", "missing_governance", "notes"):
            out[key] = list(out[key])
        out["partners"] = [asdict(p) for p in self.partners]
        out["sources"] = [asdict(s) for s in self.sources]
        return out


def geopolrisk_import_risk(
    flows: pd.Series, governance: pd.Series, domestic_production: float = 0.0
) -> float:
    """GeoPolRisk import risk ``Σ g_i·f_i / (Σ f_i + P)``.

    Parameters
    ----------
    flows
        Imports by partner (index) [t or USD].
    governance
        Governance weight on 0–1 (1 worst) by partner; missing partners get
        :data:`MISSING_GOVERNANCE`.
    domestic_production
        The importer's own production, in the unit of ``flows``.

    Returns
    -------
    float
        In [0, 1]; 0 when there are no imports.

    Examples
    --------
    >>> geopolrisk_import_risk(pd.Series({"A": 30.0, "B": 10.0}), pd.Series({"A": 0.5}), 10.0)
    0.4
    """
    f = flows.astype(float)
    g = governance.reindex(f.index).fillna(MISSING_GOVERNANCE).astype(float)
    denominator = float(f.sum()) + float(domestic_production)
    return float((f * g).sum() / denominator) if denominator > 0 else 0.0


def _nomenclature_rank(label: str) -> int:
    """HS edition year of a BACI label: ``HS92`` → 1992, ``HS17`` → 2017."""
    yy = int(label[2:4])
    return 1900 + yy if yy >= 88 else 2000 + yy


def _candidates(atlas: Atlas, importer: str, codes: list[str]) -> pd.DataFrame:
    marks = ", ".join("?" for _ in codes)
    return atlas.query(
        f"""SELECT year, hs6, source_id, nomenclature, count(*) AS rows FROM trade
        WHERE {BACI_ROWS} AND partner = ? AND hs6 IN ({marks}) GROUP BY ALL""",
        [importer, *codes],
    )


def _pick_sources(candidates: pd.DataFrame, year: int) -> tuple[HsSource, ...]:
    """One (source, nomenclature) per HS code: newest edition, then most rows."""
    cand = candidates[candidates["year"] == year].copy()
    cand["edition"] = cand["nomenclature"].map(_nomenclature_rank)
    cand = cand.sort_values(
        ["hs6", "edition", "rows", "source_id"], ascending=[True, False, False, True]
    )
    best = cand.drop_duplicates("hs6")
    return tuple(
        HsSource(r.hs6, r.source_id, r.nomenclature, int(r.rows)) for r in best.itertuples()
    )


def _flows(atlas: Atlas, importer: str, year: int, picked: tuple[HsSource, ...]) -> pd.DataFrame:
    # ORDER BY: a parallel GROUP BY returns groups in any order, and partners with equal
    # shares keep the input order (HUN and SGP, 11 kg each, swapped between two runs)
    keys = " OR ".join("(hs6 = ? AND source_id = ? AND nomenclature = ?)" for _ in picked)
    params: list[object] = [importer, year]
    for s in picked:
        params += [s.hs6, s.source_id, s.nomenclature]
    return atlas.query(
        f"""SELECT reporter AS iso3, sum(value_usd) AS value_usd,
               sum(quantity_kg) / 1000 AS quantity_t, count(*) - count(quantity_kg) AS no_qty
        FROM trade WHERE {BACI_ROWS} AND partner = ? AND year = ? AND reporter <> partner
          AND ({keys})
        GROUP BY reporter ORDER BY reporter""",
        params,
    ).set_index("iso3")


def _governance(atlas: Atlas, year: int, indicator: str | None) -> pd.Series:
    """Governance weight g on 0–1 (1 worst) by ISO3, latest WGI year ≤ ``year``."""
    if indicator is None:
        return governance_scores(atlas, year) / 10.0
    frame = atlas.query(
        """SELECT w.iso3, w.estimate FROM wgi w JOIN (
             SELECT iso3, max(year) AS year FROM wgi
             WHERE indicator = ? AND year <= ? AND estimate IS NOT NULL GROUP BY iso3
           ) l USING (iso3, year) WHERE w.indicator = ?""",
        [indicator, year, indicator],
    )
    scaled = scale_wgi(frame.set_index("iso3")["estimate"].astype(float))
    assert isinstance(scaled, pd.Series)
    return scaled / 10.0


def _name(iso3: str) -> str:
    from orechain.atlas.countries import country_name

    try:
        return country_name(iso3)
    except NotFoundError:
        return iso3


def _importer_code(importer: str) -> str:
    code = importer.strip().upper()
    if len(code) == 3 and code.isalpha():
        return code
    from orechain.atlas.countries import to_iso3

    return to_iso3(importer, source="--importer")


def import_mix(
    atlas: Atlas,
    commodity: str,
    importer: str,
    year: int | None = None,
    hs: str | None = None,
    by: By = "value",
    *,
    wgi_indicator: str | None = None,
    domestic_production_t: float = 0.0,
) -> ImportMix:
    """The importer's supply mix for a commodity from BACI bilateral trade.

    Parameters
    ----------
    atlas
        Atlas holding BACI rows in ``trade`` (and WGI for the import risk).
    commodity
        Commodity id, name or alias; its HS6 basket comes from
        :func:`orechain.atlas.hs_codes.hs_codes_for`.
    importer
        ISO3 code (or a country name) of the importing country.
    year
        Data year; default the latest year with flows into ``importer``.
    hs
        Narrow the basket to one mapped HS6 code.
    by
        Shares of ``value`` [USD] or ``quantity`` [t] (gross weight, summed
        over the codes of the basket; flows without a quantity are left out).
    wgi_indicator
        None: mean of the six WGI indicators (EU method); or one code such as
        ``pv`` (the GeoPolRisk choice).
    domestic_production_t
        Importer's own production [t], added to the import-risk denominator;
        only with ``by="quantity"``.

    Returns
    -------
    ImportMix
        Partners sorted by share, HHI, top partner, import risk, sources used.

    Raises
    ------
    InputError
        ``by`` not value/quantity, or production given with ``by="value"``.
    NotFoundError
        No BACI flows into ``importer`` for the basket (and year).
    """
    if by not in ("value", "quantity"):
        msg = f"--by must be 'value' or 'quantity', not {by!r}"
        raise InputError(msg, field="by")
    if domestic_production_t and by != "quantity":
        msg = "domestic production needs by='quantity'"
        raise InputError(msg, field="by")
    cid, codes = mapped_commodity(commodity), hs_codes_for(commodity, hs)
    iso = _importer_code(importer)
    candidates = _candidates(atlas, iso, codes)
    if year is None and not candidates.empty:
        year = int(candidates["year"].max())
    if year is None or candidates[candidates["year"] == year].empty:
        raise NotFoundError(_no_flows_reason(atlas, cid, codes, iso, year))
    picked = _pick_sources(candidates, year)
    head = {"commodity": cid, "importer": iso, "year": year, "hs_codes": tuple(codes), "by": by}
    flows = _flows(atlas, iso, year, picked)
    return _assemble(atlas, head, flows, picked, wgi_indicator, domestic_production_t)


def _no_flows_reason(atlas: Atlas, cid: str, codes: list[str], iso: str, year: int | None) -> str:
    """Why there is no mix: the data lack that year, or the importer bought nothing.

    "No imports" is a finding about trade; "no data for that year" is a gap in
    the bundled extracts. The two must not read the same.
    """
    hs = ", ".join(codes)
    marks = ", ".join("?" for _ in codes)
    if year is None:
        return f"no BACI imports of {cid} (HS {hs}) into {iso} in any year"
    held = atlas.con.execute(
        f"SELECT count(*) FROM trade WHERE {BACI_ROWS} AND year = ? AND hs6 IN ({marks})",
        [year, *codes],
    ).fetchone()
    if held is not None and held[0] > 0:
        return f"no BACI imports of {cid} (HS {hs}) into {iso} in {year} (BACI has other flows)"
    years = atlas.con.execute(
        f"SELECT DISTINCT year FROM trade WHERE {BACI_ROWS} AND hs6 IN ({marks}) ORDER BY year",
        codes,
    ).fetchall()
    have = f"years with data: {years[0][0]}–{years[-1][0]}" if years else "no year has data"
    return f"no BACI data for HS {hs} in {year} in the atlas ({have}); not a finding of no imports"


def _assemble(
    atlas: Atlas,
    head: dict[str, Any],
    flows: pd.DataFrame,
    picked: tuple[HsSource, ...],
    indicator: str | None,
    domestic_t: float,
) -> ImportMix:
    basis = flows["value_usd"] if head["by"] == "value" else flows["quantity_t"]
    share = shares(basis)
    gov = _governance(atlas, head["year"], indicator)
    partners = tuple(_partner(iso3, flows.loc[iso3], float(s), gov) for iso3, s in share.items())
    has_qty = flows["quantity_t"].notna().any()
    return ImportMix(
        **head,
        partners=partners,
        hhi=hhi(share),
        top_partner=partners[0].iso3 if partners else None,
        top_share=partners[0].share if partners else None,
        import_risk=None if gov.empty else geopolrisk_import_risk(basis.dropna(), gov, domestic_t),
        governance_indicator=indicator or "mean of six WGI indicators",
        total_value_usd=float(flows["value_usd"].sum()),
        total_quantity_t=float(flows["quantity_t"].sum()) if has_qty else None,
        sources=picked,
        missing_governance=() if gov.empty else tuple(sorted(set(share.index) - set(gov.index))),
        notes=_notes(flows, len(head["hs_codes"]), head["by"], gov),
    )


def _partner(iso3: str, row: pd.Series, share: float, gov: pd.Series) -> PartnerShare:
    qty = row["quantity_t"]
    g = gov.get(iso3)
    return PartnerShare(
        iso3=str(iso3),
        name=_name(str(iso3)),
        value_usd=float(row["value_usd"]),
        quantity_t=None if pd.isna(qty) else float(qty),
        share=share,
        governance=None if g is None or pd.isna(g) else float(g),
    )


def _notes(flows: pd.DataFrame, n_codes: int, by: str, gov: pd.Series) -> tuple[str, ...]:
    notes = []
    no_qty = int(flows["no_qty"].sum())
    if no_qty:
        notes.append(f"{no_qty} flows have no quantity in BACI (left out of quantity totals)")
    if by == "quantity" and n_codes > 1:
        notes.append("quantities are gross weights summed over different HS codes")
    if gov.empty:
        notes.append("no WGI data in the atlas: import risk not computed")
    return tuple(notes)
