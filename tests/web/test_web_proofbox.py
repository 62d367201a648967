"""The single-event proof box trusts the visitor's key, not the server's, and remembers.

Threat model: a dishonest server. Playwright's request routing stands in for it:
it serves its own key, a checkpoint signed by it and a proof under that
checkpoint (a coherent lie on every endpoint the old box read), or a real but
older checkpoint (a rollback). The page must refuse them when the visitor pasted
the real key, and refuse a checkpoint that does not extend the one it verified
before (localStorage, checked with a consistency proof from the public API).
"""

from __future__ import annotations

import base64
import json
import os
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from verdicts import OVERFLOW, read_verdict

from orechain.ledger import keys, merkle, sample
from orechain.ledger.checkpoint import Checkpoint, encode_vkey, sign_checkpoint
from orechain.ledger.service import Ledger
from orechain.services.ledger import ensure_ledger
from orechain.settings import Settings

pytestmark = pytest.mark.browser
OLD_SIZE = 20
"""An older checkpoint the log really signed: what a rollback serves."""


class Log:
    """The live server's base URL, its real verifier key and the lies built from its data."""

    def __init__(self, base: str, vkey: str, size: int) -> None:
        self.base, self.vkey, self.size = base, vkey, size


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:  # loopback
        return json.loads(r.read())


