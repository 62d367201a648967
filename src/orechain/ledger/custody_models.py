"""Per-site chain-of-custody accounting under the four models of ISO 22095.

ISO 22095:2020 defines how a claim about a characteristic of material (here:
*verified origin*, the share of mass with a ``verified-origin`` certification
upstream, :func:`orechain.ledger.provenance.verified_share`) may travel through
a site that processes it:

* **identity preserved** — the output comes from one identified source and is
  never mixed (one extraction lot upstream, all of it verified);
* **segregated** — verified material is kept apart from unverified material
  (every input of the step is fully verified; sources may mix);
* **controlled blending** — verified and unverified material mix, and the
  claim is the verified share of the blend (claimed ≤ output × share);
* **mass balance** — material mixes physically and claims are booked against an
  administrative credit account of the site, which must never be overdrawn in a
  reconciliation period.

Credits of a process step (transform, split, merge) are its verified-equivalent
traced output, ``(Σ outputs − Σ additions) × share`` with ``share = Σ drawn·s_i /
Σ drawn``: untraced additions such as iron carry no origin and earn nothing, as
in provenance. From that the verified-equivalent of inputs the same site
produced in the same period (``drawn × s_i``) is taken, so that credits
telescope through intermediate lots and are not counted twice. Every claim,
under any model, debits the account with the mass it claims.

A claim may name the ``element`` it is about (e.g. ``NdPr``): it then books in
that element's own account, in tonnes of the element. Credits there are the
verified content drawn from inputs made elsewhere, ``Σ drawn·s_i·g_i`` with the
input's assayed grade ``g_i`` (an unassayed input earns nothing), and the claim
debits ``claimed × grade`` of the claimed output, which must be assayed for the
element. Iron and boron therefore never earn credits on a rare-earth claim.
Credits do not carry over: each period starts at zero (conservative; schemes
that allow carry-over would add the previous closing balance).

References
----------
.. [1] ISO 22095:2020, "Chain of custody — General terminology and models", §5.2–5.5.
.. [2] ISEAL Alliance (2016), "Chain of Custody Models and Definitions", v1.0.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from orechain.errors import ConflictError, InputError
from orechain.ledger import events as ev
from orechain.ledger.custody_period import Period, period_of
from orechain.ledger.domain import LedgerState
from orechain.ledger.provenance import verified_share

logger = logging.getLogger(__name__)

MODELS: tuple[str, ...] = (
    "identity-preserved",
    "segregated",
    "controlled-blending",
    "mass-balance",
)
"""ISO 22095 chain-of-custody models, strictest first."""

__all__ = ["MODELS", "CustodyReport", "Step", "check_claims", "site_report", "step_of"]


@dataclass(frozen=True)
class Step:
    """One process step at a site, as the custody accounting sees it (masses in [t])."""

    event_id: str
    time: datetime
    kind: str
    inputs: tuple[tuple[str, float, float, bool], ...]
    """(lot id, drawn [t], verified share [-], made at this site in this period)."""
    outputs: tuple[tuple[str, float], ...]
    """(lot id, quantity [t])."""
    sources: frozenset[str]
    """Extraction lots upstream of the inputs."""
    claims: tuple[ev.Claim, ...] = ()
    additions_t: float = 0.0
    """Untraced additions (iron, reagents) [t]: they earn no credit."""
    input_grades: tuple[dict[str, float], ...] = ()
    """Assayed grades of each input lot [-], parallel to :attr:`inputs`."""
    output_grades: dict[str, dict[str, float]] = field(default_factory=dict)
    """Assayed grades of each output lot [-]."""

    @property
    def inputs_t(self) -> float:
        """Mass drawn from input lots [t]."""
        return sum(m for _, m, _, _ in self.inputs)

    @property
    def outputs_t(self) -> float:
        """Mass of the output lots [t]."""
        return sum(q for _, q in self.outputs)

    @property
    def share(self) -> float:
        """Verified share of the drawn inputs [-]."""
        total = self.inputs_t
        return sum(m * s for _, m, s, _ in self.inputs) / total if total > 0 else 0.0

    @property
    def mixed(self) -> bool:
        """True iff verified and unverified material meet in this step."""
        return any(s < 1 - 1e-9 for _, _, s, _ in self.inputs) and self.share > 1e-9

    @property
    def credits_t(self) -> float:
        """Net verified-equivalent traced output this step adds to the mass account [t]."""
        internal = sum(m * s for _, m, s, own in self.inputs if own)
        return max(self.outputs_t - self.additions_t, 0.0) * self.share - internal

    @property
    def claimed_t(self) -> float:
        """Mass claimed on this step's outputs without an element, any model [t]."""
        return self.claimed(None)

    def credits(self, element: str | None) -> float:
        """Credits of the ``element`` account [t of element]; ``None``: the mass account."""
        if element is None:
            return self.credits_t
        return sum(
            m * s * grades.get(element, 0.0)
            for (_, m, s, own), grades in zip(self.inputs, self.input_grades, strict=True)
            if not own
        )

    def claimed(self, element: str | None) -> float:
        """Debits of this step's claims on the ``element`` account [t of element]."""
        return sum(
            c.quantity_t
            * (self.output_grades.get(c.lot_id, {}).get(element, 0.0) if element else 1)
            for c in self.claims
            if c.element == element
        )


