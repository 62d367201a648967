from __future__ import annotations

import copy
from pathlib import Path

import pytest
from scenario_helpers import tiny

from orechain.errors import InputError
from orechain.scenarios.spec import load_scenario, parse_scenario


def test_tiny_scenario_validates():
    scn = parse_scenario(tiny())
    assert scn.stages == ["mining", "refining"]
    assert scn.focus_region == "USA"
    assert scn.sector_weight("defence") == 10


@pytest.mark.parametrize(
    ("patch", "field", "reason"),
    [
        (
            {
                "disruptions": [
                    {
                        "type": "outage",
                        "id": "o",
                        "country": "XXX",
                        "stage": "mining",
                        "share": 1,
                        "start": 2025,
                    }
                ]
            },
            "disruptions.0.outage.country",
            "unknown country code",
        ),
        (
            {
                "disruptions": [
                    {
                        "type": "outage",
                        "id": "o",
                        "country": "AUS",
                        "stage": "magnet",
                        "share": 1,
                        "start": 2025,
                    }
                ]
            },
            "disruptions.0.stage",
            "unknown stage 'magnet'",
        ),
        ({"priorities": {"wind": 3}}, "priorities.wind", "no demand entry"),
        (
            {"mitigations": [{"type": "stockpile", "id": "s", "region": "EU", "tonnes": 5}]},
            "mitigations.0.region",
            "has no demand",
        ),
        (
            {"uncertainty": [{"target": "disruption", "disruption": "nope", "probability": 0.5}]},
            "uncertainty.0.disruption",
            "no disruption with id 'nope'",
        ),
        ({"horizon": {"start": 2030, "end": 2025}}, "horizon.end", "before start"),
    ],
)
def test_cross_reference_errors_name_file_and_field(patch, field, reason):
    raw = tiny(**patch)
    with pytest.raises(InputError) as err:
        parse_scenario(raw, "scn.yaml")
    assert err.value.source == "scn.yaml"
    assert err.value.field == field
    assert reason in err.value.reason


def test_bad_link_target_and_share_range():
    raw = tiny()
    raw["network"] = copy.deepcopy(raw["network"])
    raw["network"]["links"][0]["to"] = "nowhere"
    with pytest.raises(InputError, match="neither a node nor a demand region"):
        parse_scenario(raw, "x.yaml")
    bad = tiny(
        disruptions=[
            {
                "type": "export_restriction",
                "id": "r",
                "country": "CHN",
                "stages": ["mining"],
                "share": 1.5,
                "start": 2025,
            }
        ]
    )
    with pytest.raises(InputError, match="less than or equal to 1"):
        parse_scenario(bad, "x.yaml")


def test_load_scenario_reports_yaml_errors(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML") as err:
        load_scenario(path)
    assert str(path) in str(err.value)


def test_stage_names_resolve_through_the_vocabulary_and_unknown_is_an_error():
    from orechain.errors import InputError
    from orechain.scenarios.chains import canonical_stage

    assert canonical_stage("Separation/Refining") == "separation"
    assert canonical_stage("smelting") == "refining"  # folded into the chain's refining
    assert canonical_stage("concentrate") == "mining"
    with pytest.raises(InputError, match="unknown stage"):
        canonical_stage("meltdown")