@pytest.fixture(scope="module")
def log(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str, serve_app: Any
) -> Iterator[Log]:
    folder = tmp_path_factory.mktemp("proofbox")
    settings = Settings(cache_dir=folder / "cache", database_url=str(folder / "ledger.db"))
    ensure_ledger(settings)
    with Ledger.open(settings.database_url) as led:
        old = Checkpoint(led.origin, OLD_SIZE, led.tree.root(OLD_SIZE))
        with led.store.writing() as w:
            w.add_checkpoint(OLD_SIZE, sign_checkpoint(old, led.origin, sample.log_key()))
        vkey, size = led.vkey, led.tree.size
    env = {**os.environ, **settings.to_env(), "ORECHAIN_ATLAS": "/dev/null/no-atlas.duckdb"}
    base, proc = serve_app(env)
    try:
        yield Log(base, vkey, size)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _open(browser: Any, page_watch: Any, log: Log, width: int = 1280) -> tuple[Any, Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    return context, pg, page_watch(pg, log.base.rstrip("/"))


def _close(context: Any, watch: Any) -> None:
    context.close()
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside


def _verify(pg: Any, ref: str = "0") -> tuple[str | None, str, str]:
    def act() -> None:
        pg.fill("#event-ref", ref)
        pg.click("#proof-form button[type=submit]")

    return read_verdict(pg, "proof", act)


def _serve_lies(
    pg: Any, head: dict[str, Any], bundle: dict[str, Any], page: tuple[str, str] | None = None
) -> None:
    """Answer the endpoints the proof box reads (and the page, if given) with a coherent lie."""
    pg.route("**/api/transparency", lambda r: r.fulfill(json=head))
    pg.route("**/api/transparency/proofs/inclusion/**", lambda r: r.fulfill(json=bundle))
    pg.route("**/checkpoint", lambda r: r.fulfill(body=bundle["checkpoint"]))
    if page is not None:
        pg.route(page[0], lambda r: r.fulfill(body=page[1], content_type="text/html"))


def _forged_log(log: Log) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A log under the same origin and another key: one leaf, event 0, and a checkpoint over it."""
    real = _get(log.base + "api/transparency/proofs/inclusion/0")
    liar = keys.demo_key("dishonest-server")
    origin = real["origin"]
    note = sign_checkpoint(Checkpoint(origin, 1, base64.b64decode(real["leaf_hash"])), origin, liar)
    bundle = {**real, "tree_size": 1, "inclusion_path": [], "checkpoint": note}
    head = {**_get(log.base + "api/transparency"), "tree_size": 1, "checkpoint": note}
    head["vkey"] = encode_vkey(origin, keys.public_bytes(liar))
    return head["vkey"], head, bundle


def test_honest_server_and_pasted_key_verify(browser: Any, page_watch: Any, log: Log) -> None:
    context, pg, watch = _open(browser, page_watch, log)
    pg.goto(log.base + "transparency")
    pg.fill("#vkey", log.vkey)
    ok, result, steps = _verify(pg)
    assert ok == "true", result
    assert "the server's published key" in result  # the pasted key is the server's here
    assert "no witness policy" in result
    assert "leaf 0 of the signed tree" in steps
    assert f"remembers the checkpoint at size {log.size}" in pg.inner_text("#seen-status")
    _close(context, watch)


def test_server_key_and_checkpoint_are_not_trusted(browser: Any, page_watch: Any, log: Log) -> None:
    liar_vkey, head, bundle = _forged_log(log)
    with urllib.request.urlopen(log.base + "transparency", timeout=10) as r:  # loopback
        html = r.read().decode().replace(log.vkey, liar_vkey)  # the liar's page shows its key
    context, pg, watch = _open(browser, page_watch, log)
    _serve_lies(pg, head, bundle, (log.base + "transparency", html))
    pg.goto(log.base + "transparency")
    # Taking the server's word: it verifies, and the page says whose key that was.
    ok, result, _ = _verify(pg)
    assert ok == "true", result
    assert "the server's published key — a sceptic pastes one from elsewhere" in result
    # The sceptic pastes the real key: the forged checkpoint has no signature by it.
    pg.evaluate("() => localStorage.clear()")
    pg.fill("#vkey", log.vkey)
    ok, result, _ = _verify(pg)
    assert ok == "false", result
    assert "your pasted key" in result
    assert f"no valid signature by {bundle['origin']} on the checkpoint" in result
    # A checkpoint altered after signing (another root) fails the real key's signature too.
    pg.unroute("**/api/transparency/proofs/inclusion/**")
    real = _get(log.base + "api/transparency/proofs/inclusion/0")
    lines = real["checkpoint"].split("\n")
    lines[2] = base64.b64encode(bytes(32)).decode()
    tampered = {**real, "checkpoint": "\n".join(lines)}
    pg.route("**/api/transparency/proofs/inclusion/**", lambda r: r.fulfill(json=tampered))
    ok, result, _ = _verify(pg)
    assert ok == "false", result
    assert "no valid signature" in result
    _close(context, watch)


def _older_view(log: Log) -> tuple[dict[str, Any], dict[str, Any]]:
    """The log as it was at OLD_SIZE: real data, really signed, just old."""
    bundle = _get(log.base + "api/transparency/proofs/inclusion/0?against=first")
    assert bundle["tree_size"] == OLD_SIZE
    head = {
        **_get(log.base + "api/transparency"),
        "tree_size": OLD_SIZE,
        "checkpoint": bundle["checkpoint"],
    }
    return head, bundle


def test_rollback_is_refused(browser: Any, page_watch: Any, log: Log) -> None:
    context, pg, watch = _open(browser, page_watch, log)
    pg.goto(log.base + "transparency")
    ok, result, _ = _verify(pg)
    assert ok == "true", result
    _serve_lies(pg, *_older_view(log))
    ok, result, _ = _verify(pg)
    assert ok == "false", result
    assert (
        f"rollback: the tree has {OLD_SIZE} entries, fewer than the checkpoint at size {log.size}"
        in result
    )
    _close(context, watch)


_SET_SEEN = """([size, root]) => {
  const key = Object.keys(localStorage).find((k) => k.startsWith('orechain.verified-checkpoint:'));
  const old = JSON.parse(localStorage.getItem(key));
  localStorage.setItem(key, JSON.stringify({ ...old, size, root }));
}"""


def test_growth_needs_a_consistency_proof(browser: Any, page_watch: Any, log: Log) -> None:
    context, pg, watch = _open(browser, page_watch, log)
    pg.goto(log.base + "transparency")
    _serve_lies(pg, *_older_view(log))
    ok, result, _ = _verify(pg)
    assert ok == "true", result
    pg.unroute_all()
    # The log grew from OLD_SIZE: the public API proves the new tree extends the old one.
    ok, result, steps = _verify(pg)
    assert ok == "true", result
    grown = f"size {log.size} extends the checkpoint at size {OLD_SIZE}"
    assert f"Consistency proof verified (RFC 9162): {grown}" in steps
    # A remembered tree the current one does not extend: a fork or a split view.
    other = base64.b64encode(bytes(range(32))).decode()
    pg.evaluate(_SET_SEEN, [OLD_SIZE, other])
    ok, result, _ = _verify(pg)
    assert ok == "false", result
    assert (
        f"the tree at size {log.size} is not consistent with the checkpoint at size {OLD_SIZE}"
        in result
    )
    pg.evaluate(_SET_SEEN, [log.size, other])
    ok, result, _ = _verify(pg)
    assert ok == "false", result
    assert f"another root for the checkpoint at size {log.size}" in result
    # Forgetting starts afresh.
    pg.click("#forget-seen")
    assert "remembers no checkpoint" in pg.inner_text("#seen-status")
    ok, result, _ = _verify(pg)
    assert ok == "true", result
    _close(context, watch)


def test_ledger_page_says_it_trusts_the_server_key(browser: Any, page_watch: Any, log: Log) -> None:
    context, pg, watch = _open(browser, page_watch, log, width=375)
    pg.goto(log.base + "ledger?lot=US-MAGNET-001")
    pg.wait_for_selector("#events-table tbody tr", timeout=30_000)
    pg.click("#verify")
    pg.wait_for_selector("#proof-result[data-verified]", timeout=30_000)
    assert pg.get_attribute("#proof-result", "data-verified") == "true"
    assert "the server's published key — a sceptic pastes one from elsewhere" in pg.inner_text(
        "#proof-result"
    )
    link = pg.get_attribute("#verify-own-key", "href")
    assert link.startswith("/transparency?event=")
    pg.click("#verify-own-key")
    pg.wait_for_selector("#proof-form")
    assert pg.input_value("#event-ref") != "0"
    assert pg.evaluate(OVERFLOW) <= 0
    _close(context, watch)


def test_proof_box_fits_a_phone(browser: Any, page_watch: Any, log: Log) -> None:
    context, pg, watch = _open(browser, page_watch, log, width=375)
    pg.goto(log.base + "transparency")
    ok, result, _ = _verify(pg)
    assert ok == "true", result
    assert pg.is_visible("#forget-seen")
    box = pg.eval_on_selector("#forget-seen", "e => e.getBoundingClientRect().right")
    assert box <= 375
    assert pg.evaluate(OVERFLOW) <= 0
    _close(context, watch)


_CONSISTENCY = """async (cases) => {
  const v = await import('/static/js/verify.js');
  const out = [];
  for (const [m, n, oldRoot, newRoot, path] of cases) {
    out.push(await v.verifyConsistency(m, n, v.b64(oldRoot), v.b64(newRoot), path.map(v.b64)));
  }
  return out;
}"""


def test_browser_consistency_check_agrees_with_python(
    browser: Any, page_watch: Any, log: Log
) -> None:
    """verify.js's RFC 9162 consistency check against orechain.ledger.merkle, every size pair."""
    tree = merkle.MerkleLog.from_leaves([bytes([i]) for i in range(17)])

    def enc(h: bytes) -> str:
        return base64.b64encode(h).decode()

    good, bad = [], []
    for n in range(1, 18):
        for m in range(1, n + 1):
            path = [enc(h) for h in tree.consistency_proof(m, n)]
            good.append([m, n, enc(tree.root(m)), enc(tree.root(n)), path])
            if m < n:  # another old root: the same path must not prove it
                bad.append([m, n, enc(tree.root(n)), enc(tree.root(n)), path])
    context, pg, watch = _open(browser, page_watch, log)
    pg.goto(log.base + "transparency")
    assert all(pg.evaluate(_CONSISTENCY, good))
    assert not any(pg.evaluate(_CONSISTENCY, bad))
    _close(context, watch)
