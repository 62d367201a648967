"""ASSUMPTION — an illustrative ledger along the article's Pakistan → United States corridor.

The corridor lives in ``orechain/data/samples/pk_us_corridor.json``. Every
organisation, site, lot, mass, grade, date and document number there is invented
for demonstration; none is an official or reported figure. The keys are DEMO keys
derived from public labels (:func:`orechain.ledger.keys.demo_key`), so anyone can
forge events under them: they only make the sample reproducible.

The chain: ore mined in Pakistan, concentrated in Pakistan, trucked to a
warehouse at Karachi, sold to a US refiner, shipped by sea, separated into NdPr
oxide in the US, reduced to metal and made into magnets at an integrated US
metal-and-magnet plant (site kind ``metal-magnet-plant``). The demo registry
registers every site, which attests its kind and country. A second,
Chinese-mined and Chinese-separated oxide is blended with part of the US oxide:
that blend fails ``dfars-2027``; the magnet chain passes.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from orechain.ledger import keys
from orechain.ledger.envelope import sign_event

if TYPE_CHECKING:
    from orechain.ledger.service import Ledger, Receipt

SAMPLE_FILE = "pk_us_corridor.json"

__all__ = [
    "LABEL", "ORIGIN", "load", "load_corridor", "log_key", "org_key", "sample_envelopes",
    "stamped_envelopes",
]  # fmt: skip


@cache
def load_corridor() -> dict[str, Any]:
    """The bundled corridor definition (labelled ASSUMPTION)."""
    path = resources.files("orechain").joinpath("data").joinpath("samples").joinpath(SAMPLE_FILE)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


LABEL: str = load_corridor()["label"]
ORIGIN: str = load_corridor()["origin"]
"""Log origin of the sample (``.invalid`` top-level domain: nothing real)."""


def org_key(org_id: str) -> keys.Ed25519PrivateKey:
    """DEMO key of a sample organisation."""
    return keys.demo_key("org:" + org_id)


def log_key() -> keys.Ed25519PrivateKey:
    """DEMO key of the sample log."""
    return keys.demo_key("log:" + ORIGIN)


def _events() -> list[tuple[str, str, dict[str, Any]]]:
    corridor = load_corridor()
    out: list[tuple[str, str, dict[str, Any]]] = []
    for org in corridor["organisations"]:
        public = base64.b64encode(keys.public_bytes(org_key(org["org_id"]))).decode()
        out.append(("demo-registry", "register-org", {**org, "public_key": public}))
    # The registry registers every site, which attests its kind and country.
    out += [("demo-registry", "register-site", site) for site in corridor["sites"]]
    for step in corridor["steps"]:
        fields = {k: v for k, v in step.items() if k not in ("actor", "type")}
        out.append((step["actor"], step["type"], fields))
    return out


def sample_envelopes() -> list[dict[str, Any]]:
    """Signed envelopes of the whole sample; deterministic, as Ed25519 and JCS are.

    Events are four to a day from the corridor's ``start``.
    """
    start = datetime.fromisoformat(load_corridor()["start"])
    out: list[dict[str, Any]] = []
    for n, (actor, kind, fields) in enumerate(_events()):
        time = (start + timedelta(days=n // 4)).isoformat().replace("+00:00", "Z")
        event = {"type": kind, "event_id": f"demo-{n:03d}-{kind}", "actor": actor, "time": time}
        out.append(sign_event({**event, **fields}, org_key(actor), origin=ORIGIN))
    return out


def stamped_envelopes() -> list[dict[str, Any]]:
    """The sample as its log recorded it: each envelope stamped ``received_at``.

    ASSUMPTION: the illustrative log received every event at the event's own
    time (the corridor is a simulated past; a live log stamps its clock).
    """
    return [{**env, "received_at": env["event"]["time"]} for env in sample_envelopes()]


def load(ledger: Ledger) -> list[Receipt]:
    """Append the stamped sample to an empty ledger created with :data:`ORIGIN`."""
    return ledger.submit_many(stamped_envelopes(), replicate=True)