def _outputs(event: ev.Event) -> tuple[ev.LotSpec, ...]:
    if isinstance(event, ev.Transform | ev.Split):
        return event.outputs
    if isinstance(event, ev.Merge):
        return (event.output,)
    return ()


def _sources(state: LedgerState, lot_id: str) -> set[str]:
    out, stack, seen = set(), [lot_id], {lot_id}
    while stack:
        lot = state.lots[stack.pop()]
        if not lot.parents:
            out.add(lot.lot_id)
        for parent, _ in lot.parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return out


def _own(state: LedgerState, lot_id: str, site_id: str, period: Period) -> bool:
    """True iff ``lot_id`` was made by a process step at ``site_id`` within ``period``."""
    made = state.events.get(state.lots[lot_id].created_by)
    return (
        isinstance(made, ev.Transform | ev.Split | ev.Merge)
        and made.site_id == site_id
        and period.contains(made.time)
    )


def step_of(
    state: LedgerState,
    event: ev.Transform | ev.Split | ev.Merge,
    drawn: list[tuple[str, float]],
    period: Period,
    memo: dict[str, float] | None = None,
) -> Step:
    """Build the :class:`Step` of ``event`` drawing ``drawn`` (lot id, [t]) in ``period``."""
    memo = {} if memo is None else memo
    inputs = tuple(
        (lot_id, m, verified_share(state, lot_id, memo), _own(state, lot_id, event.site_id, period))
        for lot_id, m in drawn
    )
    sources = frozenset(s for lot_id, _ in drawn for s in _sources(state, lot_id))
    specs = _outputs(event)
    outputs = tuple((o.lot_id, o.quantity_t) for o in specs)
    grades = {
        o.lot_id: dict(state.lots[o.lot_id].grades if o.lot_id in state.lots else o.grades or {})
        for o in specs
    }
    additions = event.additions if isinstance(event, ev.Transform) else ()
    return Step(
        event.event_id, event.time, event.name, inputs, outputs, sources, event.claims,
        additions_t=sum(a.quantity_t for a in additions),
        input_grades=tuple(dict(state.lots[lot_id].grades) for lot_id, _ in drawn),
        output_grades=grades,
    )  # fmt: skip


