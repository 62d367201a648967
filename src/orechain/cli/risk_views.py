"""Human output of the bands and verified-supply parts of ``orechain risk COMMODITY``."""

from __future__ import annotations

from typing import Any

from orechain.cli.output import print_table, say
from orechain.formatting import number, percent


def print_bands(bands: dict[str, Any] | None) -> None:
    """HHI and CR1 p5/p50/p95, the country intervals behind them and their assumptions."""
    if not bands:
        return
    hhi, cr1 = bands["hhi"], bands["cr1"]
    say(
        f"bands ({bands['draws']} draws, seed {bands['seed']}): "
        f"HHI p5 {hhi['p5']:,.0f} · p50 {hhi['p50']:,.0f} · p95 {hhi['p95']:,.0f}; "
        f"CR1 p5 {percent(cr1['p5'])} · p50 {percent(cr1['p50'])} · p95 {percent(cr1['p95'])}"
    )
    sr = bands.get("supply_risk")
    if sr:
        say(f"EU supply risk (mine stage, U.S.): p5 {sr['p5']:.2f} · p50 {sr['p50']:.2f} · "
            f"p95 {sr['p95']:.2f}")  # fmt: skip
    rows = [{**c, "reasons": "; ".join(c["reasons"])} for c in bands["countries"]]
    print_table(
        rows,
        [("iso3", "ISO3"), ("point", "published"), ("low", "low"), ("high", "high"),
         ("reasons", "why the range")],
        title="Plausible value of each country (same unit as above)",
    )  # fmt: skip
    for line in bands["assumptions"]:
        say(line)


def print_verified(verified: dict[str, Any] | None) -> None:
    """Modelled (atlas) and verified (ledger) shares side by side, and the verified mass."""
    if not verified:
        return
    modelled, seen = verified["modelled_shares"], verified["verified_shares"]
    rows = [
        {"iso3": c, "modelled": percent(modelled.get(c)), "received": percent(seen.get(c))}
        for c in sorted(set(modelled) | set(seen), key=lambda c: -(seen.get(c) or 0.0))
    ]
    period = verified["period"] or "all periods"
    print_table(
        rows,
        [("iso3", "ISO3"), ("modelled", "modelled share (atlas)"),
         ("received", f"received share (ledger, {verified['stage']})")],
        title=f"{verified['buyer']} receipts of {verified['commodity']}, {period}: "
        f"{number(verified['total_weight_t'])} t in {len(verified['lots'])} lots",
    )  # fmt: skip
    say(
        f"verified origin: {percent(verified['verified_mass_share'])} of the received mass; "
        f"not verified: {percent(verified['unverified_mass_share'])}; "
        f"assayed: {percent(verified['assayed_mass_share'])}"
    )
    if verified.get("label"):
        say(verified["label"])
    for note in verified["notes"]:
        say(f"note: {note}")
