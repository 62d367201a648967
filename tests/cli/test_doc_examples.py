"""Every ``orechain`` command printed in README.md and docs/*.md runs as printed.

Each command runs in-process against the session atlas, in a scratch folder
holding ``projects/`` and ``scenarios/`` (so files it writes stay out of the
repository) with a scratch ledger. Its human output must contain an expected
value, show no traceback and exit as documented; where the command offers
``--json``, the JSON form runs too and must parse. A command added to the docs
without an entry in ``SPECS`` fails ``test_every_doc_command_is_covered``.

Synopsis lines (``FILE``, ``[--json]``) name the concrete file each is run with.
Commands whose printed form needs a server or an outside file (``serve``, a
PostgreSQL URL, ``events.jsonl``, ``registry.pem``) run with ``uvicorn.run``
patched out, the test PostgreSQL, or a file the test writes first. The
transparency page runs against the sample log with its two policy witnesses
answering in-process (``_transparency_fixtures``); ``witness serve`` binds port 0
and returns at once. Lines that set an environment variable before ``orechain``
run in ``test_env_prefixed_doc_commands``.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from doc_commands import DOCS, ROOT, DocCommand, all_doc_commands, doc_commands
from typer.testing import CliRunner

from orechain.cli import app

runner = CliRunner()

ORIGIN = "demo.orechain.invalid/ledger/pk-us-corridor"
"""The sample ledger's log origin (checkpoint and vkey name)."""

REE_PROJECTS = (
    "projects/pakistan-concentrate-export.yaml projects/pakistan-polymetallic-refinery.yaml"
)


@dataclass(frozen=True)
class Spec:
    """How a printed command is run and what its output must show.

    ``expect`` must appear in the human output (and, unless ``json_expect`` says
    otherwise, in the JSON). ``argv`` replaces the printed tokens (synopsis lines,
    placeholders); ``{name}`` in it is filled from earlier ``capture`` matches.
    """

    expect: str
    json_expect: str | None = None
    exit_code: int = 0
    argv: tuple[str, ...] | None = None
    capture: tuple[str, str] | None = None
    postgres: bool = False
    json: bool = True
    json_argv: tuple[str, ...] | None = None
    env: tuple[tuple[str, str], ...] = ()