def _recorded_step(
    state: LedgerState, event_id: str, period: Period, memo: dict[str, float]
) -> Step | None:
    event = state.events[event_id]
    if not isinstance(event, ev.Transform | ev.Split | ev.Merge) or not period.contains(event.time):
        return None
    drawn: dict[str, float] = {}
    for output in _outputs(event):  # each output records its proportional draw
        for parent, mass in state.lots[output.lot_id].parents:
            drawn[parent] = drawn.get(parent, 0.0) + mass
    return step_of(state, event, list(drawn.items()), period, memo)


def _steps(state: LedgerState, site_id: str, period: Period) -> list[Step]:
    memo: dict[str, float] = {}
    steps = (_recorded_step(state, e, period, memo) for e in state.site_events.get(site_id, []))
    return [s for s in steps if s is not None]


def _model_allows(step: Step, claim: ev.Claim, quantity_t: float, tol: float) -> str | None:
    """Why ``claim`` breaks its model's physical rule in ``step``, or None."""
    if claim.model == "identity-preserved" and (len(step.sources) != 1 or step.share < 1 - tol):
        return f"identity preserved needs one fully verified source, got {sorted(step.sources)}"
    if claim.model == "segregated" and step.share < 1 - tol:
        return f"segregated needs only verified inputs; verified share is {step.share:.4g}"
    limit = quantity_t * (step.share if claim.model == "controlled-blending" else 1.0)
    if claim.quantity_t > limit * (1 + tol) + 1e-12:
        return f"claim of {claim.quantity_t:.6g} t exceeds {limit:.6g} t allowed"
    return None


def _check_claim_rules(step: Step, tol: float) -> None:
    sizes = dict(step.outputs)
    for claim in step.claims:
        if claim.lot_id not in sizes:
            msg = f"claim on {claim.lot_id!r}, which is not an output of {step.event_id!r}"
            raise InputError(msg, field="event.claims")
        if claim.element and claim.element not in step.output_grades.get(claim.lot_id, {}):
            msg = (
                f"a claim about {claim.element} needs the {claim.element} grade of "
                f"{claim.lot_id!r}; assay the output in the step"
            )
            raise InputError(msg, field="event.claims")
        reason = _model_allows(step, claim, sizes[claim.lot_id], tol)
        if reason:
            msg = f"{claim.model} claim on {claim.lot_id!r} rejected: {reason} (ISO 22095)"
            raise ConflictError(msg)


def check_claims(
    state: LedgerState,
    event: ev.Transform | ev.Split | ev.Merge,
    drawn: list[tuple[str, float]],
    *,
    tolerance: float,
    reconciliation: str,
) -> None:
    """Check an incoming step's claims against its model and the site's credit account.

    Raises
    ------
    InputError
        A claim names a lot that is not an output of the step.
    ConflictError
        A claim breaks its model's rule, or the claims overdraw the site's
        mass-balance account in the reconciliation period.
    """
    if not event.claims:
        return
    period = period_of(event.time, reconciliation)
    step = step_of(state, event, drawn, period)
    _check_claim_rules(step, tolerance)
    steps = _steps(state, event.site_id, period)
    for element in sorted({c.element for c in event.claims}, key=lambda e: e or ""):
        balance = sum(s.credits(element) - s.claimed(element) for s in steps)
        credit, claimed = step.credits(element), step.claimed(element)
        if balance + credit - claimed < -tolerance * max(claimed, 1e-12) - 1e-9:
            account = f"{element} account" if element else "mass-balance account"
            msg = (
                f"mass-balance overdraft at site {event.site_id!r} in {period.label}: "
                f"claims of {claimed:.6g} t exceed the credit balance of "
                f"{balance + credit:.6g} t in its {account} (ISO 22095, no overdraft)"
            )
            raise ConflictError(msg)


