"""Run use cases: record a run, list and show runs, verify a run by re-executing it.

Each recordable command is a :class:`RunKind`: a function from the recorded
inputs (and the atlas, when it uses one) to the output document. The CLI and the
API compute the document as usual and, with ``--record`` / ``?record=true``, pass
it here with the inputs; ``verify`` calls the same function on the recorded
inputs and compares the canonical output digests.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orechain.errors import InputError
from orechain.jsonsafe import to_jsonable
from orechain.runs import record as rec
from orechain.runs.log import RunLog

if TYPE_CHECKING:
    from orechain.atlas.store import Atlas
    from orechain.ledger.store import Entry
    from orechain.settings import Settings

__all__ = [
    "RUN_KINDS",
    "RunKind",
    "Verification",
    "file_input",
    "project_input",
    "recorded_run",
    "scenario_input",
    "list_runs",
    "record_run",
    "show_run",
    "verify_run",
]

Inputs = Mapping[str, Any]


@dataclass(frozen=True)
class RunKind:
    """A recordable command: how to re-execute it and whether it reads the atlas."""

    execute: Callable[[Inputs, Atlas | None], Any]
    needs_atlas: Callable[[Inputs], bool] = lambda _inputs: True


def file_input(path: Path | str, document: Any) -> dict[str, Any]:
    """A file input as recorded: its path, its parsed document and its linked files' digests.

    A project may read other files (``file:`` keys, e.g. a scenario for its
    volumes); their bytes are digested so that ``verify`` names a changed one.
    """
    base = Path(path).parent
    linked = {name: rec.digest((base / name).read_bytes()) for name in _linked(document)
              if (base / name).is_file()}  # fmt: skip
    return {"path": str(path), "document": document, "linked_files": linked}


def _linked(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [str(v) for k, v in value.items() if k == "file" and isinstance(v, str)]
        return sorted({*own, *(f for v in value.values() for f in _linked(v))})
    if isinstance(value, list):
        return sorted({f for v in value for f in _linked(v)})
    return []


def project_input(path: Path) -> dict[str, Any]:
    """The recorded form of a project file (bundled names resolved as the CLI does)."""
    from orechain.inputs import read_yaml
    from orechain.services.catalog import resolve_project_path

    file = resolve_project_path(path)
    return file_input(file, read_yaml(file))


def scenario_input(name: str) -> dict[str, Any]:
    """The recorded form of a scenario file or bundled scenario name."""
    from orechain.inputs import read_yaml
    from orechain.scenarios.bundled import resolve_scenario_path

    file = resolve_scenario_path(name)
    return file_input(file, read_yaml(file))


def plain_inputs(inputs: Inputs) -> dict[str, Any]:
    """Inputs as JSON values: keys as strings (YAML years), dates and paths as text.

    Floats are kept exactly (only outputs are rounded before hashing); the
    recorded form is what ``verify`` re-executes, so a run is recorded only if it
    reproduces from it (checked right after recording by the tests).
    """
    return dict(json.loads(json.dumps(to_jsonable(dict(inputs)), default=str)))


def _risk(inputs: Inputs, atlas: Atlas | None) -> Any:
    from orechain.services.risk import risk_document

    assert atlas is not None
    return risk_document(atlas, **inputs)


def _imports(inputs: Inputs, atlas: Atlas | None) -> Any:
    from orechain.services.risk import import_risk, imports_document

    assert atlas is not None
    return imports_document(*import_risk(atlas, **inputs))


def _supply(inputs: Inputs, atlas: Atlas | None) -> Any:
    from orechain.services.risk import supply_risk_document

    assert atlas is not None
    return supply_risk_document(atlas, **inputs)


def _overview(inputs: Inputs, atlas: Atlas | None) -> Any:
    from orechain.services.risk import overview, overview_with_bands

    assert atlas is not None
    if inputs.get("bands"):
        return overview_with_bands(atlas, inputs["year"])
    return [r.to_dict() for r in overview(atlas, inputs["year"])]


def _scenario(inputs: Inputs) -> Any:
    from orechain.scenarios.spec import parse_scenario

    f = inputs["scenario"]
    return parse_scenario(f["document"], f["path"])


def _scenario_run(inputs: Inputs, atlas: Atlas | None) -> Any:
    from orechain.scenarios.report import run_report

    opts = {k: inputs[k] for k in ("draws", "seed", "explain")}
    if inputs.get("precision") is not None:  # runs recorded before --precision have none
        opts["precision"] = inputs["precision"]
    # one in-process worker: the draws depend on the seed alone (orechain.montecarlo)
    return run_report(_scenario(inputs), atlas, workers=1, **opts)[0]


def _project(f: Mapping[str, Any]) -> Any:
    from orechain.economics.project import project_from_dict

    return project_from_dict(f["document"], source=f["path"], base_dir=Path(f["path"]).parent)


def _projects_need_atlas(*names: str) -> Callable[[Inputs], bool]:
    def needs(inputs: Inputs) -> bool:
        from orechain.services.economics import needs_atlas

        return needs_atlas(*(_project(inputs[n]) for n in names))

    return needs


def _econ_run(inputs: Inputs, atlas: Atlas | None) -> Any:
    from orechain.services import economics as econ
    from orechain.services.documents import to_document

    return to_document(econ.evaluate(_project(inputs["project"]), atlas))


def _econ_compare(inputs: Inputs, atlas: Atlas | None) -> Any:
    from orechain.services import economics as econ
    from orechain.services.documents import to_document

    a, b = _project(inputs["base"]), _project(inputs["alternative"])
    return to_document(econ.compare(a, b, atlas))


def _econ_montecarlo(inputs: Inputs, atlas: Atlas | None) -> Any:
    from orechain.services import economics as econ

    project = _project(inputs["project"])
    return econ.montecarlo_document(project, inputs["draws"], seed=inputs["seed"], atlas=atlas)


RUN_KINDS: dict[str, RunKind] = {
    "risk": RunKind(_risk),
    "risk overview": RunKind(_overview),
    "risk imports": RunKind(_imports),
    "risk supply": RunKind(_supply),
    "report overview": RunKind(_overview),
    "scenario run": RunKind(_scenario_run, lambda inputs: _scenario(inputs).network is None),
    "econ run": RunKind(_econ_run, _projects_need_atlas("project")),
    "econ compare": RunKind(_econ_compare, _projects_need_atlas("base", "alternative")),
    "econ montecarlo": RunKind(_econ_montecarlo, _projects_need_atlas("project")),
}
"""Recordable commands by name (the CLI command path)."""


def _kind(command: str) -> RunKind:
    if command not in RUN_KINDS:
        msg = f"{command!r} cannot be recorded; recordable: {', '.join(sorted(RUN_KINDS))}"
        raise InputError(msg, field="command")
    return RUN_KINDS[command]


def _with_atlas(
    use: bool, func: Callable[[Atlas | None], Any], settings: Settings | None = None
) -> Any:
    if not use:
        return func(None)
    from orechain.atlas.store import open_atlas

    atlas = open_atlas(settings, read_only=True)
    try:
        return func(atlas)
    finally:
        atlas.close()


def _atlas_fingerprint(atlas: Atlas | None) -> dict[str, Any] | None:
    if atlas is None:
        return None
    return {"sources": rec.source_digests(), "build": rec.atlas_build_digest(atlas)}


def record_run(
    command: str,
    inputs: Inputs,
    output: Any,
    *,
    folder: Path | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Record a finished run; return its ``run`` block (id, log index, digests, verify command).

    Parameters
    ----------
    command
        A key of :data:`RUN_KINDS`.
    inputs
        Everything the command read besides the atlas: parsed files, options, seed, draws.
    output
        The document the command printed or sent (``--json``).
    settings
        Where the atlas is (default: ``ORECHAIN_*`` variables); the service passes its own.
    """
    kind = _kind(command)
    inputs = plain_inputs(inputs)
    atlas = _with_atlas(kind.needs_atlas(inputs), _atlas_fingerprint, settings)
    output_bytes = rec.canonical_document(output)
    record = {
        "kind": rec.RECORD_KIND,
        "command": command,
        "inputs": dict(inputs),
        "input_digests": rec.input_digests(inputs),
        "atlas": atlas,
        **rec.environment(),
        "output_digest": rec.digest(output_bytes),
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "nonce": secrets.token_hex(8),  # two runs in the same second stay two leaves
    }
    with RunLog(folder) as log:
        envelope = rec.sign_record(record, log.key)
        entry = log.append(envelope, output_bytes)
        return {**_run_block(entry, record, log.origin), "proof": log.proof(entry)}


