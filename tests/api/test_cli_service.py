"""``orechain token``, ``orechain serve --help`` and the corridor report."""

from __future__ import annotations

import json
from pathlib import Path

from api_helpers import make_settings
from typer.testing import CliRunner

from orechain.cli import app
from orechain.report.corridor import build_corridor_report
from orechain.services.ledger import ensure_ledger
from orechain.services.tokens import TokenStore

runner = CliRunner()


def test_token_create_list_revoke(tmp_path: Path):
    db = str(tmp_path / "ledger.db")
    refused = runner.invoke(app, ["token", "create", "--org", "no-such-org", "--role",
                                  "operator", "--db", db])  # fmt: skip
    assert refused.exit_code == 2
    assert "no organisation 'no-such-org'" in refused.output
    assert runner.invoke(app, ["ledger", "init", "--sample", "--db", db]).exit_code == 0
    made = runner.invoke(app, ["token", "create", "--org", "pk-mining", "--role", "operator",
                               "--db", db, "--json"])  # fmt: skip
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    store = TokenStore(db)
    assert store.verify(doc["token"]).org_id == "pk-mining"
    listed = runner.invoke(app, ["token", "list", "--db", db, "--json"])
    assert doc["token"] not in listed.stdout
    gone = runner.invoke(app, ["token", "revoke", doc["token_id"], "--db", db])
    assert gone.exit_code == 0
    assert store.verify(doc["token"]) is None
    store.close()


def test_token_bad_role_is_a_one_line_error(tmp_path: Path):
    result = runner.invoke(app, ["token", "create", "--org", "x", "--role", "root",
                                 "--db", str(tmp_path / "l.db")])  # fmt: skip
    assert result.exit_code == 2
    assert "role must be one of" in result.output


def test_serve_help():
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--database-url" in result.output
    assert "--workers" in result.output


def test_corridor_report_is_self_contained(atlas_path: Path, tmp_path: Path):
    settings = make_settings(atlas_path, tmp_path)
    ensure_ledger(settings)
    html = build_corridor_report(settings)
    assert "<script" not in html
    assert "src=" not in html
    assert "href=" not in html
    assert html.count("<svg") >= 3
    assert "China" in html
    assert "ASSUMPTION" in html