SPECS: dict[str, Spec] = {
    # README.md
    "orechain atlas commodities": Spec("rare-earths"),
    "orechain atlas show 'rare earths' --year 2024": Spec("Myanmar"),
    "orechain atlas country PAK --json": Spec("Pakistan"),
    "orechain risk 'rare earths' --year 2024 --json": Spec("CHN"),
    "orechain risk copper --measure refinery": Spec("CHN"),
    "orechain risk 'rare earths' --measure refining": Spec("iea-cmd-2025"),
    "orechain risk overview": Spec("Rare earths"),
    "orechain risk imports 'rare earths' --importer USA --year 2022": Spec("China"),
    "orechain risk supply antimony": Spec("refining"),
    # docs/risk.md
    "orechain risk 'rare earths' --year 2024 --bands": Spec("HHI p5", json_expect='"supply_risk"'),
    "orechain risk 'rare earths' --ledger demo.db --buyer USA": Spec(
        "verified origin: 89.0 %", json_expect="verified_mass_share"
    ),
    # docs/runs.md: run 1 is the comparison as printed, run 2 its --json form
    f"orechain econ compare {REE_PROJECTS} --record": Spec(
        "recorded as run 1", json_expect='"output_digest"'
    ),
    "orechain runs list": Spec("econ compare"),
    "orechain runs show 1": Spec("output sha256:", json_expect='"input_digests"'),
    "orechain runs verify 1": Spec("OK — reproduced", json_expect='"reproduced": true'),
    "orechain atlas ingest usgs-mcs path/to/MCS2026/": Spec(
        "no such file or directory",
        exit_code=2,
        json=False,
        # An ingest opens the atlas for writing: its own copy, not the session atlas that a
        # session fixture holds open read-only.
        env=(("ORECHAIN_ATLAS", "writable.duckdb"),),
    ),
    "orechain atlas rebuild": Spec("production", env=(("ORECHAIN_ATLAS", "rebuilt.duckdb"),)),
    "orechain atlas sources": Spec("usgs-mcs-2025"),
    "orechain scenario run scenarios/pakistan-us-corridor.yaml --json": Spec("shortfall"),
    f"orechain econ compare {REE_PROJECTS}": Spec("Incremental IRR", json_expect='"npv"'),
    "orechain ledger init --sample": Spec(
        "ASSUMPTION", json_argv=("ledger", "init", "--sample", "--db", "json.db")
    ),
    "orechain ledger check US-MAGNET-001 --rule dfars-2027": Spec("PASS", json_expect="true"),
    "orechain serve --database-url postgresql://localhost/test --workers 2": Spec(
        "OreChain is serving at http://127.0.0.1:8000/",
        json_expect="http://127.0.0.1:8000/",
        argv=("serve", "--database-url", "{pg_url}", "--workers", "2"),
        postgres=True,
    ),
    "orechain report corridor --out corridor.html": Spec("corridor.html", json=False),
    # docs/economics.md
    "orechain econ run projects/pakistan-polymetallic-refinery.yaml '[--json]'": Spec(
        "NPV",
        json_expect='"npv"',
        argv=("econ", "run", "projects/pakistan-polymetallic-refinery.yaml"),
    ),
    f"orechain econ compare {REE_PROJECTS} '[--json]'": Spec(
        "B − A", json_expect='"incremental"', argv=("econ", "compare", *REE_PROJECTS.split())
    ),
    "orechain econ sensitivity FILE '[--pct' '20]' '[--json]'": Spec(
        "price",
        argv=("econ", "sensitivity", "projects/pakistan-polymetallic-refinery.yaml", "--pct", "20"),
    ),
    (
        "orechain econ montecarlo FILE --draws N '[--seed' 'S]' '[--workers' 'W]' "
        "'[--scheduler' 'tcp://…]' '[--json]'"
    ): Spec(
        "NPV",
        json_expect="p50",
        argv=(
            "econ",
            "montecarlo",
            "projects/pakistan-polymetallic-refinery.yaml",
            "--draws",
            "50",
            "--seed",
            "1",
            "--workers",
            "1",
        ),  # fmt: skip
    ),
    # docs/ledger.md (in order: one scratch ledger)
    "orechain ledger init --sample --db demo.db": Spec(
        "ASSUMPTION",
        json_argv=("ledger", "init", "--sample", "--db", "json.db"),
        capture=("vkey", r"(demo\.orechain\.invalid/ledger/pk-us-corridor\+[^\s\"]+)"),
    ),
    "orechain ledger checkpoint --db demo.db > old.txt": Spec(
        "demo.orechain.invalid/ledger/pk-us-corridor\n40\n", json=False
    ),
    "orechain ledger keygen --out acme.pem": Spec(
        "acme.pem", json=False, capture=("acme_key_id", r"acme\.pem\W+([0-9a-f]{16})\b")
    ),
    (
        "orechain ledger org add acme --name Acme --country USA --role buyer --actor "
        "demo-registry --key registry.pem --public-key acme.pem --db demo.db"
    ): Spec("register-org", json=False),
    (
        "orechain ledger site add acme-wh --name 'Acme warehouse' --kind warehouse --country "
        "USA --operator acme --key acme.pem --db demo.db"
    ): Spec("register-site", json=False),
    "orechain ledger submit events.jsonl --key acme.pem --db demo.db": Spec(
        "acme-wh-2", json=False
    ),
    "orechain ledger keygen --out acme-2026.pem": Spec(
        "acme-2026.pem", json_argv=("ledger", "keygen", "--out", "json.pem"), json_expect="key_id"
    ),
    "orechain ledger rotate-key acme --new-key acme-2026.pem --key acme.pem --db demo.db": Spec(
        "rotate-key-acme", json=False
    ),
    (
        "orechain ledger revoke-key acme '<acme.pem key id>' --reason 'key stolen' "
        "--key acme-2026.pem --db demo.db"
    ): Spec(
        "revoke-key-acme-{acme_key_id}",
        argv=(
            "ledger",
            "revoke-key",
            "acme",
            "{acme_key_id}",
            "--reason",
            "key stolen",
            "--key",
            "acme-2026.pem",
            "--db",
            "demo.db",
        ),  # fmt: skip
        json=False,
    ),
    "orechain ledger lot show US-MAGNET-001 --db demo.db": Spec("US-MAGNET-001"),
    "orechain ledger lot trace PK-CONC-001 --db demo.db": Spec("PK-CONC-001"),
    "orechain ledger lot origin BLEND-NDPR-OX-001 --db demo.db": Spec("CHN"),
    "orechain ledger lot origin BLEND-NDPR-OX-001 --element REO --db demo.db": Spec("REO content"),
    "orechain ledger check US-MAGNET-001 --rule dfars-2027 --db demo.db": Spec(
        "PASS", json_expect="true"
    ),
    "orechain ledger check BLEND-NDPR-OX-001 --rule dfars-2027 --db demo.db": Spec(
        "FAIL", json_expect="false", exit_code=1
    ),
    "orechain ledger massbalance us-magnet --period 2026-Q1 --db demo.db": Spec("2026-Q1"),
    "orechain ledger checkpoint --db demo.db > cp.txt": Spec(
        "demo.orechain.invalid/ledger/pk-us-corridor", json=False
    ),
    "orechain ledger proof inclusion register-site-acme-wh --db demo.db > incl.json": Spec(
        '"tree_size": 45', json=False
    ),
    "orechain ledger proof consistency 40 --db demo.db > cons.json": Spec(
        '"old_size": 40', json=False
    ),
    "orechain ledger verify --checkpoint cp.txt --proof incl.json --vkey '<vkey>'": Spec(
        "OK event register-site-acme-wh (register-site by acme",
        argv=(
            "ledger",
            "verify",
            "--checkpoint",
            "cp.txt",
            "--proof",
            "incl.json",
            "--vkey",
            "{vkey}",
        ),
        json_expect='"leaf_index": 41',
    ),
    (
        "orechain ledger verify --proof cons.json --old-checkpoint old.txt --checkpoint cp.txt "
        "--vkey '<vkey>'"
    ): Spec(
        "OK the log at size 45 extends the log at size 40",
        argv=(
            "ledger",
            "verify",
            "--proof",
            "cons.json",
            "--old-checkpoint",
            "old.txt",
            "--checkpoint",
            "cp.txt",
            "--vkey",
            "{vkey}",
        ),  # fmt: skip
        json_expect='"new_size": 45',
    ),
    "orechain ledger audit --db demo.db": Spec("OK", json_expect="true"),
    "orechain ledger export --db demo.db --out dump.jsonl": Spec(
        "dump.jsonl", json=False, capture=("dump_root", r"dump\.jsonl\W+\d+\W+([0-9a-f]{64})")
    ),
    "orechain ledger init --db fresh.db --origin demo.orechain.invalid/ledger/pk-us-corridor": Spec(
        ORIGIN,
        json_argv=("ledger", "init", "--db", "json-fresh.db", "--origin", ORIGIN),
    ),
    # the replica has the exported root
    "orechain ledger import dump.jsonl --db fresh.db": Spec("{dump_root}", json=False),
    (
        "orechain ledger site attest acme-wh --kind warehouse --country USA --actor "
        "demo-registry --key registry.pem --db demo.db"
    ): Spec("attest-site", json=False),
    # docs/scenarios.md
    "orechain scenario validate FILE": Spec(
        "pakistan", argv=("scenario", "validate", "scenarios/pakistan-us-corridor.yaml")
    ),
    (
        "orechain scenario run FILE '[--draws' 'N]' '[--precision' 'P]' '[--seed' 'S]' "
        "'[--workers' 'W]' '[--scheduler' 'ADDR]' '[--out' 'DIR]' '[--json]'"
    ): Spec(
        "shortfall",
        argv=(
            "scenario",
            "run",
            "scenarios/antimony-export-ban.yaml",
            "--draws",
            "4",
            "--seed",
            "1",
            "--workers",
            "1",
            "--out",
            "runs",
        ),  # fmt: skip
    ),
    "orechain scenario optimize FILE '[--json]'": Spec(
        "shortfall", argv=("scenario", "optimize", "scenarios/pakistan-us-corridor.yaml")
    ),
    "orechain scenario compare A B '[--json]'": Spec(
        "shortfall",
        argv=(
            "scenario",
            "compare",
            "scenarios/pakistan-us-corridor.yaml",
            "scenarios/china-ree-export-controls.yaml",
        ),  # fmt: skip
    ),
    "orechain scenario backtest '[EVENT]' '[--json]'": Spec(
        "antimony-2024", argv=("scenario", "backtest", "antimony-2024")
    ),
    # docs/service.md
    "orechain serve": Spec("OreChain is serving at http://127.0.0.1:8000/", json_expect="url"),
    "orechain serve --database-url postgresql://user@db/orechain --workers 4 --host 0.0.0.0": Spec(
        "OreChain is serving at http://0.0.0.0:8000/",
        json_expect="http://0.0.0.0:8000/",
        argv=("serve", "--database-url", "{pg_url}", "--workers", "4", "--host", "0.0.0.0"),
        postgres=True,
    ),
    "orechain serve --private": Spec("OreChain is serving at", json_expect="url"),
    "orechain token create --org us-magnets --role operator": Spec(
        "oc_", capture=("token_id", r"oc_([0-9a-f]+)_")
    ),
    "orechain token list": Spec("us-magnets"),
    "orechain token revoke 4654867704ae": Spec(
        "{token_id}", argv=("token", "revoke", "{token_id}"), json=False
    ),
    # docs/transparency.md: the sample log in ledger.db, tiles under www/log (for
    # /srv/www/log), policy.txt naming two witnesses reached in-process (see
    # _transparency_fixtures); the witness of the page itself lives in w1.db
    "orechain ledger checkpoint --db ledger.db": Spec(
        f"{ORIGIN}\n40\n", json_expect=f"{ORIGIN}\\n40\\n"
    ),
    "orechain ledger tiles --db ledger.db --out /srv/www/log": Spec(
        f"Published size 40 of {ORIGIN} under www/log",
        argv=("ledger", "tiles", "--db", "ledger.db", "--out", "www/log"),
        json_expect='"tree_size": 40',
    ),
    "orechain ledger tiles --db ledger.db --out /srv/www/log --witness-policy policy.txt": Spec(
        f"signed by: {ORIGIN}, witness.example.org/w1, witness.example.net/w2",
        argv=(
            "ledger",
            "tiles",
            "--db",
            "ledger.db",
            "--out",
            "www/log",
            "--witness-policy",
            "policy.txt",
        ),
        json_expect="witness.example.net/w2",
    ),
    "orechain witness init --db w1.db --name witness.example.org/w1": Spec(
        "witness.example.org/w1+",
        json_argv=("witness", "init", "--db", "json-w1.db", "--name", "witness.example.org/w1"),
    ),
    (
        "orechain witness trust-log --db w1.db "
        "'demo.orechain.invalid/ledger/pk-us-corridor+1a2b3c4d+AT…'"
    ): Spec(
        f"Witness now follows {ORIGIN}",
        argv=("witness", "trust-log", "--db", "w1.db", "{log_vkey}"),
        json_expect=ORIGIN,
    ),
    "orechain witness serve --db w1.db --port 8100": Spec(
        "Witness witness.example.org/w1 listening on http://127.0.0.1:",
        argv=("witness", "serve", "--db", "w1.db", "--port", "0"),
        json=False,
    ),
    "orechain witness show --db w1.db": Spec(ORIGIN),
    "orechain ledger verify-checkpoint checkpoint --witness-policy policy.txt": Spec(
        f"OK {ORIGIN} size 40, cosigned by w1, w2",
        argv=(
            "ledger",
            "verify-checkpoint",
            "www/log/checkpoint",
            "--witness-policy",
            "policy.txt",
        ),
        json_expect='"w2"',
    ),
    (
        "orechain ledger verify-checkpoint checkpoint --witness-policy policy.txt "
        "--proof proof.json"
    ): Spec(
        "demo-039-merge",
        argv=(
            "ledger",
            "verify-checkpoint",
            "www/log/checkpoint",
            "--witness-policy",
            "policy.txt",
            "--proof",
            "proof.json",
        ),  # fmt: skip
    ),
    (
        "orechain ledger monitor https://log.example.org/ --vkey '$VKEY' --state mon.json "
        "'[--witness-policy' 'policy.txt]' '[--witness' 'https://w1.example.org/]' '[--entries]'"
    ): Spec(
        f"OK {ORIGIN}: size 40 (+40 verified)",
        argv=(
            "ledger",
            "monitor",
            "www/log",
            "--vkey",
            "{log_vkey}",
            "--state",
            "mon.json",
            "--witness-policy",
            "policy.txt",
        ),  # fmt: skip  (--entries needs envelopes: the docs' tree is public bundles only)
        json_expect='"tree_size": 40',
    ),
}