def _run_block(entry: Entry, record: Mapping[str, Any], origin: str) -> dict[str, Any]:
    run_id = entry.index + 1
    return {
        "id": run_id,
        "log_index": entry.index,
        "origin": origin,
        "command": record["command"],
        "recorded_at": record["recorded_at"],
        "output_digest": record["output_digest"],
        "inputs": record["input_digests"],
        "verify": f"orechain runs verify {run_id}",
    }


def _index(run_id: int) -> int:
    if run_id < 1:
        msg = f"run ids start at 1, got {run_id}"
        raise InputError(msg, field="ID")
    return run_id - 1


def list_runs(folder: Path | None = None) -> list[dict[str, Any]]:
    """One ``run`` block per recorded run, in log order (none before the first record)."""
    from orechain.runs.log import default_runs_dir

    if not ((folder or default_runs_dir()) / "runs.db").is_file():
        return []
    with RunLog.existing(folder) as log:
        return [_run_block(e, log.envelope(e)["record"], log.origin) for e in log.entries()]


def show_run(run_id: int, folder: Path | None = None) -> dict[str, Any]:
    """The run's block, its full signed record and its stored output."""
    from orechain.ledger.canonical import parse_json

    with RunLog.existing(folder) as log:
        entry = log.entry(_index(run_id))
        envelope = log.envelope(entry)
        path = log.output_path(entry.index)
        output = parse_json(path.read_bytes(), source=str(path)) if path.exists() else None
        return {
            "run": _run_block(entry, envelope["record"], log.origin),
            "record": envelope["record"],
            "proof": log.proof(entry),
            "output": output,
        }


