"""``orechain ledger tiles|monitor|verify-checkpoint``: the log at internet scale.

Registered on the ``ledger`` app by :func:`register`. ``tiles`` writes the C2SP
tile tree as static files (optionally collecting witness cosignatures first);
``monitor`` follows a log's tiles and exits 1 with evidence on a fork, a
rollback or a bad entry; ``verify-checkpoint`` accepts a checkpoint only with the
witness quorum of a tlog-policy file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from orechain.cli.output import emit_json

if TYPE_CHECKING:
    from orechain.ledger.guards import Policy

__all__ = ["register"]

POLICY_HELP = "tlog-policy file: the log key, witnesses (with URLs) and the quorum."
ENV_HELP = "Also write tile/entries/ with the full signed envelopes (confidential: only for a "
ENV_HELP += "tree served to auditors)."


def _url(db: str | None) -> str:
    from orechain.settings import Settings

    return db or Settings.from_env().database_url


def tiles(
    out: Path = typer.Option(..., "--out", help="Directory to write the tile tree into."),
    db: str | None = typer.Option(None, "--database-url", "--db", help="Ledger database."),
    witness_policy: Path | None = typer.Option(None, "--witness-policy", help=POLICY_HELP),
    with_envelopes: bool = typer.Option(False, "--with-envelopes", help=ENV_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Write the log as C2SP tlog-tiles static files (checkpoint, tile/…), incrementally."""
    from orechain.ledger.checkpoint import parse_checkpoint
    from orechain.ledger.service import Ledger
    from orechain.transparency.policy import collect_cosignatures, load_policy
    from orechain.transparency.publish import publish
    from orechain.transparency.tiles import STATE_FILE

    policy = load_policy(witness_policy) if witness_policy else None

    def cosign(led: Ledger, note: str, previous: str | None) -> str:
        assert policy is not None  # only passed with a policy
        return collect_cosignatures(led, note, policy, previous)

    with Ledger.open(_url(db)) as led:
        # A new static tree is public unless asked otherwise (full envelopes only with the
        # flag); an existing one keeps what it was first written with.
        envelopes = True if with_envelopes else (None if (out / STATE_FILE).exists() else False)
        note = publish(led, out, cosign=cosign if policy else None, envelopes=envelopes)
    cp, sigs = parse_checkpoint(note)
    facts: dict[str, Any] = {"out": str(out), "origin": cp.origin, "tree_size": cp.tree_size,
             "root_hash": cp.root_hash.hex(), "signatures": [s[0] for s in sigs]}  # fmt: skip
    if as_json:
        emit_json(facts)
    else:
        typer.echo(f"Published size {cp.tree_size} of {cp.origin} under {out}")
        typer.echo(f"  signed by: {', '.join(facts['signatures'])}")


def _vkey(vkey: str | None, db: str | None) -> str:
    if vkey is None:
        from orechain.ledger.service import Ledger

        with Ledger.open(_url(db)) as led:
            return led.vkey
    return Path(vkey).read_text(encoding="utf-8").strip() if Path(vkey).is_file() else vkey


def _rules(db: str | None, max_future_hours: float | None, max_past_days: float | None) -> Policy:
    """The log's event-time window for ``--entries`` replay: options, else --db, else defaults."""
    from dataclasses import replace
    from datetime import timedelta

    from orechain.ledger.guards import DEFAULT_POLICY

    rules = DEFAULT_POLICY
    if db is not None:
        from orechain.ledger.service import Ledger

        with Ledger.open(_url(db)) as led:
            rules = led.policy
    if max_future_hours is not None:
        rules = replace(rules, max_future=timedelta(hours=max_future_hours))
    if max_past_days is not None:
        rules = replace(rules, max_past=timedelta(days=max_past_days))
    return rules


