"""``orechain ledger doc|extract|transform|split|merge|ship|receive|assay|certify|transfer``.

Commands instead of hand-written JSON: each builds one custody event from its
options (or a batch from ``--from-file``, JSON or JSON Lines of event bodies),
validates it, signs it with ``--key`` (the actor is the key's organisation) and
prints the log's receipt. Registered on the ``ledger`` app by :func:`register`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from orechain.cli.output import emit_json, print_table

__all__ = ["register"]

doc_app = typer.Typer(help="Documents (bill of lading, assay certificate…) stored by SHA-256.")

KIND_HELP = "bill-of-lading, assay-certificate, certificate-of-origin, export-permit, "
KIND_HELP += "weight-certificate, invoice, packing-list."
DbOpt = typer.Option(None, "--database-url", "--db", help="Ledger database (SQLite or URL).")
JsonOpt = typer.Option(False, "--json", help="Print one JSON document.")
KeyOpt = typer.Option(..., "--key", help="Private key (PEM) of the acting organisation.")
TimeOpt = typer.Option(None, "--time", help="Event time, RFC 3339 (default: now).")
IdOpt = typer.Option(None, "--id", help="Event id (default: <type>-<lot>-<hash>).")
DocOpt = typer.Option([], "--doc", help="SHA-256 of a stored document (`doc add`); repeatable.")
FileOpt = typer.Option(
    None, "--from-file", help="JSON or JSON Lines of event bodies (batch; options ignored)."
)
GradeOpt = typer.Option([], "--grade", help="Grade ELEMENT=FRACTION [-], repeatable.")
LossOpt = typer.Option([], "--loss", help="Loss KIND=TONNES (tonnes), repeatable.")


def _url(db: str | None) -> str:
    from orechain.settings import Settings

    return db or Settings.from_env().database_url


def _rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        emit_json(rows if len(rows) != 1 else rows[0])
    else:
        print_table(rows, [(k, k) for k in rows[0]] if rows else [])


def _record(
    kind: str,
    body: dict[str, Any],
    key: Path,
    from_file: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    from orechain.cli.ledger_io import _load_key, _read_docs
    from orechain.services.shipments import record_events

    bodies, sources = [body], [kind]
    if from_file is not None:
        bodies = _read_docs(from_file)
        sources = [f"{from_file}:{i + 1}" for i in range(len(bodies))]
    receipts = record_events(_url(db), kind, bodies, _load_key(key), sources)
    _rows([r.to_dict() for r in receipts], as_json)


def _common(event_id: str | None, time: str | None, doc: list[str]) -> dict[str, Any]:
    return {"event_id": event_id, "time": time, "documents": list(doc)}


@doc_app.command("add")
def doc_add(
    file: Path = typer.Argument(..., help="The document (PDF, PNG, JPEG, JSON, XML, CSV, text)."),
    kind: str = typer.Option(..., "--kind", help=KIND_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the SHA-256."),
    expect_sha256: str | None = typer.Option(
        None, help="Refuse the file unless it hashes to this (the hash an event cites)."
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Store a document beside the ledger by its SHA-256 and print the hash events cite.

    Too large (over 20 MiB), empty, of a type outside the allow-list or not
    hashing to --expect-sha256: one-line error, exit 2, nothing stored.
    """
    from dataclasses import asdict

    from orechain.services.shipments import add_document

    rec = add_document(_url(db), file, kind, expect_sha256)
    if quiet:
        typer.echo(rec.sha256)
    else:
        _rows([asdict(rec)], as_json)


@doc_app.command("show")
def doc_show(sha256: str, db: str | None = DbOpt, as_json: bool = JsonOpt) -> None:
    """Metadata of a stored document."""
    from dataclasses import asdict

    from orechain.ledger.documents import open_document_store, resolve_ref

    store = open_document_store(_url(db))
    try:
        ref = resolve_ref(store, sha256)
        rec = store.record(ref["sha256"])
    finally:
        store.close()
    _rows([asdict(rec)] if rec else [], as_json)


