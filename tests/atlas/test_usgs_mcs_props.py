"""Properties of the USGS MCS readers: published number formats and column names round-trip."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orechain.atlas.ingest.usgs_mcs import UNIT_CODES, ValueColumn, decode_column
from orechain.atlas.ingest.values import parse_value

PADDING = st.sampled_from(["", " ", "  ", "\xa0", "Â\xa0"])


@given(
    n=st.integers(min_value=0, max_value=10**12), pad=PADDING, bound=st.sampled_from(["", ">", "<"])
)
def test_formatted_numbers_round_trip(n: int, pad: str, bound: str) -> None:
    """'1,230 ', '>2,000,000', '7900' as USGS writes them read back as the number and bound."""
    for text in (f"{n:,}", f"{n}"):
        cell = parse_value(f"{pad}{bound}{text}{pad}")
        assert cell.value == n
        assert cell.flag == (bound or None)


@given(
    kind=st.sampled_from(["Prod", "PROD", "Cap", "Reserves"]),
    unit=st.sampled_from(sorted(UNIT_CODES)),
    est=st.sampled_from(["", "est", "Est", "EST"]),
    year=st.one_of(st.none(), st.integers(min_value=1990, max_value=2100)),
)
def test_column_names_decode(kind: str, unit: str, est: str, year: int | None) -> None:
    """Every spelling of <kind>_<unit>[_est][_year] decodes to its parts."""
    name = "_".join(p for p in (kind, unit, est, str(year) if year else "") if p)
    decoded = decode_column(name)
    assert isinstance(decoded, ValueColumn)
    expected_kind = {"prod": "prod", "cap": "cap", "reserves": "reserves"}[kind.lower()]
    assert (decoded.kind, decoded.unit, decoded.estimated, decoded.year, decoded.product) == (
        expected_kind,
        UNIT_CODES[unit],
        bool(est),
        year,
        None,
    )
