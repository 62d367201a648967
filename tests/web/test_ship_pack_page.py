"""The Transparency page verifies a dropped evidence pack in the browser (issue 16 item 4)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from orechain.services.shipments import lot_pack
from orechain.settings import Settings

pytestmark = pytest.mark.browser
LOT = "US-MAGNET-001"


def _tampered(data: bytes, member_prefix: str) -> tuple[bytes, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = sorted(n for n in members if n.startswith(member_prefix))[2]
    body = members[name]
    members[name] = body[:40] + bytes([body[40] ^ 1]) + body[41:]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    return buf.getvalue(), name


def test_page_verifies_a_pack_and_names_a_tampered_envelope(
    page: tuple[object, object], live_server: str, server_settings: Settings, tmp_path: Path
) -> None:
    pg, _ = page
    good = lot_pack(server_settings.database_url, LOT)
    bad, name = _tampered(good, "envelopes/")
    (tmp_path / "good.zip").write_bytes(good)
    (tmp_path / "bad.zip").write_bytes(bad)
    pg.goto(live_server + "transparency")  # type: ignore[attr-defined]
    pg.set_input_files("#pack-file", str(tmp_path / "good.zip"))  # type: ignore[attr-defined]
    pg.wait_for_selector("#pack-result[data-verified]", timeout=30_000)  # type: ignore[attr-defined]
    assert pg.get_attribute("#pack-result", "data-verified") == "true", pg.inner_text(
        "#pack-result"
    )  # type: ignore[attr-defined]
    assert "proven in the log" in pg.inner_text("#pack-steps")  # type: ignore[attr-defined]
    pg.set_input_files("#pack-file", str(tmp_path / "bad.zip"))  # type: ignore[attr-defined]
    pg.wait_for_selector("#pack-result[data-verified='false']", timeout=30_000)  # type: ignore[attr-defined]
    assert f"FAILED: {name}:" in pg.inner_text("#pack-result")  # type: ignore[attr-defined]
