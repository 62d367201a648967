"""The one stage vocabulary: aliases resolve, unknown names are errors, order is the chain's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orechain.errors import InputError
from orechain.stages import (
    SITE_KINDS,
    STAGE_IDS,
    STAGES,
    is_stage,
    resolve_site_kind,
    resolve_stage,
    stage_index,
    stages_for_site_kind,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mine", "mining"),
        ("Separation/Refining", "separation"),
        ("smelter", "smelting"),
        ("melting", "metal"),
        ("concentrate", "beneficiation"),
        ("  Magnet   making ", "magnet"),
        ("P", "processing"),
    ],
)
def test_aliases_resolve(name: str, expected: str) -> None:
    assert resolve_stage(name) == expected


def test_unknown_stage_is_an_error_naming_the_field() -> None:
    with pytest.raises(InputError, match=r"column 'stages'.*unknown stage 'smeltering'"):
        resolve_stage("smeltering", field="stages")


def test_every_alias_is_unique_across_stages() -> None:
    names = [n for s in STAGES for n in (s.id, *s.aliases)]
    assert len(names) == len(set(names))


def test_chain_order() -> None:
    assert stage_index("mining") < stage_index("beneficiation") < stage_index("separation")
    assert stage_index("smelting") < stage_index("refining") < stage_index("metal")
    assert stage_index("alloying") < stage_index("magnet") < stage_index("end-use")


def test_site_kinds_name_known_declarable_stages() -> None:
    declarable = {s.id for s in STAGES if s.declarable}
    for kind, stages in SITE_KINDS.items():
        assert set(stages) <= declarable, kind
    assert stages_for_site_kind("Mine") == ("mining",)
    with pytest.raises(InputError, match="unknown site kind"):
        resolve_site_kind("spaceport")


@given(st.text(max_size=30))
def test_resolve_is_total_and_idempotent(name: str) -> None:
    if is_stage(name):
        sid = resolve_stage(name)
        assert sid in STAGE_IDS
        assert resolve_stage(sid) == sid
    else:
        with pytest.raises(InputError):
            resolve_stage(name)
