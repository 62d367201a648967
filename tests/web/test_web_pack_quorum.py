"""The Transparency page checks a pack's checkpoint against a witness policy, in the browser.

Issue 17 item 2: a verifier accepts a checkpoint only with the quorum's
cosignatures. A real witness (``orechain.transparency.witness`` over HTTP, its
own key and SQLite state) cosigns the sample log's checkpoint through the
tlog-witness protocol; the page then verifies the Ed25519 cosignature/v1
lines itself, under the server's published policy (flagged as such) or a
pasted one, and names the checkpoint when the quorum is not met.
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from verdicts import read_verdict

import orechain as oc
from orechain.ledger import keys
from orechain.ledger.service import Ledger
from orechain.services.ledger import ensure_ledger
from orechain.settings import Settings
from orechain.transparency.cosignature import encode_witness_vkey
from orechain.transparency.policy import collect_cosignatures, parse_policy
from orechain.transparency.witness import Witness, serve_witness

pytestmark = pytest.mark.browser
LOT = "US-MAGNET-001"


class Setup:
    """A sample ledger served with a published policy, a live witness, and the packs."""

    def __init__(self, url: str, base: str, policy: str, two: str, packs: dict[str, bytes]) -> None:
        self.url, self.base, self.policy, self.two, self.packs = url, base, policy, two, packs


def _rewrite_checkpoint(data: bytes, change: Any) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["checkpoint.txt"] = change(members["checkpoint.txt"].decode()).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    return buf.getvalue()


def _flip_cosignature(note: str) -> str:
    lines = note.rstrip("\n").split("\n")
    name, blob = lines[-1].rsplit(" ", 1)
    flipped = blob[:-6] + ("A" if blob[-6] != "A" else "B") + blob[-5:]
    return "\n".join([*lines[:-1], f"{name} {flipped}"]) + "\n"


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str, serve_app: Any
) -> Iterator[Setup]:
    folder = tmp_path_factory.mktemp("quorum")
    settings = Settings(cache_dir=folder / "cache", database_url=str(folder / "ledger.db"))
    ensure_ledger(settings)
    with Ledger.open(settings.database_url) as led:
        vkey = led.vkey
    witness = Witness(folder / "w1.db", "witness.test/w1", keys.demo_key("quorum-w1"))
    witness.trust_log(vkey)
    server = serve_witness(witness, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    absent = encode_witness_vkey("witness.test/w2", keys.public_bytes(keys.demo_key("quorum-w2")))
    w_url = f"http://127.0.0.1:{server.server_port}"
    policy = f"log {vkey}\nwitness w1 {witness.vkey} {w_url}\nquorum w1\n"
    two = "\n".join([f"log {vkey}", f"witness w1 {witness.vkey}", f"witness w2 {absent}",
                     "group both all w1 w2", "quorum both", ""])  # fmt: skip
    (folder / "policy.txt").write_text(policy)
    with Ledger.open(settings.database_url) as led:
        plain = oc.pack_lot(led, LOT)
        note = led.store.checkpoints()[-1][1]
        cosigned = collect_cosignatures(led, note, parse_policy(policy))  # over HTTP
        witnessed = oc.pack_lot(led, LOT, checkpoint=cosigned)
    packs = {
        "plain": plain,
        "witnessed": witnessed,
        "forged": _rewrite_checkpoint(witnessed, _flip_cosignature),
    }
    env = {**os.environ, **settings.to_env(), "ORECHAIN_WITNESS_POLICY": str(folder / "policy.txt")}
    env["ORECHAIN_ATLAS"] = "/dev/null/no-atlas.duckdb"  # the page needs no atlas: skip warm-up
    base, proc = serve_app(env)
    try:
        yield Setup(settings.database_url, base, policy, two, packs)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        server.shutdown()
        server.server_close()


def _check(pg: Any, tmp: Path, pack: bytes) -> tuple[str, str, str]:
    path = tmp / f"pack-{len(list(tmp.glob('pack-*.zip')))}.zip"  # a new file fires "change"
    path.write_bytes(pack)
    return read_verdict(pg, "pack", lambda: pg.set_input_files("#pack-file", str(path)))


def test_page_checks_the_witness_quorum(
    setup: Setup, browser: Any, page_watch: Any, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    watch = page_watch(pg, setup.base.rstrip("/"))
    pg.goto(setup.base + "transparency")
    # The server's published policy is prefilled and flagged as the server's.
    assert pg.input_value("#policy").strip() == setup.policy.strip()
    assert pg.get_attribute("#policy-status", "data-source") == "server"
    ok, result, steps = _check(pg, tmp_path, setup.packs["witnessed"])
    assert ok == "true", result
    assert "Witness quorum 'w1' of the server's published policy met: cosigned by w1" in steps
    # The log-signed checkpoint alone is not enough under the policy.
    ok, result, _ = _check(pg, tmp_path, setup.packs["plain"])
    assert ok == "false"
    assert "FAILED: checkpoint.txt:" in result
    assert "lacks the witness quorum 'w1' (cosigned by: none)" in result
    # One changed byte in the cosignature: the witness's Ed25519 signature fails.
    ok, result, _ = _check(pg, tmp_path, setup.packs["forged"])
    assert ok == "false"
    assert "cosignature of witness.test/w1 does not verify" in result
    # A pasted policy asking for a second witness that never cosigned.
    pg.fill("#policy", setup.two)
    assert pg.get_attribute("#policy-status", "data-source") == "pasted"
    ok, result, _ = _check(pg, tmp_path, setup.packs["witnessed"])
    assert ok == "false"
    assert "lacks the witness quorum 'both' (cosigned by: w1)" in result
    # A policy that does not parse is named, not ignored.
    pg.fill("#policy", "log nonsense\n")
    ok, result, _ = _check(pg, tmp_path, setup.packs["witnessed"])
    assert ok == "false"
    assert "witness policy: policy has no quorum line" in result
    # No policy: the log's signature alone, said so.
    pg.fill("#policy", "")
    ok, result, steps = _check(pg, tmp_path, setup.packs["plain"])
    assert ok == "true", result
    assert "No witness policy" in steps
    context.close()
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside


def test_python_verifier_agrees_with_the_page(setup: Setup) -> None:
    with Ledger.open(setup.url) as led:
        vkey = led.vkey
    report = oc.verify_pack(setup.packs["witnessed"], vkey, policy=setup.policy)
    assert report.witnesses == ["w1"]
    for name in ("plain", "forged"):
        with pytest.raises(Exception, match="checkpoint.txt"):
            oc.verify_pack(setup.packs[name], vkey, policy=setup.policy)


def _note_of(pack: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(pack)) as z:
        return z.read("checkpoint.txt").decode()


def test_checkpoint_box_requires_the_witness_quorum(
    setup: Setup, browser: Any, page_watch: Any
) -> None:
    """The page's checkpoint check applies the policy too, not only the pack check."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    watch = page_watch(pg, setup.base.rstrip("/"))
    pg.goto(setup.base + "transparency")

    def check(note: str) -> tuple[str, str]:
        pg.fill("#checkpoint", note)
        pg.evaluate("() => { document.getElementById('sig-result').textContent = ''; }")
        pg.click("#check-sig")
        pg.wait_for_function("() => document.getElementById('sig-result').textContent !== ''")
        return pg.get_attribute("#sig-result", "class") or "", pg.inner_text("#sig-result")

    cls, text = check(_note_of(setup.packs["witnessed"]))
    assert cls == "ok", text
    assert "Witness quorum 'w1' of the server's published policy met: cosigned by w1" in text
    cls, text = check(_note_of(setup.packs["plain"]))  # the log's signature alone
    assert cls == "fail"
    assert "lacks the witness quorum 'w1' (cosigned by: none)" in text
    pg.fill("#policy", "")
    cls, text = check(_note_of(setup.packs["plain"]))
    assert cls == "ok", text
    assert "No witness policy" in text
    context.close()
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside


def test_event_box_requires_the_witness_quorum(setup: Setup, browser: Any, page_watch: Any) -> None:
    """The single-event proof box applies the policy in the box, like the checkpoint box."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    watch = page_watch(pg, setup.base.rstrip("/"))
    pg.goto(setup.base + "transparency")

    def verify() -> tuple[str | None, str, str]:
        return read_verdict(pg, "proof", lambda: pg.click("#proof-form button[type=submit]"))

    # The published checkpoint (GET /checkpoint) carries w1's cosignature.
    ok, result, steps = verify()
    assert ok == "true", result
    assert "witness quorum 'w1' of the server's published policy met: cosigned by w1" in result
    # A pasted policy asking for a second witness that never cosigned.
    pg.fill("#policy", setup.two)
    ok, result, _ = verify()
    assert ok == "false", result
    assert "pasted policy" in result
    assert "lacks the witness quorum 'both' (cosigned by: w1)" in result
    context.close()
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside
