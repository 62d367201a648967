from __future__ import annotations

import pytest

from orechain.errors import ConflictError, InputError
from orechain.ledger.massbalance import (
    check_conservation,
    check_contained,
    draw,
    require_single_basis,
)


def test_conservation_within_tolerance() -> None:
    assert check_conservation([100], [90], [9.95]).ok
    with pytest.raises(InputError, match="imbalance"):
        check_conservation([100], [90], [9.8])
    assert not check_conservation([100], [90], [9.8], strict=False).ok
    assert check_conservation([100], [90], [9.8], tolerance=0.01).ok


def test_draw_and_overdraft() -> None:
    assert draw("L", 5.0, None, 0.001) == 5.0
    assert draw("L", 5.0, 5.004, 0.001) == 5.0
    with pytest.raises(ConflictError, match="overdrawn"):
        draw("L", 5.0, 5.01, 0.001)


def test_basis_and_contained() -> None:
    assert require_single_basis(["gross", "gross"]) == "gross"
    with pytest.raises(InputError, match="share a mass basis"):
        require_single_basis(["gross", "REO"])
    check_contained([(100, {"REO": 0.4})], [(40, {"REO": 0.99})])
    with pytest.raises(InputError, match="contained REO"):
        check_contained([(100, {"REO": 0.4})], [(45, {"REO": 0.99})])
    check_contained([(100, {"REO": 0.4}), (10, {})], [(100, {"REO": 0.99})])  # unknown: skipped