@dataclass(frozen=True)
class CustodyReport:
    """Custody accounting of one site over one period (ISO 22095); masses in [t]."""

    site_id: str
    period: str
    steps: list[dict[str, object]] = field(default_factory=list)
    """Per step: event id, time, inputs, outputs, verified share, credits, claims, balance."""
    models: dict[str, dict[str, object]] = field(default_factory=dict)
    """Per model: whether every step conforms, claimable and claimed mass [t]."""
    credits_t: float = 0.0
    claimed_t: float = 0.0
    closing_balance_t: float = 0.0
    overdraft_at: str | None = None
    """First step after which the running balance was negative, if any."""
    element_accounts: dict[str, dict[str, float | str | None]] = field(default_factory=dict)
    """Per element claimed in the period (e.g. ``NdPr``): credits, claims and closing
    balance [t of the element], and the first step after which it was overdrawn."""


def _verified(step: Step) -> bool:
    return step.share >= 1 - 1e-9


_PHYSICAL = {
    "identity-preserved": (
        lambda s: len(s.sources) == 1 and _verified(s),
        lambda s: len(s.sources) == 1,
    ),
    "segregated": (_verified, lambda s: not s.mixed),
}
"""Per physical model: (step may carry a claim, step conforms to the model)."""


def _model_summary(steps: list[Step], model: str, overdrawn: bool) -> dict[str, object]:
    """Whether every step conforms, and the verified-equivalent mass claimable [t].

    Claimable mass is the sum of net credits of the steps that qualify, so an
    intermediate lot and the product made from it are not counted twice. In
    aggregate, controlled blending and mass balance allow the same mass; they
    differ in allocation (a blend claim is capped per lot by its share).
    """
    qualifies, conforms = _PHYSICAL.get(model, (lambda _: True, lambda _: True))
    return {
        "conforms": all(conforms(s) for s in steps) and not (model == "mass-balance" and overdrawn),
        "claimable_t": sum(s.credits_t for s in steps if qualifies(s)),
        "claimed_t": sum(c.quantity_t for s in steps for c in s.claims if c.model == model),
    }


def _step_row(step: Step, balance: float) -> dict[str, object]:
    return {
        "event_id": step.event_id,
        "time": ev.format_time(step.time),
        "type": step.kind,
        "inputs_t": step.inputs_t,
        "outputs_t": step.outputs_t,
        "verified_share": step.share,
        "credits_t": step.credits_t,
        "claimed_t": step.claimed_t,
        "balance_t": balance,
    }


def _element_account(steps: list[Step], element: str) -> dict[str, float | str | None]:
    balance, overdraft = 0.0, None
    for step in steps:
        balance += step.credits(element) - step.claimed(element)
        if balance < -1e-9 and overdraft is None:
            overdraft = step.event_id
    return {
        "credits_t": sum(s.credits(element) for s in steps),
        "claimed_t": sum(s.claimed(element) for s in steps),
        "closing_balance_t": balance,
        "overdraft_at": overdraft,
    }


def site_report(state: LedgerState, site_id: str, period: Period) -> CustodyReport:
    """Account a site's process steps in ``period`` under every ISO 22095 model.

    Parameters
    ----------
    site_id
        The site.
    period
        Reconciliation period (see :func:`orechain.ledger.custody_period.parse_period`).

    Returns
    -------
    CustodyReport
        Steps in log order with the running credit balance, a summary per model
        and the first step (if any) after which the balance was negative.
    """
    state.site(site_id)
    steps = _steps(state, site_id, period)
    rows, balance, overdraft = [], 0.0, None
    for step in steps:
        balance += step.credits_t - step.claimed_t
        rows.append(_step_row(step, balance))
        if balance < -1e-9 and overdraft is None:
            overdraft = step.event_id
    elements = sorted({c.element for s in steps for c in s.claims if c.element})
    return CustodyReport(
        element_accounts={e: _element_account(steps, e) for e in elements},
        site_id=site_id,
        period=period.label,
        steps=rows,
        models={m: _model_summary(steps, m, overdraft is not None) for m in MODELS},
        credits_t=sum(s.credits_t for s in steps),
        claimed_t=sum(s.claimed_t for s in steps),
        closing_balance_t=balance,
        overdraft_at=overdraft,
    )
