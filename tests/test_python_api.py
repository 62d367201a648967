"""The analyst session of ``docs/python-api.md`` runs, in order, and says what it claims."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import orechain as oc

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_doc_has_one_example_per_area():
    text = "\n".join(_blocks())
    for call in ("oc.production", "oc.risk_profile", "oc.run_scenario", "oc.compare_projects",
                 "oc.trace", "oc.pack_lot", "oc.verify_pack", "oc.untp_credentials",
                 "oc.add_document"):  # fmt: skip
        assert call in text


def test_the_examples_run(atlas_env, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    for block in _blocks():
        exec(compile(block, str(DOC), "exec"), scope)  # our own documentation
    out = capsys.readouterr().out
    assert "pakistan-us-corridor" in out
    run = scope["run"]
    assert isinstance(run, dict)
    assert scope["without_pk"] > scope["with_pk"]  # the Pakistan mitigations reduce the shortfall
    assert scope["trace"]["origin_shares"]["mining"] == {"PAK": 1.0}
    assert scope["risk"].top_country == "CHN"
    assert scope["report"].lot_id == "US-MAGNET-001"
    assert scope["report"].events > 0
    assert scope["bl"].kind == "bill-of-lading"
    assert scope["dpp"]["issuer"]["id"] == scope["dte"]["issuer"]["id"]


def test_the_public_names_are_the_service_layer():
    from orechain import services

    for name in services.__all__:
        assert getattr(oc, name) is getattr(services, name)
    with pytest.raises(AttributeError):
        _ = oc.no_such_name
