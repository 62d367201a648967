"""A tlog-tiles client written only from the C2SP specs, with no OreChain imports.

It parses a checkpoint (tlog-checkpoint / signed-note), verifies its Ed25519
signature with the log's vkey, fetches hash tiles and rebuilds the RFC 6962
tree: the root of the checkpoint size, and the audit path of any leaf.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fetch(prefix: str, path: str) -> bytes:
    with urllib.request.urlopen(f"{prefix.rstrip('/')}/{path}", timeout=10) as resp:
        return bytes(resp.read())


def verify_note(note: str, vkey: str) -> tuple[str, int, bytes]:
    """signed-note: the key hash is SHA-256(name || "\\n" || 0x01 || key)[:4]."""
    name, khash, blob = vkey.split("+")
    raw = base64.b64decode(blob)
    assert raw[0] == 1
    body, _, sigs = note.partition("\n\n")
    body += "\n"
    ok = False
    for line in sigs.rstrip("\n").split("\n"):
        assert line.startswith("\u2014 ")
        sig_name, sig_b64 = line[2:].split(" ")
        sig = base64.b64decode(sig_b64)
        if sig_name == name and sig[:4].hex() == khash:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[4:], body.encode())
            ok = True
    assert ok, "no signature by the log key"
    origin, size, root = body.split("\n")[:3]
    return origin, int(size), base64.b64decode(root)


def index_path(n: int) -> str:
    """tlog-tiles: zero-padded 3-digit elements, all but the last prefixed with x."""
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n > 0:
        parts.insert(0, f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(parts)


def tile_url(level: int, n: int, width: int) -> str:
    suffix = "" if width == 256 else f".p/{width}"
    return f"tile/{level}/{index_path(n)}{suffix}"


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH over leaf hashes, by its recursive definition."""
    n = len(hashes)
    if n == 0:
        return H(b"")
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return H(b"\x01" + mth(hashes[:k]) + mth(hashes[k:]))


def path(m: int, hashes: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]) over leaf hashes."""
    n = len(hashes)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, hashes[:k]) + [mth(hashes[k:])]
    return path(m - k, hashes[k:]) + [mth(hashes[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = H(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = H(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def level_hashes(prefix: str, level: int, count: int) -> list[bytes]:
    """All ``count`` hashes of a level, from its full tiles and its partial tile."""
    out: list[bytes] = []
    n = 0
    while len(out) < count:
        width = min(256, count - len(out))
        data = fetch(prefix, tile_url(level, n, width))
        assert len(data) == 32 * width
        out += [data[i : i + 32] for i in range(0, len(data), 32)]
        n += 1
    return out


def leaf_hashes(prefix: str, size: int) -> list[bytes]:
    """Level-0 hashes; each full tile is also checked against its hash one level up."""
    leaves = level_hashes(prefix, 0, size)
    if size >= 256:
        ups = level_hashes(prefix, 1, size // 256)
        for t, up in enumerate(ups):
            assert mth(leaves[t * 256 : (t + 1) * 256]) == up, f"level-1 hash {t} is wrong"
    return leaves


def entry_bundle(prefix: str, n: int, width: int, kind: str = "entries") -> list[bytes]:
    """tlog-tiles entry bundle: big-endian uint16 length-prefixed records."""
    suffix = "" if width == 256 else f".p/{width}"
    data = fetch(prefix, f"tile/{kind}/{index_path(n)}{suffix}")
    out, i = [], 0
    while i < len(data):
        ln = int.from_bytes(data[i : i + 2], "big")
        out.append(data[i + 2 : i + 2 + ln])
        i += 2 + ln
    return out
