"""Canonical digests and signed run records.

The output digest is SHA-256 over the RFC 8785 canonical JSON of the output
document with every float rounded to ``FLOAT_DIGITS`` significant digits, so the
digest does not depend on key order, on numpy scalar types or on the last bits of
a float sum. The same rounding is applied when a run is re-executed.

References
----------
.. [1] RFC 8785, "JSON Canonicalization Scheme (JCS)".
"""

from __future__ import annotations

import base64
import hashlib
import json
import platform
import sys
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orechain.jsonsafe import to_jsonable
from orechain.ledger import keys
from orechain.ledger.canonical import canonicalize

if TYPE_CHECKING:
    from orechain.atlas.sources import Source
    from orechain.atlas.store import Atlas

RECORD_KIND = "orechain-run-record/v1"
FLOAT_DIGITS = 12
"""Significant digits kept of each float before hashing an output document."""

__all__ = [
    "FLOAT_DIGITS",
    "RECORD_KIND",
    "atlas_build_digest",
    "canonical_document",
    "code_digest",
    "digest",
    "environment",
    "input_digests",
    "sign_record",
    "signature_valid",
    "source_digests",
]


def digest(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _round_floats(value: Any) -> Any:
    if isinstance(value, float):
        rounded = float(f"{value:.{FLOAT_DIGITS}g}")
        return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded
    if isinstance(value, Mapping):
        return {k: _round_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_floats(v) for v in value]
    return value


def canonical_document(doc: Any) -> bytes:
    """RFC 8785 bytes of ``doc`` after JSON-safe conversion and float rounding.

    Integral floats become integers (JCS writes ``1.0`` as ``1`` anyway), so a
    figure that is ``2`` in one run and ``2.0`` in another hashes the same.

    Examples
    --------
    >>> canonical_document({"b": 0.1 + 0.2, "a": 2.0})
    b'{"a":2,"b":0.3}'
    """
    plain = json.loads(json.dumps(to_jsonable(doc), default=str))  # dates, paths: as printed
    return canonicalize(_round_floats(plain))


def input_digests(inputs: Mapping[str, Any]) -> dict[str, str]:
    """One digest per named input (file as parsed, each option), so a change is named."""
    return {name: digest(canonical_document(value)) for name, value in sorted(inputs.items())}


def _tree_digest(paths: list[tuple[str, Path]]) -> str:
    """Digest over (relative name, file SHA-256) pairs, sorted by name."""
    h = hashlib.sha256()
    for name, path in sorted(paths):
        h.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + h.hexdigest()


def _files_under(root: Path, rel: str) -> list[tuple[str, Path]]:
    target = root / rel
    if target.is_file():
        return [(rel, target)]
    return [
        (p.relative_to(root).as_posix(), p)
        for p in target.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]


def source_digests(sources: list[Source] | None = None, root: Path | None = None) -> dict[str, str]:
    """A digest per provenance source: its bundled files' bytes, by relative path."""
    from orechain.atlas.sources import data_dir, load_sources

    root = root or data_dir()
    out: dict[str, str] = {}
    for source in sources if sources is not None else load_sources(root / "sources"):
        found = [f for rel in source.paths for f in _files_under(root, rel)]
        out[source.source_id] = _tree_digest(found)
    return out


def atlas_build_digest(atlas: Atlas) -> str:
    """Digest of the built atlas's contents: row count and order-free row-hash sum per table.

    DuckDB's ``hash`` of a row is stable for one DuckDB version; a rebuilt atlas
    with the same rows gives the same digest, an ingested or edited row changes it.
    """
    from orechain.atlas.schema import TABLES

    h = hashlib.sha256()
    for name in sorted(TABLES):
        row = atlas.con.execute(
            f"SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM {name} t"
        ).fetchone()
        h.update(f"{name}:{row}\n".encode())
    return "sha256:" + h.hexdigest()


def code_digest() -> str:
    """Digest of the package's Python source and templates (not its bundled data)."""
    root = Path(str(files("orechain")))
    found = [
        (p.relative_to(root).as_posix(), p)
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix in (".py", ".html", ".j2")
        and "data" not in p.relative_to(root).parts[:1]
        and "__pycache__" not in p.parts
    ]
    return _tree_digest(found)


def environment() -> dict[str, Any]:
    """OreChain version, code digest and platform of this process."""
    from orechain._version import __version__

    return {
        "version": __version__,
        "code_digest": code_digest(),
        "platform": {
            "python": sys.version.split()[0],
            "system": platform.system(),
            "machine": platform.machine(),
        },
    }


def sign_record(record: Mapping[str, Any], key: keys.Ed25519PrivateKey) -> dict[str, Any]:
    """The envelope ``{record, public_key, signature}`` signed over the record's RFC 8785 bytes."""
    sig = keys.sign(key, canonicalize(dict(record)))
    return {
        "record": dict(record),
        "public_key": keys.public_b64(key),
        "signature": base64.b64encode(sig).decode(),
    }


def signature_valid(envelope: Mapping[str, Any], public: bytes) -> bool:
    """Whether the envelope's signature over its record verifies under ``public``."""
    try:
        sig = base64.b64decode(str(envelope.get("signature", "")), validate=True)
    except ValueError:
        return False
    record = envelope.get("record")
    if not isinstance(record, dict):
        return False
    return keys.verify(public, canonicalize(record), sig)