def test_every_doc_command_is_covered():
    printed = {c.key for c in all_doc_commands()}
    assert printed, "no orechain command found in the docs"
    missing = sorted(printed - SPECS.keys())
    assert not missing, f"doc commands without a test spec: {missing}"
    stale = sorted(SPECS.keys() - printed)
    assert not stale, f"specs for commands no longer in the docs: {stale}"


@dataclass
class Workspace:
    """A scratch folder with the repository's projects and scenarios, and captures."""

    path: Path
    monkeypatch: pytest.MonkeyPatch
    values: dict[str, str] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)


@pytest.fixture
def workspace(
    tmp_path: Path, atlas_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workspace]:
    for name in ("projects", "scenarios"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ORECHAIN_DATABASE_URL", str(tmp_path / "default-ledger.db"))
    monkeypatch.setenv("ORECHAIN_RUNS_DIR", str(tmp_path / "runs"))
    import uvicorn

    from orechain.transparency import witness

    monkeypatch.setattr(uvicorn, "run", lambda *_a, **_k: None)
    real_serve = witness.serve_witness

    def serve_once(*args: Any, **kwargs: Any) -> Any:  # binds, then returns at once
        server = real_serve(*args, **kwargs)
        server.serve_forever = lambda *_a, **_k: None  # type: ignore[method-assign]
        return server

    monkeypatch.setattr(witness, "serve_witness", serve_once)
    _ledger_fixtures(tmp_path)
    shutil.copyfile(atlas_env, tmp_path / "writable.duckdb")
    ws = Workspace(tmp_path, monkeypatch)
    yield ws
    for close in ws.closers:
        close()


def _ledger_fixtures(folder: Path) -> None:
    """The file docs/ledger.md takes as given: the sample registry's (DEMO) key."""
    from orechain.ledger import keys, sample

    keys.save_private_key(sample.org_key("demo-registry"), folder / "registry.pem")


def _invoke(*argv: str) -> str:
    result = runner.invoke(app, list(argv), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _transparency_fixtures(ws: Workspace) -> None:
    """What docs/transparency.md takes as given.

    ``ledger.db``: the sample log (40 entries, a checkpoint at 40); ``proof.json``:
    an inclusion proof against that checkpoint; ``policy.txt``: the page's policy
    (the log, witnesses w1 and w2, quorum: both), whose witnesses are real
    :class:`~orechain.transparency.witness.Witness` instances answering the
    ``add-checkpoint`` requests in-process instead of over HTTP.
    """
    from orechain.ledger import keys
    from orechain.transparency import policy
    from orechain.transparency.witness import Witness, WitnessError

    init = json.loads(_invoke("ledger", "init", "--sample", "--db", "ledger.db", "--json"))
    ws.values["log_vkey"] = vkey = init["vkey"]
    (ws.path / "proof.json").write_text(
        _invoke("ledger", "proof", "inclusion", "demo-039-merge", "--db", "ledger.db")
    )
    witnesses: dict[str, Witness] = {}
    lines = [f"log {vkey}"]
    for name, host in (("w1", "witness.example.org"), ("w2", "witness.example.net")):
        w = Witness(ws.path / f"policy-{name}.db", f"{host}/{name}", keys.generate_key())
        w.trust_log(vkey)
        ws.closers.append(w.close)
        url = f"https://{name}.{host.removeprefix('witness.')}/"
        witnesses[url] = w
        lines.append(f"witness {name} {w.vkey} {url}")
    lines += ["group both all w1 w2", "quorum both"]
    (ws.path / "policy.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def post(url: str, body: bytes) -> tuple[int, str]:
        try:
            return 200, witnesses[url].add_checkpoint(body)
        except WitnessError as exc:
            return exc.status, exc.body

    ws.monkeypatch.setattr(policy, "_post", post)


DOC_FIXTURES: dict[str, Callable[[Workspace], None]] = {
    "docs/transparency.md": _transparency_fixtures,
}


def _write_events(folder: Path) -> None:
    """docs/ledger.md's events.jsonl: one event by acme, dated now (after its key)."""
    from datetime import UTC, datetime

    event = {
        "type": "register-site",
        "event_id": "acme-wh-2",
        "actor": "acme",
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "site_id": "acme-wh-2",
        "site_name": "Acme second warehouse",
        "kind": "warehouse",
        "country": "USA",
        "operator": "acme",
    }
    (folder / "events.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")


def _fill(tokens: tuple[str, ...], values: dict[str, str]) -> list[str]:
    return [t.format(**values) if "{" in t else t for t in tokens]


def _run(cmd: DocCommand, ws: Workspace, as_json: bool) -> list[str]:
    """Run one printed command; return the problems found (empty when it passes)."""
    spec = SPECS[cmd.key]
    argv = _fill(spec.argv, ws.values) if spec.argv else list(cmd.tokens[1:])
    if as_json:
        argv = [*(_fill(spec.json_argv, ws.values) if spec.json_argv else argv), "--json"]
    env = {k: str(ws.path / v) for k, v in spec.env}
    result = runner.invoke(app, argv, catch_exceptions=True, env=env)
    out = result.stdout
    label = f"{cmd.doc}:{cmd.line} `{' '.join(argv)}`"
    problems = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problems.append(f"{label}: raised {result.exception!r}")
    if "Traceback" in result.output:
        problems.append(f"{label}: traceback in output")
    if result.exit_code != spec.exit_code:
        problems.append(
            f"{label}: exit {result.exit_code}, expected {spec.exit_code}: {out[-500:]}"
        )
    text = result.output
    expect = spec.json_expect if as_json and spec.json_expect else spec.expect
    expect = expect.format(**ws.values) if "{" in expect else expect
    if expect not in text:
        problems.append(f"{label}: {expect!r} not in output: {text[:300]!r}")
    if as_json and result.exit_code == 0:
        try:
            json.loads(out)
        except ValueError as exc:
            problems.append(f"{label}: --json output does not parse: {exc}")
    if cmd.stdout_to and not as_json:
        (ws.path / cmd.stdout_to).write_text(out, encoding="utf-8")
    if spec.capture:
        name, pattern = spec.capture
        match = re.search(pattern, out)
        if match is not None:
            ws.values[name] = match.group(1)
        elif as_json or not spec.json:
            problems.append(
                f"{label}: nothing to capture for {name}"
            ) if name not in ws.values else None
    return problems


def _run_doc(doc: Path, ws: Workspace, *, postgres: bool) -> list[str]:
    problems: list[str] = []
    setup = DOC_FIXTURES.get(doc.relative_to(ROOT).as_posix())
    if setup is not None and not postgres:
        setup(ws)
    for cmd in doc_commands(doc):
        spec = SPECS[cmd.key]
        if spec.postgres != postgres:
            continue
        if cmd.tokens[1:3] == ("ledger", "submit"):
            _write_events(ws.path)
        found = _run(cmd, ws, as_json=False)
        if spec.json and "--json" not in cmd.tokens:
            found += _run(cmd, ws, as_json=True)
        problems += found
    return problems


ENV_PREFIXED = re.compile(r"^\$ ([A-Z][A-Z0-9_]*)=\S+ (orechain .*)$")
"""A printed command that sets an environment variable first (`doc_commands` skips it)."""

ENV_SPECS: dict[str, tuple[str, str]] = {
    # command as printed (comment dropped): (expected output, first line of the file written)
    "orechain ledger keygen --out acme-sealed.pem --encrypt": (
        "acme-sealed.pem",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----",
    ),
}


def test_env_prefixed_doc_commands(workspace: Workspace):
    found = {}
    for doc in DOCS:
        for line in doc.read_text(encoding="utf-8").splitlines():
            if match := ENV_PREFIXED.match(line.strip()):
                tokens = shlex.split(match.group(2), comments=True)
                found[shlex.join(tokens)] = (match.group(1), tokens)
    assert sorted(found) == sorted(ENV_SPECS), "ENV_SPECS out of step with the docs"
    for key, (var, tokens) in found.items():
        expect, first_line = ENV_SPECS[key]
        result = runner.invoke(app, tokens[1:], env={var: "doc-example-passphrase"})
        assert result.exit_code == 0, result.output
        assert expect in result.output
        out = Path(tokens[tokens.index("--out") + 1])
        assert out.read_text(encoding="utf-8").splitlines()[0] == first_line


@pytest.mark.parametrize("doc", DOCS, ids=[d.relative_to(ROOT).as_posix() for d in DOCS])
def test_doc_commands_run_as_printed(doc: Path, workspace: Workspace):
    problems = _run_doc(doc, workspace, postgres=False)
    assert not problems, "\n".join(problems)


@pytest.mark.postgres
def test_doc_commands_on_postgresql(workspace: Workspace, pg_url: str):
    workspace.values["pg_url"] = pg_url
    problems: list[str] = []
    for doc in DOCS:
        problems += _run_doc(doc, workspace, postgres=True)
    assert not problems, "\n".join(problems)
