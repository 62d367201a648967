"""Generated malformed files and option values for the CLI: no traceback, ever.

Every generated input is either accepted (exit 0) or rejected by the contract:
exit 2 with one ``error:`` line on stderr. Example counts are bounded so the
whole module runs in seconds; ``derandomize`` keeps CI reproducible.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from fuzz_helpers import CORPUS, assert_contract, assert_rejected
from fuzz_strategies import BAD_FLOATS, NUMBER_TEXT, mutated_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orechain.atlas.sources import data_dir

FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TINY_TEXT = (CORPUS / "scenarios" / "tiny.yaml").read_text(encoding="utf-8")
PROJECT = data_dir() / "projects" / "pakistan-concentrate-export.yaml"
PROJECT_TEXT = PROJECT.read_text(encoding="utf-8")


def _write(data: bytes, suffix: str = ".yaml") -> Path:
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)  # noqa: SIM115
    with handle:
        handle.write(data)
    return Path(handle.name)


@FUZZ
@given(data=mutated_yaml(TINY_TEXT))
def test_scenario_validate_fuzz(data: bytes):
    path = _write(data)
    try:
        assert_contract("scenario", "validate", path)
    finally:
        path.unlink()


@FUZZ
@given(data=st.binary(max_size=300))
def test_scenario_validate_random_bytes(data: bytes):
    path = _write(data)
    try:
        assert_contract("scenario", "validate", path)
    finally:
        path.unlink()


@settings(FUZZ, max_examples=30)
@given(data=mutated_yaml(PROJECT_TEXT))
def test_project_load_fuzz(data: bytes):
    """``econ run`` loads and validates first: use the loader to keep the example cheap."""
    from orechain.economics.project import load_project
    from orechain.errors import OreChainError

    path = _write(data)
    try:
        load_project(path)
        message = "accepted"
    except OreChainError as exc:  # anything else escapes and fails the test
        message = str(exc)
    finally:
        path.unlink()
    assert message.strip(), "an error must say why"


@FUZZ
@given(value=st.one_of(NUMBER_TEXT, BAD_FLOATS.map(repr)))
def test_econ_sensitivity_pct_fuzz(value: str):
    """Outside 0 < pct ≤ 90 (or not a number): rejected before any work is done."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if 0 < number <= 90:
        return  # a valid value runs the whole tornado: covered by the economics tests
    assert_rejected("econ", "sensitivity", PROJECT, "--pct", value)


@FUZZ
@given(
    option=st.sampled_from(
        ["--trade-restriction", "--substitution-index", "--eol-rir", "--import-reliance"]
    ),
    value=st.one_of(NUMBER_TEXT, BAD_FLOATS.map(repr)),
)
def test_risk_supply_options_fuzz(option: str, value: str):
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    low, high = (1.0, math.inf) if option == "--trade-restriction" else (0.0, 1.0)
    if math.isfinite(number) and low <= number <= high:
        return  # valid values compute a risk: covered by the risk tests
    assert_rejected("risk", "supply", "copper", option, value)


@FUZZ
@given(
    option=st.sampled_from(["--draws", "--seed", "--workers"]),
    value=st.one_of(
        st.integers(max_value=-1).map(str),
        st.sampled_from(["nan", "inf", "1.5", "abc", "", "-0.5", "--1", "1e400"]),
    ),
)
def test_scenario_run_options_fuzz(option: str, value: str):
    """Negative counts and non-integers are usage errors (one line, exit 2)."""
    assert_rejected("scenario", "run", CORPUS / "scenarios" / "tiny.yaml", option, value)