def extract(
    lot_id: str = typer.Argument(..., help="New lot id."),
    site: str | None = typer.Option(None, "--site", help="Mine site id."),
    product: str = typer.Option("run-of-mine ore", help="Product name."),
    commodity: str | None = typer.Option(None, help="Commodity (atlas catalogue name)."),
    quantity_t: float = typer.Option(None, "--quantity-t", help="Mass in tonnes."),
    basis: str = typer.Option("gross", help="gross, contained or REO."),
    grade: list[str] = GradeOpt,
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record ore mined at a mine site as a new lot (stage: mining)."""
    from orechain.ledger.commands import parse_amounts

    lot = {
        "lot_id": lot_id,
        "product": product,
        "commodity": commodity,
        "quantity_t": quantity_t,
        "basis": basis,
        "grades": parse_amounts(grade, "grade") or None,
    }
    body = {"site_id": site, "lot": lot, **_common(event_id, time, doc)}
    _record("extract", body, key, from_file, db, as_json)


def _output(
    lot_id: str,
    q: float,
    product: str | None,
    commodity: str | None,
    basis: str,
    grades: dict[str, float],
) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "product": product,
        "commodity": commodity,
        "quantity_t": q,
        "basis": basis,
        "grades": grades or None,
    }


def _out_spec(output: str | None) -> tuple[str, float]:
    from orechain.ledger.commands import parse_amounts

    if not output:
        msg = "give the output lot as --output LOT=TONNES"
        raise typer.BadParameter(msg)
    return next(iter(parse_amounts([output], "output").items()))


def _inherit(db: str | None, lot_id: str) -> tuple[str, str]:
    """Commodity and basis of an existing lot (outputs default to them)."""
    from orechain.ledger.service import Ledger

    with Ledger.open(_url(db)) as led:
        lot = led.state.lot(lot_id)
        return lot.commodity, lot.basis


def transform(
    site: str | None = typer.Option(None, "--site", help="Processing site id."),
    stage: str | None = typer.Option(
        None, help="Value-chain stage (e.g. beneficiation, separation)."
    ),
    inputs: list[str] = typer.Option([], "--input", help="LOT or LOT=TONNES drawn; repeatable."),
    output: str | None = typer.Option(None, "--output", help="Output LOT=TONNES."),
    product: str | None = typer.Option(None, help="Output product name."),
    commodity: str | None = typer.Option(None, help="Output commodity (default: first input)."),
    grade: list[str] = GradeOpt,
    loss: list[str] = LossOpt,
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Process input lots into an output lot at a site; inputs = output + losses."""
    from orechain.ledger.commands import parse_amounts, parse_draws

    body: dict[str, Any] = {}
    if from_file is None:
        draws = parse_draws(inputs)
        inherited, basis = _inherit(db, draws[0]["lot_id"]) if draws else (None, "gross")
        out_id, q = _out_spec(output)
        out = _output(
            out_id, q, product, commodity or inherited, basis, parse_amounts(grade, "grade")
        )
        losses = [{"kind": k, "quantity_t": v} for k, v in parse_amounts(loss, "loss").items()]
        body = {
            "site_id": site,
            "stage": stage,
            "inputs": draws,
            "outputs": [out],
            "losses": losses,
            **_common(event_id, time, doc),
        }
    _record("transform", body, key, from_file, db, as_json)


def split(
    lot_id: str | None = typer.Argument(None, help="Lot to divide."),
    site: str | None = typer.Option(None, "--site", help="Site where the lot is."),
    part: list[str] = typer.Option([], "--part", help="New LOT=TONNES; repeatable."),
    loss: list[str] = LossOpt,
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Divide a lot into parts (product, commodity, basis and grades carry over)."""
    from orechain.ledger.commands import parse_amounts
    from orechain.ledger.service import Ledger

    body: dict[str, Any] = {}
    if from_file is None:
        with Ledger.open(_url(db)) as led:
            parent = led.state.lot(lot_id or "")
        parts = [
            _output(p, q, parent.product, parent.commodity, parent.basis, parent.grades)
            for p, q in parse_amounts(part, "part").items()
        ]
        losses = [{"kind": k, "quantity_t": v} for k, v in parse_amounts(loss, "loss").items()]
        body = {
            "site_id": site,
            "lot_id": lot_id,
            "outputs": parts,
            "losses": losses,
            **_common(event_id, time, doc),
        }
    _record("split", body, key, from_file, db, as_json)


def merge(
    inputs: list[str] = typer.Option([], "--input", help="LOT or LOT=TONNES; repeatable."),
    output: str | None = typer.Option(None, "--output", help="Output LOT=TONNES."),
    site: str | None = typer.Option(None, "--site", help="Site of the blend."),
    product: str | None = typer.Option(None, help="Output product (default: first input's)."),
    grade: list[str] = GradeOpt,
    loss: list[str] = LossOpt,
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Blend input lots into one output lot (origins mix by mass)."""
    from orechain.ledger.commands import parse_amounts, parse_draws
    from orechain.ledger.service import Ledger

    body: dict[str, Any] = {}
    if from_file is None:
        draws = parse_draws(inputs)
        with Ledger.open(_url(db)) as led:
            first = led.state.lot(draws[0]["lot_id"]) if draws else None
        out_id, q = _out_spec(output)
        out = _output(
            out_id,
            q,
            product or (first.product if first else ""),
            first.commodity if first else None,
            first.basis if first else "gross",
            parse_amounts(grade, "grade"),
        )
        losses = [{"kind": k, "quantity_t": v} for k, v in parse_amounts(loss, "loss").items()]
        body = {
            "site_id": site,
            "inputs": draws,
            "output": out,
            "losses": losses,
            **_common(event_id, time, doc),
        }
    _record("merge", body, key, from_file, db, as_json)


def ship(
    lot_ids: list[str] | None = typer.Argument(None, help="Lots shipped together."),
    from_site: str | None = typer.Option(None, "--from", help="Site of departure."),
    to_site: str | None = typer.Option(None, "--to", help="Destination site."),
    mode: str = typer.Option("sea", help="sea, road, rail or air."),
    bl: str | None = typer.Option(None, "--bl", help="Transport document number (B/L, CMR)."),
    vessel: str | None = typer.Option(None, help="Vessel name (sea)."),
    voyage: str | None = typer.Option(None, help="Voyage number."),
    port_of_loading: str | None = typer.Option(None, help="UN/LOCODE, e.g. PKKHI."),
    port_of_discharge: str | None = typer.Option(None, help="UN/LOCODE, e.g. USHOU."),
    hs_code: str | None = typer.Option(None, help="HS code, e.g. 2617.90."),
    incoterm: str | None = typer.Option(None, help="Incoterms 2020 rule, e.g. FOB."),
    container: list[str] = typer.Option([], help="CONTAINER:SEAL (ISO 6346); repeatable."),
    wet_t: float | None = typer.Option(None, "--wet-t", help="Loading wet weight in tonnes."),
    moisture: float | None = typer.Option(None, help="Moisture, fraction [-]."),
    eta: str | None = typer.Option(None, help="Estimated arrival, RFC 3339."),
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Ship lots between sites with the trade fields of the bill of lading."""
    from orechain.ledger.commands import parse_containers, weighing

    body = {
        "lot_ids": lot_ids,
        "from_site": from_site,
        "to_site": to_site,
        "mode": mode,
        "document": bl,
        "vessel": vessel,
        "voyage": voyage,
        "eta": eta,
        "port_of_loading": port_of_loading,
        "port_of_discharge": port_of_discharge,
        "hs_code": hs_code,
        "incoterm": incoterm,
        "containers": parse_containers(container),
        "weight": weighing(wet_t, moisture),
        **_common(event_id, time, doc),
    }
    _record("ship", body, key, from_file, db, as_json)


def receive(
    lot_ids: list[str] | None = typer.Argument(None, help="Lots received."),
    site: str | None = typer.Option(None, "--site", help="Receiving site (the destination)."),
    wet_t: float | None = typer.Option(None, "--wet-t", help="Out-turn wet weight in tonnes."),
    moisture: float | None = typer.Option(None, help="Out-turn moisture [-]."),
    weight_dispute: str | None = typer.Option(
        None, help="Reason recorded when the out-turn is beyond the tolerance (weight claim)."
    ),
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Receive shipped lots, with the out-turn weight checked against the loading weight."""
    from orechain.ledger.commands import weighing

    body = {
        "lot_ids": lot_ids,
        "site_id": site,
        "outturn": weighing(wet_t, moisture),
        "weight_dispute": weight_dispute,
        **_common(event_id, time, doc),
    }
    _record("receive", body, key, from_file, db, as_json)


def assay(
    lot_id: str | None = typer.Argument(None, help="Assayed lot."),
    grade: list[str] = GradeOpt,
    laboratory: str | None = typer.Option(None, help="Laboratory name."),
    method: str = typer.Option("", help="Method (e.g. ICP-OES after fusion)."),
    party: str | None = typer.Option(None, help="seller, buyer or umpire (contract assays)."),
    splitting_limit: list[str] = typer.Option(
        [], help="ELEMENT=FRACTION splitting limit [-] (umpire assays); repeatable."
    ),
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record an assay; contract assays are signed by the laboratory with its certificate."""
    from orechain.ledger.commands import parse_amounts

    body = {
        "lot_id": lot_id,
        "grades": parse_amounts(grade, "grade"),
        "laboratory": laboratory,
        "method": method,
        "party": party,
        "splitting_limits": parse_amounts(splitting_limit, "splitting_limit") or None,
        **_common(event_id, time, doc),
    }
    _record("assay", body, key, from_file, db, as_json)


def certify(
    lot_id: str | None = typer.Argument(None, help="Certified lot."),
    scheme: str | None = typer.Option(None, help="Certification scheme."),
    claim: str = typer.Option(
        "verified-origin", help="verified-origin, responsible-sourcing or conformity."
    ),
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """A certifier's claim about a lot (e.g. verified origin under a scheme)."""
    body = {"lot_id": lot_id, "scheme": scheme, "claim": claim, **_common(event_id, time, doc)}
    _record("certify", body, key, from_file, db, as_json)


def transfer(
    lot_ids: list[str] | None = typer.Argument(None, help="Lots sold."),
    to_org: str | None = typer.Option(None, "--to", help="Buying organisation id."),
    incoterm: str | None = typer.Option(None, help="Incoterms 2020 rule of the sale."),
    key: Path = KeyOpt,
    event_id: str | None = IdOpt,
    time: str | None = TimeOpt,
    doc: list[str] = DocOpt,
    from_file: Path | None = FileOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Hand custody of lots to another organisation (a sale)."""
    body = {
        "lot_ids": lot_ids,
        "to_org": to_org,
        "incoterm": incoterm,
        **_common(event_id, time, doc),
    }
    _record("transfer", body, key, from_file, db, as_json)


def register(app: typer.Typer) -> None:
    """Add ``doc`` and the custody event commands to the ``ledger`` app."""
    app.add_typer(doc_app, name="doc")
    for fn in (extract, transform, split, merge, ship, receive, assay, certify, transfer):
        app.command(fn.__name__)(fn)
