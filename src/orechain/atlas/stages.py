"""Value-chain stages the USGS tables lack, from published stage shares.

USGS publishes mine and some refinery production, but not rare-earth
separation, antimony refining or magnet making. Those come from the
``stage_shares`` table (IEA Critical Minerals Dataset 2025, EU CRM 2023,
compilations of IEA/USGS figures). A stage-share selection is shaped like a
production selection so the risk metrics run on it unchanged: values are the
published quantities where every row has one, else the shares themselves;
when a source names only its top supplier, the rest of the world is an
unattributed ``OTHER`` row, so HHI and CR3 are lower bounds (said in the
selection's ``note``).
"""

from __future__ import annotations

import pandas as pd

from orechain.atlas.selection import ProductionSelection, plain_records
from orechain.atlas.store import Atlas
from orechain.errors import NotFoundError
from orechain.stages import resolve_stage, stage_index

USGS_MEASURES = ("mine", "refinery", "smelter")
"""USGS production measures that answer a stage themselves (its stage shares are not added)."""

PARTIAL_NOTE = (
    "source names only its top supplier(s); the rest is unattributed: HHI is a lower bound"
)


def stage_names(atlas: Atlas, commodity: str) -> list[str]:
    """Stages with published shares for a commodity id, in value-chain order."""
    found = set(
        atlas.query("SELECT DISTINCT stage FROM stage_shares WHERE commodity = ?", [commodity])[
            "stage"
        ]
    )
    return in_chain_order(found)


def in_chain_order(stages: set[str]) -> list[str]:
    """Stage ids in value-chain order; an unknown stage is an InputError."""
    return sorted(stages, key=stage_index)


def measure_stage(measure: str) -> str:
    """The stage a production measure reports: ``mine`` → mining, ``smelter capacity`` → smelting.

    USGS ``plant`` production is the EU CRM's processing stage.
    """
    return resolve_stage(measure.removesuffix(" capacity"))


def _pick_source(frame: pd.DataFrame, year: int | None) -> tuple[int, str]:
    counts = frame.groupby(["year", "source_id"]).size().rename("n").reset_index()
    if year is not None:
        counts = counts[counts["year"] == year]
        if counts.empty:
            years = ", ".join(str(y) for y in sorted(frame["year"].unique()))
            msg = f"no stage shares in {year}; years with shares: {years}"
            raise NotFoundError(msg)
    best = counts.sort_values(["year", "n", "source_id"], ascending=False).iloc[0]
    return int(best["year"]), str(best["source_id"])


def _as_production_rows(rows: pd.DataFrame) -> tuple[pd.DataFrame, str, str | None]:
    use_quantity = bool(rows["quantity_t"].notna().all())
    values = rows["quantity_t"] if use_quantity else rows["share"]
    out = pd.DataFrame(
        {
            "country": rows["country"],
            "country_name": rows["name"].fillna(rows["country"]),
            "value": values.astype(float),
            "quantity_t": rows["quantity_t"],
            "estimated": False,
            "qualifier": None,
            "note": rows["note"],
        }
    )
    note = None
    covered = float(rows["share"].sum())
    if "OTHER" not in set(rows["country"]) and covered < 0.999 and not use_quantity:
        other = {"country": "OTHER", "country_name": "rest of world (unattributed)"}
        out = pd.concat([out, pd.DataFrame([{**other, "value": 1.0 - covered}])])
        note = PARTIAL_NOTE
    return out.sort_values("value", ascending=False), "t" if use_quantity else "share", note


STAGE_ROWS_SQL = """
    SELECT s.*, c.name FROM stage_shares s LEFT JOIN countries c ON c.iso3 = s.country
"""


def all_stage_rows(atlas: Atlas) -> pd.DataFrame:
    """Every stage-share row with the country name, for many selections at once."""
    return atlas.query(STAGE_ROWS_SQL)


def select_stage_shares(
    atlas: Atlas,
    commodity: str,
    stage: str,
    year: int | None = None,
    *,
    rows: pd.DataFrame | None = None,
) -> ProductionSelection:
    """Published shares of one stage, as a selection with a caveat ``note`` where due.

    The year is the given one or the latest; within it, the source with most
    country rows. ``rows`` (from :func:`all_stage_rows`) saves the query.
    """
    if rows is None:
        frame = atlas.query(
            STAGE_ROWS_SQL + " WHERE s.commodity = ? AND s.stage = ?", [commodity, stage]
        )
    else:
        frame = rows[(rows["commodity"] == commodity) & (rows["stage"] == stage)]
    if frame.empty:
        have = ", ".join(stage_names(atlas, commodity)) or "none"
        msg = f"no published shares of stage {stage!r} for {commodity}; stages: {have}"
        raise NotFoundError(msg)
    chosen_year, source_id = _pick_source(frame, year)
    chosen = frame[(frame["year"] == chosen_year) & (frame["source_id"] == source_id)]
    prod_rows, unit, note = _as_production_rows(chosen)
    prod_rows = prod_rows.reset_index(drop=True)
    return ProductionSelection(
        commodity=commodity,
        measure=stage,
        year=chosen_year,
        source_id=source_id,
        type=f"{stage} (published stage shares)",
        unit=unit,
        basis=None,
        records=plain_records(prod_rows),
        note=note,
        frame=prod_rows,
    )


def extra_stages(
    atlas: Atlas,
    commodity: str,
    production_measures: list[str],
    *,
    rows: pd.DataFrame | None = None,
) -> list[str]:
    """Stages with published shares that production data does not already cover."""
    if rows is None:
        names = stage_names(atlas, commodity)
    else:
        names = in_chain_order(set(rows.loc[rows["commodity"] == commodity, "stage"]))
    answered = {resolve_stage(m) for m in production_measures if m in USGS_MEASURES}
    return [s for s in names if s not in answered]
