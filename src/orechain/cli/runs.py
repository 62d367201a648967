"""``orechain runs``: list, show and verify recorded runs."""

from __future__ import annotations

import typer

from orechain.cli.common import JSON_OPTION
from orechain.cli.output import emit_json, print_table, say

app = typer.Typer(
    help="Recorded runs: list, show, verify (re-execute and check the signed run log).",
    no_args_is_help=True,
)

ID_ARG = typer.Argument(..., min=1, help="Run id (as printed by --record).")


@app.command("list")
def list_cmd(as_json: bool = JSON_OPTION) -> None:
    """Every recorded run: id, command, time and output digest."""
    from orechain.services.runs import list_runs

    runs = list_runs()
    if as_json:
        emit_json(runs)
        return
    print_table(
        [{**r, "output_digest": r["output_digest"][:23] + "…"} for r in runs],
        [("id", "run"), ("command", "command"), ("recorded_at", "recorded at"),
         ("output_digest", "output digest")],
        title=f"{len(runs)} recorded runs",
    )  # fmt: skip


@app.command("show")
def show(run_id: int = ID_ARG, as_json: bool = JSON_OPTION) -> None:
    """The signed record of a run (inputs, atlas, code, platform digests) and its output."""
    from orechain.services.runs import show_run

    doc = show_run(run_id)
    if as_json:
        emit_json(doc)
        return
    rec, run = doc["record"], doc["run"]
    say(f"run {run['id']}: orechain {rec['command']} — recorded {rec['recorded_at']}")
    say(f"log {run['origin']}, leaf {run['log_index']}")
    say(f"OreChain {rec['version']}, code {rec['code_digest']}, platform {rec['platform']}")
    say(f"output {rec['output_digest']}")
    for name, value in rec["input_digests"].items():
        say(f"input {name}: {value}")
    for sid, value in sorted(((rec.get("atlas") or {}).get("sources") or {}).items()):
        say(f"atlas source {sid}: {value}")
    if rec.get("atlas"):
        say(f"atlas build: {rec['atlas']['build']}")


@app.command("verify")
def verify(run_id: int = ID_ARG, as_json: bool = JSON_OPTION) -> None:
    """Re-execute a run and check its output digest, signature and log inclusion.

    Exit code 0 when everything matches, 1 on any mismatch (each one named), 2 on
    bad input (e.g. no such run).
    """
    from orechain.services.runs import verify_run

    result = verify_run(run_id)
    if as_json:
        emit_json(result.to_dict())
    else:
        say(
            f"run {result.id} ({result.command}): "
            + ("OK — reproduced, signed and included in the run log" if result.ok else "MISMATCH")
        )
        say(f"included {result.included} · signed {result.signed} · reproduced {result.reproduced}")
        for line in result.changed:
            say(f"changed: {line}")
        for line in result.notes:
            say(f"note: {line}")
    if not result.ok:
        raise typer.Exit(1)
