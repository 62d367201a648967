"""TileWriter: incremental writes equal one-shot writes; tiles match RFC 6962; rollback refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from orechain.cli import build_app
from orechain.errors import InputError, IntegrityError
from orechain.ledger import sample
from orechain.ledger.merkle import MerkleLog, leaf_hash
from orechain.ledger.service import Ledger
from orechain.transparency.tiles import (
    TileWriter,
    bundle_records,
    encode_index,
    pack_bundle,
    parse_tile_path,
    tile_path,
)

HASHES = [leaf_hash(i.to_bytes(4, "big")) for i in range(6 * 400)]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name != ".lock"
    }


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=6))
def test_incremental_equals_one_shot(tmp_path_factory: pytest.TempPathFactory,
                                     chunks: list[int]) -> None:  # fmt: skip
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    start = 0
    for n in chunks:
        TileWriter(a, envelopes=False, public_entries=False).extend_hashes(
            HASHES[start : start + n]
        )
        start += n
    TileWriter(b, envelopes=False, public_entries=False).extend_hashes(HASHES[:start])
    log = MerkleLog.from_hashes(HASHES[:start])
    assert TileWriter(a).root_hash() == log.root()
    full_a = {k: v for k, v in _tree(a).items() if ".p" not in k}
    full_b = {k: v for k, v in _tree(b).items() if ".p" not in k}
    assert full_a == full_b  # full tiles never depend on how the log grew
    if start >= 256:  # level-1 hash 0 is the root of the first 256 leaves
        width = start // 256
        assert (a / tile_path(1, 0, width)).read_bytes()[:32] == log.levels[8][0]
        assert (a / tile_path(0, 0)).read_bytes() == b"".join(HASHES[:256])


@given(st.integers(0, 10**12))
def test_index_paths_round_trip(n: int) -> None:
    path = tile_path(3, n, 7)
    assert parse_tile_path(path).index == n
    assert encode_index(n).split("/")[-1].isdigit()


@pytest.mark.parametrize(
    "bad", ["tile/64/000", "tile/0/0001", "tile/0/x1/000", "tile/0/000.p/0", "tile/0/000.p/256",
            "tile/00/000", "tile/0/../000", "tile/entries/000.p/01"],
)  # fmt: skip
def test_malformed_tile_paths_are_refused(bad: str) -> None:
    with pytest.raises(InputError):
        parse_tile_path(bad)


def test_bundles_round_trip_and_refuse_oversized_entries() -> None:
    recs = [b"", b"a", b"x" * 65535]
    assert bundle_records(pack_bundle(recs)) == recs
    with pytest.raises(IntegrityError):
        pack_bundle([b"x" * 65536])
    with pytest.raises(IntegrityError):
        bundle_records(b"\x00\x05abc")


def test_catch_up_refuses_a_restored_backup(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    envs = sample.stamped_envelopes()  # as the log recorded them: replicated
    with Ledger.create(str(db), sample.ORIGIN, sample.log_key()) as led:
        led.submit_many(envs[:20], replicate=True)
    shutil.copy(db, tmp_path / "backup.db")
    with Ledger.open(str(db)) as led:
        led.submit_many(envs[20:30], replicate=True)
        writer = TileWriter(tmp_path / "t")
        assert writer.catch_up(led.store) == 30
        led.submit_many(envs[30:], replicate=True)
        assert writer.catch_up(led.store) == 40  # only the new entries are read
        state = json.loads((tmp_path / "t" / "orechain-tiles.json").read_text())
        assert state["root"] == led.tree.root().hex()
    shutil.copy(tmp_path / "backup.db", db)
    with Ledger.open(str(db)) as led, pytest.raises(IntegrityError, match="rolled back"):
        TileWriter(tmp_path / "t").catch_up(led.store)
    after = json.loads((tmp_path / "t" / "orechain-tiles.json").read_text())
    assert after == state  # nothing published over the old tiles


def test_cli_tiles_without_checkpoint_is_one_line_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    Ledger.create(str(db), sample.ORIGIN, sample.log_key()).close()
    res = CliRunner().invoke(build_app(), ["ledger", "tiles", "--db", str(db),
                                           "--out", str(tmp_path / "o")])  # fmt: skip
    assert res.exit_code == 2
    assert "no checkpoint yet" in res.output
    assert not (tmp_path / "o" / "checkpoint").exists()


WRITER_SCRIPT = """
import sys
from pathlib import Path
from orechain.ledger.merkle import leaf_hash
from orechain.transparency.tiles import TileWriter
hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(int(sys.argv[2]))]
while True:
    w = TileWriter(Path(sys.argv[1]), envelopes=False, public_entries=False)
    if w.size >= len(hashes):
        break
    w.extend_hashes(hashes[w.size : w.size + 700])
"""


@pytest.mark.slow
def test_sigkill_during_tiling_leaves_a_resumable_tree(tmp_path: Path) -> None:
    import random
    import signal
    import subprocess
    import sys
    import time

    from transparency_helpers import child_env

    n, out = 200_000, tmp_path / "killed"
    rng = random.Random(17)
    sizes: list[int] = []
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER_SCRIPT, str(out), str(n)],
                                env=child_env())  # fmt: skip
        before, deadline = sizes[-1] if sizes else 0, time.monotonic() + 60
        while _state_size(out) <= before and time.monotonic() < deadline:
            time.sleep(0.02)  # wait until this writer has committed something
        time.sleep(rng.uniform(0.0, 0.03))  # a quiet machine tiles 200k leaves in ~0.4 s
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        sizes.append(TileWriter(out).size)  # always reopens: its partial tiles match its root
    assert len({s for s in sizes if 0 < s < n}) >= 2, sizes  # killed mid-way, more than once
    subprocess.run([sys.executable, "-c", WRITER_SCRIPT, str(out), str(n)], env=child_env(),
                   check=True)  # fmt: skip
    ref = tmp_path / "ref"
    TileWriter(ref, envelopes=False, public_entries=False).extend_hashes(HASHES_N(n))
    assert TileWriter(out).root_hash() == TileWriter(ref).root_hash()
    full = {k: v for k, v in _tree(ref).items() if ".p" not in k}
    assert {k: v for k, v in _tree(out).items() if ".p" not in k and ".tmp" not in k} == full


def _state_size(root: Path) -> int:
    try:
        return int(json.loads((root / "orechain-tiles.json").read_text())["size"])
    except (OSError, ValueError):
        return 0


def HASHES_N(n: int) -> list[bytes]:  # mirrors HASHES
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
