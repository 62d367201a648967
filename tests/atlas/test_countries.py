"""Country labels of every bundled source map to ISO3 codes (or an explicit aggregate)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from orechain.atlas import countries
from orechain.atlas.countries import country_name, iso_countries, parse_country, region, to_iso3
from orechain.atlas.ingest.usgs_mcs import classify_file, read_usgs_world
from orechain.atlas.sources import data_dir
from orechain.errors import InputError, NotFoundError

DATA = data_dir()


@cache
def usgs_country_labels() -> dict[str, str]:
    """Every country label of every bundled USGS world file → file it comes from."""
    labels: dict[str, str] = {}
    for path in sorted(DATA.glob("usgs_mcs20*/**/*.csv")):
        if classify_file(path) != "world":
            continue
        frame = read_usgs_world(path)
        column = next(c for c in frame.columns if c.lower() == "country")
        for label in frame[column]:
            if label.strip():
                labels.setdefault(label, path.name)
    return labels


@pytest.mark.parametrize(
    ("label", "iso3"),
    [
        ("Burma", "MMR"),
        ("Congo (Kinshasa)", "COD"),
        ("Korea, Republic of", "KOR"),
        ("Korea, North", "PRK"),
        ("Turkey", "TUR"),
        ("Russia ", "RUS"),
        ("Laos", "LAO"),
        ("Côte d’Ivoire", "CIV"),
        ("United\xa0States", "USA"),
        ("Vietnam\xa0", "VNM"),
        ("World total (rounded) 10", "WORLD"),
        ("World total (rounded)10", "WORLD"),
        ("World total (ilmenite and rutile, rounded)", "WORLD"),
        ("World total (rounded), excluding United States.", "WORLD"),
        ("Other Countries", "OTHER"),
        ("Other countriese", "OTHER"),
        ("United\xa0States and Canada", "USA_CAN"),
        ("Congo, D.R.", "COD"),
        ("Congo, Rep.", "COG"),
        ("Türkiye", "TUR"),
        ("Total", "WORLD"),
    ],
)
def test_source_spellings(label: str, iso3: str) -> None:
    assert to_iso3(label) == iso3


def test_qualifiers_and_footnotes_are_kept_for_the_caller() -> None:
    russia = parse_country("Russia (recoverable)")
    assert (russia.iso3, russia.qualifiers) == ("RUS", ("recoverable",))
    ocher = parse_country("Pakistan (ocher)")
    assert (ocher.iso3, ocher.qualifiers, ocher.label) == ("PAK", ("ocher",), "Pakistan (ocher)")
    boron = parse_country("Argentina, crude ore")
    assert (boron.iso3, boron.qualifiers) == ("ARG", ("crude ore",))
    japan = parse_country("Japane")
    assert (japan.iso3, japan.label, japan.estimated) == ("JPN", "Japan", True)
    world = parse_country("World total (rounded) 10")
    assert (world.footnote, world.label) == ("10", "World total (rounded)")
    assert not parse_country("Ukraine").estimated  # a name ending in 'e' is not a footnote


def test_every_usgs_label_maps() -> None:
    labels = usgs_country_labels()
    assert len(labels) > 200
    unmapped = []
    for label, file in labels.items():
        try:
            to_iso3(label)
        except InputError:
            unmapped.append((label, file))
    assert unmapped == []


def test_usgs_labels_map_to_the_country_they_name() -> None:
    """Spot checks on labels a regex could send astray (glued footnotes, qualifiers)."""
    codes = {label: to_iso3(label) for label in usgs_country_labels()}
    expected = {
        "Korea, Republic ofe": "KOR",
        "Greecee": "GRC",
        "New Caledonia (overseas territory of France)": "NCL",
        "Brazil (crude and beneficiated)9": "BRA",
        "China, boric oxide equivalent": "CHN",
        "United States (includes Puerto Rico)": "USA",
        "Guadeloupe": "GLP",
    }
    assert {k: codes[k] for k in expected} == expected
    assert not {c for c in codes.values() if c not in countries.AGGREGATE_NAMES and len(c) != 3}


def test_world_mining_data_labels_map_to_its_iso3_column() -> None:
    wmd = pd.read_csv(
        DATA / "baci_hs92_geopolrisk" / "world_mining_data_2018_2024.csv",
        dtype=str,
        keep_default_na=False,
    )[["country", "iso3"]].drop_duplicates()
    # The file's own codes are wrong or non-ISO for these rows.
    fixes = {"Total": "WORLD", "Kosovo": "XKX", "Taiwan": "TWN", "French Guiana": "GUF"}
    mismatched = [
        (row.country, row.iso3, to_iso3(row.country))
        for row in wmd.itertuples()
        if to_iso3(row.country) != fixes.get(row.country, row.iso3)
    ]
    assert mismatched == []


def test_wgi_country_names_map_to_its_codes() -> None:
    path = DATA / "wgi" / "wgidataset.csv"
    if not path.exists():
        pytest.skip("WGI CSV not bundled")
    wgi = pd.read_csv(path, usecols=["code", "countryname"], dtype=str, keep_default_na=False)
    wgi = wgi.drop_duplicates()
    # WGI's own codes that are not ISO 3166-1 alpha-3 (see wgi/PROVENANCE.md).
    wgi_codes = {"ZAR": "COD", "ROM": "ROU", "ADO": "AND", "TMP": "TLS", "KSV": "XKX", "WBG": "PSE"}
    mismatched = []
    for row in wgi.itertuples():
        if row.code == "ANT":  # Netherlands Antilles (former): no current ISO code
            continue
        got = to_iso3(row.countryname)
        if got != wgi_codes.get(row.code, row.code):
            mismatched.append((row.countryname, row.code, got))
    assert mismatched == []


def test_unknown_label_is_an_error_that_names_it() -> None:
    with pytest.raises(InputError, match="Atlantis") as info:
        to_iso3("Atlantis", source="x.csv", row=7, field="Country")
    assert "x.csv, row 7, column 'Country'" in str(info.value)


def test_names_and_regions() -> None:
    assert country_name("COD") == "DR Congo"
    assert country_name("WORLD") == "World"
    assert country_name("usa_can") == "United States and Canada"
    assert region("PAK") == "Southern Asia"
    assert region("WORLD") is None
    with pytest.raises(NotFoundError):
        country_name("XYZ")


def test_iso_country_table() -> None:
    table = iso_countries()
    assert len(table) >= 249
    assert table["iso3"].is_unique
    assert table["name"].notna().all()
    pak = table.set_index("iso3").loc["PAK"]
    assert (pak["name"], pak["region"], pak["m49"]) == ("Pakistan", "Southern Asia", 586)


def test_country_data_is_read_without_default_na() -> None:
    """Namibia's ISO2 code is 'NA': reading the table must not turn it into a missing value."""
    assert to_iso3("Namibia") == "NAM"
    assert region("NAM") == "Southern Africa"


def test_the_country_table_is_our_own() -> None:
    """No GPL runtime dependency: names come from data/reference/countries.csv and code tables."""
    import sys
    import tomllib

    to_iso3("Democratic Republic of Congo")
    assert "country_converter" not in sys.modules
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert not [d for d in project["project"]["dependencies"] if "country_converter" in d]
    assert countries.country_table_path().is_file()


def test_bundled_code_tables_name_countries_the_table_lacks() -> None:
    """WGI's and CEPII's own spellings resolve through their code tables."""
    assert to_iso3("Egypt, Arab Rep.") == "EGY"
    assert to_iso3("Venezuela, RB") == "VEN"
    assert to_iso3("Netherlands Antilles (former)") == "ANT"