def recorded_run(run_id: str | None, folder: Path | None = None) -> dict[str, Any] | None:
    """The ``run`` block a page shows for ``?run=N``; None when absent, malformed or unknown.

    Only an existing run log is read (a page view never creates one).
    """
    from orechain.runs.log import default_runs_dir

    if not run_id or not run_id.isdecimal() or len(run_id) > 15:
        return None  # every page view without ?run= stops here
    base = folder or default_runs_dir()
    if not (base / "runs.db").exists():
        return None
    with RunLog.existing(base) as log:
        found = log.store.find(index=int(run_id) - 1)
        return (
            None if found is None else _run_block(found, log.envelope(found)["record"], log.origin)
        )


@dataclass
class Verification:
    """Outcome of ``orechain runs verify``: what was checked and what changed."""

    id: int
    command: str
    ok: bool = False
    included: bool = False
    """The stored record is the leaf the latest signed checkpoint covers."""
    signed: bool = False
    """The record's signature verifies under the run log's key."""
    reproduced: bool = False
    """Re-executing the recorded inputs gave the recorded output digest."""
    output_digest: str = ""
    reproduced_digest: str | None = None
    changed: list[str] = field(default_factory=list)
    """What differs from the record (inputs, atlas sources, stored output, ...)."""
    notes: list[str] = field(default_factory=list)
    """Differences that do not fail verification (version, code, platform)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def verify_run(
    run_id: int, folder: Path | None = None, settings: Settings | None = None
) -> Verification:
    """Check a run: log inclusion, signature, inputs, atlas, stored output, re-execution."""
    with RunLog.existing(folder) as log:
        entry = log.entry(_index(run_id))
        envelope = log.envelope(entry)
        inclusion = log.inclusion(entry)
        record = envelope["record"]
        out = Verification(run_id, str(record.get("command")))
        out.output_digest = str(record.get("output_digest"))
        out.included = inclusion.ok
        if inclusion.reason:
            out.changed.append(f"log: {inclusion.reason}")
        out.signed = rec.signature_valid(envelope, log.public_key)
        if not out.signed:
            out.changed.append("record: signature does not verify under the run log's key")
        _check_stored_output(log.output_path(entry.index), record, out)
    intact = _check_inputs(record, out)
    if out.signed and intact:
        _reexecute_safely(record, out, settings)
    else:
        out.notes.append("not re-executed: the record is not the one that was signed")
    _check_environment(record, out)
    out.ok = out.included and out.signed and out.reproduced and not out.changed
    return out


def _check_stored_output(path: Path, record: Mapping[str, Any], out: Verification) -> None:
    if not path.exists():
        out.changed.append(f"stored output: {path} is missing")
    elif rec.digest(path.read_bytes()) != record.get("output_digest"):
        out.changed.append(f"stored output: {path} differs from the recorded output digest")


def _check_inputs(record: Mapping[str, Any], out: Verification) -> bool:
    inputs = record.get("inputs")
    if not isinstance(inputs, dict):
        out.changed.append("inputs: missing from the record")
        return False
    now, then = rec.input_digests(inputs), record.get("input_digests") or {}
    bad = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
    out.changed.extend(f"input {k!r}: differs from its recorded digest" for k in bad)
    for name, value in sorted(inputs.items()):
        if isinstance(value, dict) and isinstance(value.get("linked_files"), dict):
            current = file_input(value["path"], value.get("document"))["linked_files"]
            for linked, was in sorted(value["linked_files"].items()):
                if current.get(linked) != was:
                    out.changed.append(f"input {name!r}: linked file {linked} changed")
    return not bad


def _reexecute_safely(
    record: Mapping[str, Any], out: Verification, settings: Settings | None
) -> None:
    """Re-execute a signed record; a failure is a named mismatch, not a crash."""
    from orechain.errors import OreChainError

    try:
        kind = _kind(out.command)
        use = kind.needs_atlas(record["inputs"])
        _with_atlas(use, lambda a: _reexecute(kind, record, a, out), settings)
    except (OreChainError, TypeError, KeyError) as exc:
        out.changed.append(f"re-execution failed: {exc}")


def _reexecute(
    kind: RunKind, record: Mapping[str, Any], atlas: Atlas | None, out: Verification
) -> None:
    recorded = record.get("atlas")
    if atlas is not None and isinstance(recorded, dict):
        _compare_atlas(recorded, _atlas_fingerprint(atlas) or {}, out)
    doc = kind.execute(record["inputs"], atlas)
    out.reproduced_digest = rec.digest(rec.canonical_document(doc))
    out.reproduced = out.reproduced_digest == out.output_digest
    if not out.reproduced:
        out.changed.append("output: re-execution gives a different output digest")


def _compare_atlas(then: Mapping[str, Any], now: Mapping[str, Any], out: Verification) -> None:
    old, new = then.get("sources") or {}, now.get("sources") or {}
    for sid in sorted(set(old) | set(new)):
        if old.get(sid) != new.get(sid):
            out.changed.append(f"atlas source {sid!r}: its bundled files differ from the record")
    if then.get("build") != now.get("build"):
        out.changed.append("atlas build: the atlas's rows differ from the record")


def _check_environment(record: Mapping[str, Any], out: Verification) -> None:
    env = rec.environment()
    for key in ("version", "code_digest", "platform"):
        if record.get(key) != env[key]:
            out.notes.append(f"{key}: recorded {record.get(key)!r}, now {env[key]!r}")
