"""libyaml and the pure-Python loader read every YAML file the same way (issue 14).

``load_yaml_text`` parses with libyaml for speed and falls back to the pure loader
on any failure, so errors keep the pure loader's problem and line; a file that
parses must give the same tree with either.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orechain.errors import InputError
from orechain.inputs import _FastLoader, _StrictLoader, load_yaml_text

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(
    p
    for folder in ("src/orechain/data", "scenarios", "projects", "tests/fuzz/corpus")
    for p in (ROOT / folder).rglob("*.yaml")
)

pytestmark = pytest.mark.skipif(_FastLoader is None, reason="PyYAML built without libyaml")


def _parse(text: str, loader: type) -> object:
    try:
        return ("ok", yaml.load(text, Loader=loader))
    except yaml.YAMLError as exc:
        return ("error", type(exc).__name__)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_reads_each_file_as_the_pure_loader_does(path):
    text = path.read_bytes().decode("utf-8", errors="replace")
    fast, pure = _parse(text, _FastLoader), _parse(text, _StrictLoader)
    if fast[0] == "ok":
        assert fast == pure


BAD = {
    "a: 1\na: 2\n": "duplicate key 'a' (first on line 1)",
    "a: [1, 2\nb: 3\n": "not valid YAML",
    "a:\n  - 1\n - 2\n": "not valid YAML",
    "x: 1e999\n": "",
}


@pytest.mark.parametrize("text", list(BAD), ids=repr)
def test_errors_are_the_pure_loaders(text, monkeypatch):
    with pytest.raises(InputError) as fast:
        load_yaml_text(text, "t.yaml")
    monkeypatch.setattr("orechain.inputs._FastLoader", None)
    with pytest.raises(InputError) as pure:
        load_yaml_text(text, "t.yaml")
    assert str(fast.value) == str(pure.value)
    assert BAD[text] in str(fast.value)
    assert (fast.value.row, fast.value.field) == (pure.value.row, pure.value.field)


def test_exponent_floats_are_numbers_with_libyaml():
    assert yaml.load("a: 1e3\n", Loader=_FastLoader) == {"a": 1000.0}
