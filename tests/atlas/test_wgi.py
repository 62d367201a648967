"""World Bank WGI: reading the workbook or its derived CSV, code fixes, errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from orechain.atlas.ingest import wgi
from orechain.atlas.sources import data_dir
from orechain.atlas.store import create_tables, transaction
from orechain.errors import InputError

CSV = data_dir() / "wgi" / "wgidataset.csv"
XLSX = Path(__file__).resolve().parents[2] / "data-raw" / "wgi" / "wgidataset.xlsx"


@pytest.fixture(scope="module")
def loaded():
    con = duckdb.connect()
    create_tables(con)
    with transaction(con):
        report = wgi.load(con, CSV, "wgi-2024")
    yield con, report
    con.close()


def _estimate(con, iso3, year, indicator):
    row = con.execute(
        "SELECT estimate FROM wgi WHERE iso3=? AND year=? AND indicator=?", [iso3, year, indicator]
    ).fetchone()
    return None if row is None else row[0]


def test_bundled_csv_rows_and_published_examples(loaded):
    con, report = loaded
    assert report.rows == {"wgi": 32_100}
    # PROVENANCE.md: 2023 pv / cc — Pakistan -1.93 / -1.00, DR Congo (ZAR) -2.04 / -1.48
    assert _estimate(con, "PAK", 2023, "pv") == pytest.approx(-1.93, abs=0.005)
    assert _estimate(con, "PAK", 2023, "cc") == pytest.approx(-1.00, abs=0.005)
    assert _estimate(con, "COD", 2023, "pv") == pytest.approx(-2.04, abs=0.005)
    assert _estimate(con, "CHN", 2023, "pv") == pytest.approx(-0.51, abs=0.005)


def test_code_fixes_and_missing_values(loaded):
    con, _ = loaded
    codes = {r[0] for r in con.execute("SELECT DISTINCT iso3 FROM wgi").fetchall()}
    assert {"COD", "ROU", "AND", "TLS", "XKX", "PSE"} <= codes
    assert not {"ZAR", "ROM", "ADO", "TMP", "KSV", "WBG"} & codes
    assert con.execute("SELECT count(*) FROM wgi WHERE estimate IS NULL").fetchone() == (1126,)


def test_xlsx_and_csv_give_the_same_rows(tmp_path):
    # a small workbook in the official layout (the full one takes ~2 s to read)
    head = pd.read_csv(CSV, dtype=str, keep_default_na=False).head(40)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(head.columns))
    for row in head.itertuples(index=False):
        sheet.append([_typed(v) for v in row])
    path = tmp_path / "wgidataset.xlsx"
    book.save(path)
    from_xlsx = wgi.parse_wgi(wgi.read_wgi(path), source=str(path))
    from_csv = wgi.parse_wgi(head, source=str(CSV))
    pd.testing.assert_frame_equal(from_xlsx, from_csv)


def _typed(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


@pytest.mark.slow
def test_derived_csv_matches_the_official_workbook():
    from_xlsx = wgi.parse_wgi(wgi.read_wgi(XLSX), source=str(XLSX))
    from_csv = wgi.parse_wgi(wgi.read_wgi(CSV), source=str(CSV))
    pd.testing.assert_frame_equal(from_xlsx, from_csv)


def test_broken_estimate_names_row_and_column_and_loads_nothing(con, tmp_path):
    lines = CSV.read_text("utf-8").splitlines()
    fields = lines[10].split(",")
    fields[5] = "about -1"
    lines[10] = ",".join(fields)
    broken = tmp_path / "wgi.csv"
    broken.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(InputError) as err, transaction(con):
        wgi.load(con, broken, "wgi-test")
    assert (err.value.source, err.value.row, err.value.field) == (str(broken), 11, "estimate")
    assert con.execute("SELECT count(*) FROM wgi").fetchone() == (0,)


def test_unknown_indicator_and_missing_column(tmp_path):
    frame = pd.DataFrame(
        {"code": ["PAK"], "year": ["2023"], "indicator": ["xx"], "estimate": ["1"]}
    )
    with pytest.raises(InputError, match="indicator"):
        wgi.parse_wgi(frame, source="t.csv")
    path = tmp_path / "no_estimate.csv"
    path.write_text("code,year,indicator\nPAK,2023,pv\n", "utf-8")
    with pytest.raises(InputError, match="missing column"):
        wgi.read_wgi(path)
