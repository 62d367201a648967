"""The shared input layer (orechain.inputs) and the CLI's error mapping (orechain.cli.errors)."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import psycopg
import pytest
from fuzz_helpers import assert_rejected
from hypothesis import given, settings
from hypothesis import strategies as st

from orechain.atlas.countries import check_iso3
from orechain.cli.errors import describe
from orechain.errors import InputError, NotFoundError
from orechain.inputs import (
    DATA_FIRST_YEAR,
    DATA_LAST_YEAR,
    MAX_NESTING,
    SENSITIVITY_PCT_MAX,
    YEAR_MAX,
    YEAR_MIN,
    check_number,
    check_pct,
    check_year,
    load_json_text,
    load_yaml_text,
    read_text,
)

ROOT = Path(__file__).resolve().parents[2]


def test_duplicate_keys_are_refused_at_any_depth():
    with pytest.raises(InputError, match=r"f.yaml, row 3: .*duplicate key 'b' \(first on line 2\)"):
        load_yaml_text("a:\n  b: 1\n  b: 2\n", "f.yaml")
    assert load_yaml_text("a: {b: 1}\nc: {b: 2}\n", "f.yaml") == {"a": {"b": 1}, "c": {"b": 2}}


def test_exponent_numbers_are_numbers_not_strings():
    """YAML 1.1 reads 1e5 as a string that pydantic would quietly turn into a float."""
    assert load_yaml_text("x: 1e5", "f") == {"x": 100000.0}
    assert load_yaml_text("x: 12", "f") == {"x": 12}
    assert load_yaml_text("x: 1.2.3", "f") == {"x": "1.2.3"}
    with pytest.raises(InputError, match="out of range"):
        load_yaml_text("x: 1e308", "f")


@pytest.mark.parametrize("text", ["x: .nan", "x: -.inf", "x: 'nan'", "x: ' inf '", "x: 1.0e+16"])
def test_non_finite_and_huge_numbers(text: str):
    with pytest.raises(InputError, match="column 'x'"):
        load_yaml_text(text, "f")


def test_alias_bomb_is_walked_once():
    """Nine levels of ten aliases would be 1e9 leaves if each alias were visited again."""
    lines = ["a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    assert len(load_yaml_text("\n".join(lines), "bomb.yaml")) == 9


def test_nesting_limit():
    load_json_text("[" * MAX_NESTING + "]" * MAX_NESTING, "ok.json")
    with pytest.raises(InputError, match="nested more than"):
        load_json_text("[" * (MAX_NESTING + 2) + "]" * (MAX_NESTING + 2), "deep.json")


def test_json_refuses_nan_and_names_line():
    with pytest.raises(InputError, match="NaN is not a number JSON allows"):
        load_json_text('{"a": NaN}', "f.json")
    with pytest.raises(InputError, match=r"f.json, row 2: not valid JSON"):
        load_json_text('{"a":\n}', "f.json")


def test_read_text(tmp_path: Path):
    with pytest.raises(InputError, match="file not found"):
        read_text(tmp_path / "missing")
    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfhello")
    assert read_text(tmp_path / "bom.txt") == "hello"
    (tmp_path / "big.txt").write_text("x" * 100)
    with pytest.raises(InputError, match="larger than"):
        read_text(tmp_path / "big.txt", max_bytes=10)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(-10, 10), st.floats(-10, 10))
@settings(max_examples=60, deadline=None, derandomize=True, database=None)
def test_check_number_accepts_exactly_the_finite_values_in_range(value, a, b):
    lo, hi = min(a, b), max(a, b)
    inside = math.isfinite(value) and lo <= value <= hi
    if inside:
        assert check_number(value, "x", lo=lo, hi=hi) == value
    else:
        with pytest.raises(InputError, match="column 'x'"):
            check_number(value, "x", lo=lo, hi=hi)


def test_pct_rule_is_the_api_rule():
    assert check_pct(SENSITIVITY_PCT_MAX) == SENSITIVITY_PCT_MAX
    for bad in (0.0, -5.0, math.nan, SENSITIVITY_PCT_MAX + 0.01, 1e308):
        with pytest.raises(InputError, match="option --pct"):
            check_pct(bad)
    from orechain.api.routes.economics import SensitivityRequest

    meta = {type(m).__name__: m for m in SensitivityRequest.model_fields["pct"].metadata}
    assert meta["Le"].le == SENSITIVITY_PCT_MAX
    assert meta["Gt"].gt == 0


def test_years_and_countries():
    assert check_year(YEAR_MIN, "y") == YEAR_MIN
    assert check_year(YEAR_MAX, "y") == YEAR_MAX
    for bad in (0, YEAR_MIN - 1, YEAR_MAX + 1, 99999):
        with pytest.raises(InputError, match="outside"):
            check_year(bad, "y")
    assert check_iso3(" pak ", "country") == "PAK"
    for bad in ("XXX", "WORLD", "PA", "123"):
        with pytest.raises(InputError, match="country"):
            check_iso3(bad, "country")


def test_year_bounds_follow_the_atlas(atlas):
    """DATA_FIRST_YEAR / DATA_LAST_YEAR are the atlas's own first and last data years."""
    years = [
        atlas.con.execute(f"SELECT min(year), max(year) FROM {t}").fetchone()
        for t in ("production", "reserves", "trade", "wgi")
    ]
    assert min(y[0] for y in years) == DATA_FIRST_YEAR
    assert max(y[1] for y in years) == DATA_LAST_YEAR


