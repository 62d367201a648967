"""Trust policies (C2SP ``tlog-policy``): which logs, which witnesses, what quorum.

A checkpoint is valid under a policy when one listed log signed it and the
quorum of witnesses cosigned it. A reader who insists on the quorum cannot be
shown a rolled-back or split view of the log unless the quorum's witnesses
collude, because each witness cosigns only checkpoints consistent with every one
it cosigned before (:mod:`orechain.transparency.witness`).

This module also holds the log's side of ``tlog-witness``: asking each witness
of the policy to cosign a new checkpoint (with a consistency proof from the size
the witness last saw) and publishing only when the quorum answered.

Policy file syntax (one item per line, ``#`` comments)::

    log <vkey> [<url>]
    witness <name> <vkey> [<url>]
    group <name> all|any|<k> <name>...
    quorum <name>|none

References
----------
.. [1] C2SP tlog-policy, https://c2sp.org/tlog-policy
.. [2] C2SP tlog-witness, https://c2sp.org/tlog-witness
"""

from __future__ import annotations

import base64
import logging
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from orechain.errors import InputError, IntegrityError
from orechain.ledger.checkpoint import (
    Checkpoint,
    encode_vkey,
    parse_checkpoint,
    parse_vkey,
    verify_checkpoint,
)
from orechain.ledger.service import Ledger
from orechain.transparency.cosignature import Cosigner, parse_witness_vkey, verify_cosignature
from orechain.transparency.publish import CosignFn

logger = logging.getLogger(__name__)

__all__ = [
    "Group",
    "TrustPolicy",
    "add_checkpoint_body",
    "collect_cosignatures",
    "cosigner_from_env",
    "load_policy",
    "parse_policy",
    "published_policy",
    "signing_log",
    "verify_with_policy",
]

WITNESS_TIMEOUT = 10.0
"""Seconds to wait for one witness [s]."""


@dataclass(frozen=True)
class Group:
    """``k`` of ``members`` (witness or group names) must have witnessed."""

    name: str
    k: int
    members: tuple[str, ...]


@dataclass
class TrustPolicy:
    """A parsed policy file."""

    logs: list[tuple[str, bytes, str | None]] = field(default_factory=list)
    """(origin / key name, Ed25519 public key, URL)."""
    witnesses: dict[str, tuple[Cosigner, str | None]] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str | None = None

    def witnessed(self, signed: set[str], name: str | None = None) -> bool:
        """Whether the witnesses named in ``signed`` satisfy ``name`` (default: the quorum)."""
        target = self.quorum if name is None else name
        if target == "none":
            return True
        if target in self.witnesses:
            return target in signed
        group = self.groups[str(target)]
        return sum(self.witnessed(signed, m) for m in group.members) >= group.k


def _err(row: int, reason: str, source: str) -> InputError:
    return InputError(reason, source=source, row=row)


def parse_policy(text: str, *, source: str = "policy") -> TrustPolicy:
    """Parse a tlog-policy file.

    Raises
    ------
    InputError
        Naming the line: unknown keyword, bad key, duplicate or undefined name,
        bad threshold, missing or repeated quorum.
    """
    pol = TrustPolicy()
    keys_seen: set[bytes] = set()
    for row, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(" \t")
        if not line or line.startswith("#"):
            continue
        items = line.replace("\t", " ").split()
        kw, args = items[0], items[1:]
        if kw == "log" and len(args) in (1, 2):
            try:
                name, public = parse_vkey(args[0])
            except InputError as exc:
                raise _err(row, exc.reason, source) from exc
            if public in keys_seen:
                raise _err(row, "duplicate log key", source)
            keys_seen.add(public)
            pol.logs.append((name, public, args[1] if len(args) == 2 else None))
        elif kw == "witness" and len(args) in (2, 3):
            name = args[0]
            if name in pol.witnesses or name in pol.groups or name == "none":
                raise _err(row, f"name {name!r} is already defined", source)
            try:
                cosigner = parse_witness_vkey(args[1])
            except InputError as exc:
                raise _err(row, exc.reason, source) from exc
            if cosigner.public in keys_seen:
                raise _err(row, "duplicate witness key", source)
            keys_seen.add(cosigner.public)
            pol.witnesses[name] = (cosigner, args[2] if len(args) == 3 else None)
        elif kw == "group" and len(args) >= 3:
            pol.groups[args[0]] = _group(pol, args, row, source)
        elif kw == "quorum" and len(args) == 1:
            if pol.quorum is not None:
                raise _err(row, "a policy has exactly one quorum line", source)
            if args[0] != "none" and args[0] not in pol.witnesses and args[0] not in pol.groups:
                raise _err(row, f"quorum names undefined {args[0]!r}", source)
            pol.quorum = args[0]
        else:
            raise _err(row, f"cannot read policy line {line!r}", source)
    if pol.quorum is None:
        msg = "policy has no quorum line"
        raise InputError(msg, source=source)
    return pol


