"""Run a bench script's timing against another source tree (the same-run peer).

Under shared load only ratios measured in the same run mean anything, so a
bench re-runs its own timing with ``PYTHONPATH`` pointing at ``--peer-src``
(e.g. ``/path/to/main/src``: the code before a change) and reads the JSON
line the child prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_peer(script: str, peer_src: Path, args: list[str]) -> dict[str, Any]:
    """Run ``script args --json-only`` with ``peer_src`` first on the path; its JSON result."""
    env = {**os.environ, "PYTHONPATH": str(peer_src)}
    out = subprocess.run(
        [sys.executable, script, *args, "--json-only"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