def test_docs_state_the_bounds():
    text = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    for fact in (f"{YEAR_MIN}–{YEAR_MAX}", f"{DATA_FIRST_YEAR}–{DATA_LAST_YEAR}", "0 < pct ≤ 90",
                 "1e15", "64 levels", "--force"):  # fmt: skip
        assert fact in text, fact


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (InputError("bad", source="f.yaml", row=3), "f.yaml, row 3: bad"),
        (NotFoundError("unknown lot 'X'"), "unknown lot 'X'"),
        (FileNotFoundError(2, "No such file or directory", "x.json"), "x.json: No such file"),
        (IsADirectoryError(21, "Is a directory", "d"), "d: is a directory, expected a file"),
        (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
        (OverflowError("Python int too large to convert to SQLite INTEGER"), "out of range"),
        (sqlite3.DatabaseError("file is not a database"), "database error: file is not a"),
        (psycopg.OperationalError("connection failed:\nrefused"), "database unreachable"),
        (ValueError("Exceeds the limit (4300 digits) for integer string conversion"), "4,300"),
        (
            json.JSONDecodeError("Expecting value", "{\n", 2),
            "not valid JSON: Expecting value (line 2",
        ),
    ],
)
def test_error_mapping_is_one_line(exc: BaseException, expected: str):
    line = describe(exc)
    assert line is not None
    assert expected in line
    assert "\n" not in line


@pytest.mark.parametrize(
    "exc", [KeyError("x"), TypeError("bug"), ValueError("bug"), BrokenPipeError()]
)
def test_bugs_are_not_mapped(exc: BaseException):
    """Anything not an input error keeps its traceback, so that a test notices it."""
    assert describe(exc) is None


@pytest.mark.postgres
def test_unreachable_postgres_is_one_line():
    assert_rejected(
        "ledger", "audit", "--db", "postgresql://127.0.0.1:1/test", reason="database unreachable"
    )


def test_deep_flow_yaml_is_refused_before_the_quadratic_scanner():
    """2,000 nested '[' took PyYAML seconds; brackets in strings and comments do not count."""
    with pytest.raises(InputError, match="nested more than"):
        load_yaml_text("[" * 2000 + "]" * 2000, "deep.yaml")
    text = "a: [" + '"[[[", ' * 100 + "'{{{', " * 100 + "1]  # " + "[" * 300
    assert len(load_yaml_text(text, "ok.yaml")["a"]) == 201