def _group(pol: TrustPolicy, args: list[str], row: int, source: str) -> Group:
    name, k_text, members = args[0], args[1], tuple(args[2:])
    if name in pol.witnesses or name in pol.groups or name == "none":
        raise _err(row, f"name {name!r} is already defined", source)
    if len(set(members)) != len(members):
        raise _err(row, "a group lists each member at most once", source)
    for m in members:
        if m not in pol.witnesses and m not in pol.groups:
            raise _err(row, f"group member {m!r} is not defined on a preceding line", source)
    if k_text == "all":
        k = len(members)
    elif k_text == "any":
        k = 1
    elif k_text.isdigit() and 1 <= int(k_text) <= len(members) and k_text == str(int(k_text)):
        k = int(k_text)
    else:
        raise _err(row, f"threshold {k_text!r} must be all, any or 1..{len(members)}", source)
    return Group(name, k, members)


def load_policy(path: Path) -> TrustPolicy:
    """Read and parse a policy file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"cannot read policy: {exc.strerror}"
        raise InputError(msg, source=str(path)) from exc
    return parse_policy(text, source=str(path))


def signing_log(note: str, policy: TrustPolicy) -> tuple[Checkpoint, str]:
    """The checkpoint and the verifier key of the first policy log whose signature it carries.

    Raises
    ------
    IntegrityError
        No log of the policy signed it.
    """
    for name, public, _ in policy.logs:
        try:
            return verify_checkpoint(note, name, public), encode_vkey(name, public)
        except IntegrityError:
            continue
    msg = "checkpoint is not signed by any log of the policy"
    raise IntegrityError(msg)


def verify_with_policy(note: str, policy: TrustPolicy) -> tuple[Checkpoint, list[str]]:
    """Accept ``note`` only if a policy log signed it and the witness quorum cosigned it.

    Returns
    -------
    tuple
        The checkpoint and the names of the witnesses whose cosignatures verified.

    Raises
    ------
    IntegrityError
        No listed log signed it, a matching signature is bad, or the quorum is unmet.
    """
    cp, _ = signing_log(note, policy)
    signed = [n for n, (c, _) in policy.witnesses.items() if verify_cosignature(note, c)]
    if not policy.witnessed(set(signed)):
        msg = (
            f"checkpoint at size {cp.tree_size} lacks the witness quorum {policy.quorum!r} "
            f"(cosigned by: {', '.join(signed) or 'none'})"
        )
        raise IntegrityError(msg)
    return cp, signed


def add_checkpoint_body(old_size: int, proof: list[bytes], note: str) -> bytes:
    """Request body of ``POST <witness>/add-checkpoint``."""
    lines = [f"old {old_size}"] + [base64.b64encode(h).decode() for h in proof]
    return ("\n".join(lines) + "\n\n" + note).encode()


def _try_post(url: str, body: bytes) -> tuple[int, str]:
    """:func:`_post`, with an unreachable witness as status 0 (logged, not raised)."""
    try:
        return _post(url, body)
    except OSError as exc:
        logger.warning("witness %s unreachable: %s", url, exc)
        return 0, str(exc)


def _post(url: str, body: bytes) -> tuple[int, str]:
    req = urllib.request.Request(url.rstrip("/") + "/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=WITNESS_TIMEOUT) as resp:
            return int(resp.status), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _asked_size(status: int, text: str, size: int) -> int | None:
    """The size a witness says it holds, when it refused ours as stale (409, tlog-witness)."""
    held = text.strip()
    if status == 409 and held.isdigit() and int(held) <= size:
        return int(held)
    return None


def collect_cosignatures(
    ledger: Ledger, note: str, policy: TrustPolicy, previous: str | None = None
) -> str:
    """Ask every witness of ``policy`` to cosign ``note``; return it with the valid cosignatures.

    All witnesses are asked at once, so publishing waits for the slowest witness
    rather than for their sum; a witness that answers 409 with the size it holds
    is asked once more with a proof from that size. Proofs are computed on the
    calling thread (the store's connection belongs to it); threads only post.

    Raises
    ------
    IntegrityError
        If the cosignatures gathered do not meet the quorum (nothing is published).
    """
    cp = parse_checkpoint(note)[0]
    old = parse_checkpoint(previous)[0].tree_size if previous else 0
    urls = {name: url for name, (_, url) in policy.witnesses.items() if url}
    sizes = dict.fromkeys(urls, old)
    answers: dict[str, str] = {}
    for _ in range(2):
        names = list(sizes)
        bodies = [
            add_checkpoint_body(
                sizes[n],
                ledger.tree.consistency_proof(sizes[n], cp.tree_size) if sizes[n] else [],
                note,
            )
            for n in names
        ]
        with ThreadPoolExecutor(max(1, len(names)), thread_name_prefix="witness") as pool:
            replies = list(pool.map(_try_post, [urls[n] for n in names], bodies))
        sizes = {}
        for name, (status, text) in zip(names, replies, strict=True):
            held = _asked_size(status, text, cp.tree_size)
            if status == 200:
                answers[name] = text
            elif held is not None and held != old:
                sizes[name] = held
            else:
                logger.warning(
                    "witness %s refused size %d: HTTP %d %s", name, cp.tree_size, status, text
                )
        if not sizes:
            break
    extra: list[str] = []
    for name, answer in answers.items():
        cosigner = policy.witnesses[name][0]
        for line in answer.splitlines():
            candidate = note + line + "\n"
            try:
                if verify_cosignature(candidate, cosigner):
                    extra.append(line + "\n")
            except IntegrityError:
                logger.warning("witness %s returned a bad cosignature", name)
    cosigned = note + "".join(extra)
    verify_with_policy(cosigned, policy)
    return cosigned


def cosigner_from_env() -> CosignFn | None:
    """The cosigner :func:`~orechain.transparency.publish.publish` uses, from the environment.

    ``ORECHAIN_WITNESS_POLICY`` names a tlog-policy file; unset means no witnesses.
    """
    path = os.environ.get("ORECHAIN_WITNESS_POLICY")
    if not path:
        return None
    policy = load_policy(Path(path))

    def cosign(ledger: Ledger, note: str, previous: str | None) -> str:
        return collect_cosignatures(ledger, note, policy, previous)

    return cosign


def published_policy() -> str | None:
    """Text of the policy this server collects cosignatures under (``ORECHAIN_WITNESS_POLICY``).

    Shown on the Transparency page as the *server's* policy: a reader who
    trusts the server no more than its key pastes one obtained elsewhere.
    None when unset or unreadable (then nothing is published).
    """
    path = os.environ.get("ORECHAIN_WITNESS_POLICY")
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        logger.warning("cannot read the witness policy %s", path)
        return None