def monitor(
    url: str = typer.Argument(..., help="Log prefix: http(s)://host/ or a tile directory."),
    vkey: str | None = typer.Option(
        None, help="The log's verifier key (name+hash+key) or a file; default: read from --db."
    ),
    db: str | None = typer.Option(
        None, "--database-url", "--db", help="A copy of the ledger to take the log key from."
    ),
    state: Path = typer.Option(..., "--state", help="JSON file the monitor keeps between runs."),
    witness_policy: Path | None = typer.Option(None, "--witness-policy", help=POLICY_HELP),
    witness: list[str] = typer.Option(
        [], "--witness", help="Witness monitoring prefix to compare with (repeatable)."
    ),
    entries: bool = typer.Option(
        False, "--entries", help="Fetch envelopes and replay the ledger rules (full replay)."
    ),
    max_future_hours: float | None = typer.Option(
        None,
        "--max-future-hours",
        help="With --entries: how far an event time may lie after "
        "the log's receipt time, in hours; default: the --db ledger's, else 24.",
    ),
    max_past_days: float | None = typer.Option(
        None,
        "--max-past-days",
        help="With --entries: how far an event time may lie before "
        "the log's receipt time, in days; default: the --db ledger's, else 30.",
    ),
    evidence: Path | None = typer.Option(None, help="Where to write evidence on a finding."),
    connections: int = typer.Option(
        4,
        min=1,
        max=32,
        help="Tile fetches kept in flight over HTTP (a remote log is bound by round trips; "
        "beside the log on an idle host 1 can be faster).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Follow a log's tiles; exit 1 with evidence on a fork, a rollback or a bad entry."""
    from orechain.transparency.monitor import (
        MonitorState,
        TileSource,
        compare_with_witness,
        finding_dict,
        follow,
        witness_checkpoint_path,
    )
    from orechain.transparency.policy import load_policy

    key = _vkey(vkey, db)
    policy = load_policy(witness_policy) if witness_policy else None
    old = MonitorState.load(state)
    src = TileSource(url, token=os.environ.get("ORECHAIN_TOKEN"), connections=connections)
    try:
        rules = _rules(db if entries else None, max_future_hours, max_past_days)
        new, found, checked = follow(src, old, key, policy=policy, entries=entries, rules=rules)
        for w in witness if found is None else []:
            wsrc = TileSource(w)
            try:
                note = wsrc.get(witness_checkpoint_path(new.origin))
            finally:
                wsrc.close()
            if note is not None:
                found = compare_with_witness(new, note.decode("utf-8"), key, policy, src)
            if found is not None:
                break
    finally:
        src.close()
    if found is not None:
        path = evidence or state.with_suffix(".evidence.json")
        path.write_text(json.dumps(finding_dict(found), indent=2), encoding="utf-8")
        out: dict[str, Any] = {"ok": False, "finding": found.kind, "detail": found.detail,
                               "index": found.index, "evidence": str(path)}  # fmt: skip
        emit_json(out) if as_json else typer.echo(
            f"LOG MISBEHAVED ({found.kind}): {found.detail}; evidence in {path}", err=True
        )
        raise typer.Exit(1)
    new.save(state)
    out = {"ok": True, "origin": new.origin, "tree_size": new.size, "root_hash": new.root,
           "new_entries": checked}  # fmt: skip
    if as_json:
        emit_json(out)
    else:
        typer.echo(f"OK {new.origin}: size {new.size} (+{checked} verified), root {new.root}")


def verify_checkpoint(
    checkpoint: Path = typer.Argument(..., help="Signed checkpoint note (with cosignatures)."),
    witness_policy: Path = typer.Option(..., "--witness-policy", help=POLICY_HELP),
    proof: Path | None = typer.Option(
        None, "--proof", help="Inclusion bundle to check against this checkpoint too."
    ),
    db: str | None = typer.Option(
        None, "--database-url", "--db", help="Also require the checkpoint to be this ledger's log."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Accept a checkpoint only if a policy log signed it and the witness quorum cosigned it."""
    from orechain.ledger.verify import verify_inclusion_bundle
    from orechain.transparency.policy import load_policy, signing_log, verify_with_policy

    policy = load_policy(witness_policy)
    note = checkpoint.read_text(encoding="utf-8")
    cp, witnesses = verify_with_policy(note, policy)
    if db is not None:
        from orechain.errors import IntegrityError
        from orechain.ledger.service import Ledger

        with Ledger.open(_url(db)) as led:
            if led.origin != cp.origin:
                msg = f"checkpoint is for log {cp.origin!r}, not this ledger's {led.origin!r}"
                raise IntegrityError(msg)
    out: dict[str, Any] = {"ok": True, "origin": cp.origin, "tree_size": cp.tree_size,
                           "root_hash": cp.root_hash.hex(), "witnesses": witnesses}  # fmt: skip
    if proof is not None:
        bundle = json.loads(proof.read_text(encoding="utf-8"))
        res = verify_inclusion_bundle(bundle, signing_log(note, policy)[1], note)
        out["event_id"], out["leaf_index"] = res.event_id, res.leaf_index
    if as_json:
        emit_json(out)
        return
    typer.echo(
        f"OK {cp.origin} size {cp.tree_size}, cosigned by {', '.join(witnesses) or 'nobody'}"
    )
    if proof is not None:
        typer.echo(f"  includes {out['event_id']} at leaf {out['leaf_index']}")


def register(app: typer.Typer) -> None:
    """Add ``tiles``, ``monitor`` and ``verify-checkpoint`` to the ``ledger`` app."""
    app.command("tiles")(tiles)
    app.command("monitor")(monitor)
    app.command("verify-checkpoint")(verify_checkpoint)
