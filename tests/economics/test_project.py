"""Project files: validation errors name the file, the field path and the reason."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from econ_helpers import TINY, tiny

from orechain.economics.project import load_project, project_from_dict
from orechain.errors import InputError


def bad(**changes):
    with pytest.raises(InputError) as info:
        tiny(**changes)
    return info.value


def test_recovery_above_one_names_the_field():
    err = bad(**{"stages.0.products.0.recovery": {"cu": 1.2}})
    assert err.field == "stages[0].products[0]"
    assert "recovery must be between 0 and 1" in err.reason
    assert err.source == "tiny"


def test_missing_price_names_the_component():
    err = bad(prices={"zn": {"flat": 1, "assumption": True}})
    assert "missing price 'cu'" in err.reason


def test_price_without_source_or_assumption_is_refused():
    err = bad(prices={"cu": {"flat": 2000}})
    assert err.field == "prices.cu"
    assert "assumption" in err.reason


def test_other_bad_inputs():
    assert bad(discount_rate=-2).field == "discount_rate"
    assert "feed" in bad(**{"stages.0.feed": "nowhere"}).reason
    assert bad(**{"stages.0.throughput_t_per_yr": 0}).field == "stages[0].throughput_t_per_yr"
    assert (
        "unknown factor"
        in bad(uncertainty={"colour": {"dist": "uniform", "low": 0, "high": 1}}).reason
    )
    assert bad(uncertainty={"price": {"dist": "normal", "mean": 1}}).reason.endswith("needs sd")
    assert bad(unknown_key=1).field == "unknown_key"


def test_load_project_file_errors(tmp_path: Path):
    with pytest.raises(InputError, match="not found"):
        load_project(tmp_path / "none.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_project(broken)
    raw = copy.deepcopy(TINY)
    raw["stages"][0]["products"][0]["recovery"] = {"cu": 1.5}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError) as info:
        load_project(path)
    assert str(path) in str(info.value)
    with pytest.raises(InputError, match="mapping"):
        project_from_dict([1, 2], source="x")
