"""Regression corpus of issue #10 (CLI part): each bad input is one line and exit 2.

Each case failed before the fix: a traceback (exit 1), an accepted invalid
input (exit 0), or a multi-line message. The files are under ``corpus/``; the
few that are large or binary by nature are generated here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_helpers import CORPUS, assert_rejected, deep_json, deep_yaml_block, invoke, sha256

from orechain.atlas.sources import data_dir

SCENARIOS = CORPUS / "scenarios"
PROJECTS = CORPUS / "projects"
USGS = CORPUS / "usgs"
TINY = SCENARIOS / "tiny.yaml"

SCENARIO_CASES = {
    "demand-nan": "demand[0].tonnes': nan is not a finite number",
    "demand-inf": "demand[0].tonnes': inf is not a finite number",
    "demand-1e308": "demand[0].tonnes': 1e+308 is out of range",
    "capacity-inf": "capacity_t': inf is not a finite number",
    "capacity-1e308": "capacity_t': 1e+308 is out of range",
    "priority-string-nan": "priorities.defence': nan is not a finite number",
    "triangular-reversed": "triangular distribution needs low < high",
    "duplicate-key": "row 4: not valid YAML: duplicate key 'name' (first on line 3)",
    "horizon-2150": "horizon.start': year 2150 is outside 1920–2099",
    "disruption-start-99999": "disruptions[0].start': year 99999 is outside",
    "nul-byte": "row 3: contains a NUL byte",
    "latin1": "row 3: not UTF-8 text",
    "binary": "contains a NUL byte",
    "array": "must be a YAML mapping",
    "bad-syntax": "row 3: not valid YAML",
}


def test_corpus_base_is_valid():
    """The mutations are rejected for what was changed, not for the base file."""
    code, out, err = invoke("scenario", "validate", TINY)
    assert code == 0, err
    assert "valid tiny" in out


@pytest.mark.parametrize("name", sorted(SCENARIO_CASES))
def test_scenario_file(name: str):
    path = SCENARIOS / f"{name}.yaml"
    line = assert_rejected("scenario", "validate", path, reason=SCENARIO_CASES[name])
    assert str(path) in line


@pytest.mark.parametrize("command", ["optimize", "run"])
def test_scenario_binary_file_in_other_commands(command: str):
    assert_rejected("scenario", command, SCENARIOS / "latin1.yaml", reason="not UTF-8")


def test_scenario_nested_50000_deep(tmp_path: Path):
    path = tmp_path / "deep.yaml"
    path.write_text(deep_json(50_000))
    assert_rejected("scenario", "validate", path, reason="nested more than 64 levels")
    path.write_text(deep_yaml_block(200))
    assert_rejected("scenario", "validate", path, reason="nested more than 64 levels")


def test_scenario_5000_digit_number(tmp_path: Path):
    path = tmp_path / "digits.yaml"
    path.write_text(TINY.read_text().replace("tonnes: 30", "tonnes: " + "9" * 5000))
    assert_rejected("scenario", "validate", path, reason="more than 4,300 digits")


def test_scenario_missing_file_and_directory(tmp_path: Path):
    assert_rejected("scenario", "validate", tmp_path / "nope.yaml", reason="")
    assert_rejected("scenario", "validate", tmp_path, reason="")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--draws", "-5"),
        ("--seed", "-1"),
        ("--workers", "-1"),
        ("--draws", "99999999999999999999"),
        ("--workers", "99999999999999999999"),
        ("--draws", "9" * 5000),
    ],
)
def test_scenario_run_options(option: str, value: str):
    assert_rejected("scenario", "run", TINY, option, value, reason=option)


def test_scenario_run_out_is_an_existing_file(tmp_path: Path):
    out = tmp_path / "result.json"
    out.write_text("keep me")
    assert_rejected("scenario", "run", TINY, "--out", out, reason="existing file")
    assert out.read_text() == "keep me"


PROJECT_CASES = {
    "throughput-inf": "throughput_t_per_yr': inf is not a finite number",
    "throughput-1e308": "throughput_t_per_yr': 1e+308 is out of range",
    "country-xxx": "unknown country code 'XXX'",
    "start-year-0": "year 0 is outside",
    "start-year-99999": "year 99999 is outside",
    "parse-error": "row 13: not valid YAML",
    "duplicate-key": "duplicate key 'country'",
}


@pytest.mark.parametrize("name", sorted(PROJECT_CASES))
def test_project_file(name: str):
    path = PROJECTS / f"{name}.yaml"
    line = assert_rejected("econ", "run", path, reason=PROJECT_CASES[name])
    assert str(path) in line


def test_econ_run_of_a_directory(tmp_path: Path):
    assert_rejected("econ", "run", tmp_path, reason="is a directory")


def test_econ_run_of_a_binary_file():
    assert_rejected("econ", "run", SCENARIOS / "binary.yaml", reason="NUL byte")


BUNDLED_PROJECT = data_dir() / "projects" / "pakistan-concentrate-export.yaml"


@pytest.mark.parametrize("pct", ["-5", "0", "nan", "inf", "1e308", "90.5"])
def test_econ_sensitivity_pct(pct: str):
    assert_rejected("econ", "sensitivity", BUNDLED_PROJECT, "--pct", pct, reason="option --pct")


@pytest.mark.parametrize(("option", "value"), [("--draws", "0"), ("--seed", "-1")])
def test_econ_montecarlo_options(option: str, value: str):
    assert_rejected("econ", "montecarlo", BUNDLED_PROJECT, "-n", "5", option, value, reason=option)


@pytest.mark.slow
def test_econ_montecarlo_unreachable_scheduler(atlas_env: Path):
    line = assert_rejected(
        "econ", "montecarlo", BUNDLED_PROJECT, "-n", "5", "--scheduler", "tcp://127.0.0.1:1",
        reason="unreachable",
    )  # fmt: skip
    assert "tcp://127.0.0.1:1" in line


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--trade-restriction", "-1"),
        ("--substitution-index", "nan"),
        ("--substitution-index", "2"),
        ("--eol-rir", "inf"),
        ("--import-reliance", "-0.1"),
    ],
)
def test_risk_supply_options(option: str, value: str):
    assert_rejected("risk", "supply", "copper", option, value, reason=f"option {option}")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["no-such-command"], "No such command"),
        (["scenario", "run", "--bogus"], "No such option: --bogus"),
        (["scenario", "run", TINY, "--draws", "many"], "--draws"),
        (["--bogus"], "No such option"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], reason: str):
    assert_rejected(*args, reason=reason)


# ----------------------------------------------------------------- atlas ingest


def test_ingest_of_an_empty_folder_is_refused_and_the_atlas_unchanged(
    atlas_copy: Path, tmp_path: Path
):
    empty = tmp_path / "EMPTY_DIR"
    empty.mkdir()
    before = sha256(atlas_copy)
    assert_rejected(
        "atlas", "ingest", "usgs-mcs", empty, "--source-id", "usgs-mcs-2025",
        reason="found no rows",
    )  # fmt: skip
    assert sha256(atlas_copy) == before
    code, out, _ = invoke("atlas", "show", "copper", "--json")
    assert code == 0
    assert "usgs-mcs-2025" in out  # still the bundled MCS 2025, no fall-back to 2024


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("MCS2025_empty_World_Data.csv", "empty file"),
        ("MCS2025_header_only_World_Data.csv", "found no rows"),
        ("MCS2025_negative_World_Data.csv", "row 2, column 'PROD_2023': negative production"),
    ],
)
def test_ingest_of_bad_usgs_files(atlas_copy: Path, name: str, reason: str):
    before = sha256(atlas_copy)
    assert_rejected(
        "atlas", "ingest", "usgs-mcs", USGS / name, "--source-id", "usgs-mcs-2025", reason=reason
    )
    assert sha256(atlas_copy) == before


def test_ingest_shrinking_a_vintage_is_refused_unless_forced(atlas_copy: Path, tmp_path: Path):
    one_row = tmp_path / "MCS2025_one_World_Data.csv"
    header = (USGS / "MCS2025_header_only_World_Data.csv").read_text()
    one_row.write_text(header + "MCS2025,Copper,Chile,Mine production,thousand metric tons,"
                       "5300,5300,,,,,190000,\n")  # fmt: skip
    before = sha256(atlas_copy)
    args = ("atlas", "ingest", "usgs-mcs", one_row, "--source-id", "usgs-mcs-2025")
    assert_rejected(*args, reason="would replace")
    assert sha256(atlas_copy) == before
    code, out, err = invoke(*args, "--force")
    assert code == 0, err
    assert "Loaded" in out


@pytest.mark.parametrize(
    ("proof", "reason"),
    [
        (SCENARIOS / "latin1.yaml", "not UTF-8"),
        (SCENARIOS / "binary.yaml", ""),
        (CORPUS / "json" / "nan.json", ""),
        (SCENARIOS / "bad-syntax.yaml", "not valid JSON"),
        (CORPUS, "is a directory"),
    ],
)
def test_ledger_verify_of_a_bad_proof_file(proof: Path, reason: str):
    """Decode errors of any command are mapped once, in orechain.cli.errors."""
    assert_rejected("ledger", "verify", "--proof", proof, "--vkey", "x", reason=reason)
