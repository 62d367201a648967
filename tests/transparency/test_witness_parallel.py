"""The log asks its witnesses at once: publishing waits for the slowest, not for their sum."""

from __future__ import annotations

import threading
from pathlib import Path

from orechain.ledger import keys, sample
from orechain.ledger.log import create_checkpoint
from orechain.ledger.service import Ledger
from orechain.transparency.policy import collect_cosignatures, parse_policy, verify_with_policy
from orechain.transparency.witness import Witness, serve_witness


class _Rendezvous(Witness):
    """A witness that answers only once the other witness has been asked as well.

    Asked one after the other, the first waits in vain (the barrier breaks after
    its timeout, the request fails) and the quorum of both is never met.
    """

    barrier: threading.Barrier

    def add_checkpoint(self, body: bytes) -> str:
        self.barrier.wait()
        return super().add_checkpoint(body)


def test_witnesses_are_asked_concurrently(tmp_path: Path) -> None:
    led = Ledger.create(str(tmp_path / "log.db"), sample.ORIGIN, sample.log_key())
    sample.load(led)
    note = create_checkpoint(led, sample.log_key())
    barrier = threading.Barrier(2, timeout=10)
    servers, lines = [], [f"log {led.vkey}"]
    for n in ("w1", "w2"):
        w = _Rendezvous(tmp_path / f"{n}.db", f"witness.test/{n}", keys.demo_key(n))
        w.barrier = barrier
        w.trust_log(led.vkey)
        server = serve_witness(w, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        lines.append(f"witness {n} {w.vkey} http://127.0.0.1:{server.server_port}")
    policy = parse_policy("\n".join([*lines, "group both all w1 w2", "quorum both", ""]))
    try:
        cosigned = collect_cosignatures(led, note, policy)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        led.close()
    _, signed = verify_with_policy(cosigned, policy)
    assert signed == ["w1", "w2"]
