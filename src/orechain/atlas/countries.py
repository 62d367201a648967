"""Country labels of the sources → ISO 3166-1 alpha-3 codes, names and regions.

Sources spell countries their own way ("Burma", "Congo (Kinshasa)", "Korea,
Republic of", "Russia " with a trailing space, "Japane" with a glued
estimate footnote). Labels are matched, in this order, against

1. an explicit override table (:data:`OVERRIDES`) for the spellings of the
   bundled sources and the aggregates ``WORLD`` / ``OTHER`` / ``USA_CAN``;
2. OreChain's own country table (``data/reference/countries.csv``: ISO3, short
   English name, UN M49 sub-region and code), then the ISO 3166-1 names of
   ``pycountry``;
3. the name → code tables the bundled sources publish themselves: CEPII BACI
   country codes (three vintages), the World Bank WGI names and codes (with
   :data:`orechain.atlas.ingest.wgi.CODE_FIXES`) and World Mining Data's ISO3
   column. The first source that knows a name wins.

Each step is tried on the label itself, then with a trailing "e" (the USGS
footnote for *estimated*) removed, then with trailing qualifiers in
parentheses or after a comma peeled off ("Russia (recoverable)",
"Argentina, crude ore"). Peeled qualifiers are returned to the caller, who
keeps them in a note, so nothing published is lost. An unknown label raises
:class:`~orechain.errors.InputError` naming it: no row is dropped silently.

Aggregates: ``WORLD`` (any "World total …" or "Total" row), ``OTHER`` ("Other
countries …") and ``USA_CAN`` for the USGS abrasives capacity row "United
States and Canada", a combined figure that must be neither given to one
country nor merged into "other countries".

Regions are the UN M49 sub-regions of the country table (e.g. "Southern Asia").
No regular expression or fuzzy matching is used: a label that no table names
must be added to :data:`OVERRIDES`, which a test checks for every bundled file.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pycountry

from orechain.atlas.ingest.values import clean_text
from orechain.atlas.sources import data_dir
from orechain.errors import InputError, NotFoundError

logger = logging.getLogger(__name__)

WORLD = "WORLD"
OTHER = "OTHER"
USA_CAN = "USA_CAN"
AGGREGATE_NAMES: dict[str, str] = {
    WORLD: "World",
    OTHER: "Other countries",
    USA_CAN: "United States and Canada",
}
"""Non-country codes this module returns, with display names."""

OVERRIDES: dict[str, str] = {
    "world": WORLD,
    "world total": WORLD,
    "total": WORLD,
    "other": OTHER,
    "other countries": OTHER,
    "united states and canada": USA_CAN,
    "burma": "MMR",
    "congo (kinshasa)": "COD",
    "congo (brazzaville)": "COG",
    "congo, d.r.": "COD",
    "congo, rep.": "COG",
    "drc": "COD",
    "democratic republic of congo": "COD",
    "s. africa": "ZAF",
    "korea, republic of": "KOR",
    "korea, south": "KOR",
    "korea, north": "PRK",
    "turkey": "TUR",
    "türkiye": "TUR",
    "russia": "RUS",
    "laos": "LAO",
    "côte d'ivoire": "CIV",
    "cote d'ivoire": "CIV",
    "czechia": "CZE",
    "bosnia-herzegovina": "BIH",
    "kosovo": "XKX",
    "taiwan": "TWN",
    "united states": "USA",
    "united kingdom": "GBR",
    "vietnam": "VNM",
    "iran": "IRN",
    "syria": "SYR",
    "french guiana": "GUF",
    "guadeloupe": "GLP",
    "new caledonia": "NCL",
    "greenland": "GRL",
}
"""Normalised source spelling → code; checked before the maintained table."""

_FOOTNOTE = re.compile(r"^(?P<base>.*?\D)\s*(?P<note>\d{1,2})$")
_PARENS = re.compile(r"^(?P<base>.+?)\s*\((?P<qual>[^()]+)\)\s*$")
_COMMA = re.compile(r"^(?P<base>.+),\s*(?P<qual>[^,]+)$")


@dataclass(frozen=True)
class CountryLabel:
    """A source country label, resolved."""

    iso3: str
    """ISO3 code, or WORLD / OTHER / USA_CAN."""
    label: str
    """The label as published, cleaned of NBSP, mojibake and footnote markers."""
    qualifiers: tuple[str, ...] = ()
    """Qualifiers peeled off the label, e.g. ('recoverable',) for 'Russia (recoverable)'."""
    footnote: str | None = None
    """A footnote marker glued to the label ('10', or 'e' for estimated)."""

    @property
    def estimated(self) -> bool:
        """The label carries the USGS footnote 'e' (estimated)."""
        return self.footnote == "e"


@dataclass(frozen=True)
class _Entry:
    iso3: str
    name: str
    region: str | None
    m49: int | None
    obsolete: bool


def _key(text: str) -> str:
    return clean_text(text).replace("’", "'").replace("`", "'").lower()


def country_table_path() -> Path:
    """OreChain's country table, ``data/reference/countries.csv``."""
    return data_dir() / "reference" / "countries.csv"


@cache
def _entries() -> tuple[_Entry, ...]:
    """Rows of the country table (``keep_default_na``: Namibia is ``NAM``, "NA" is no NaN)."""
    raw = pd.read_csv(country_table_path(), dtype=str, keep_default_na=False)
    return tuple(
        _Entry(
            iso3=r.iso3,
            name=r.name,
            region=r.region or None,
            m49=int(r.m49) if r.m49.isdigit() else None,
            obsolete=r.obsolete == "True",
        )
        for r in raw.itertuples(index=False)
    )


def _code_tables() -> list[tuple[str, str]]:
    """(name, ISO3) pairs from the code tables the bundled sources publish."""
    from orechain.atlas.ingest.wgi import CODE_FIXES

    root = data_dir()
    pairs: list[tuple[str, str]] = []
    cepii = pd.read_csv(
        root / "cepii_code_tables" / "country_codes.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    for row in cepii.itertuples(index=False):
        pairs += [(row.country_name_abbreviation, row.iso_3digit_alpha)]
        pairs += [(row.country_name_full, row.iso_3digit_alpha)]
    for path in (
        root / "baci_hs17_extract" / "country_codes_V202601.csv",
        root / "baci_hs92_geopolrisk" / "country_codes_V202401b.csv",
    ):
        baci = pd.read_csv(path, dtype=str, keep_default_na=False)
        pairs += list(zip(baci["country_name"], baci["country_iso3"], strict=True))
    wgi = pd.read_csv(
        root / "wgi" / "wgidataset.csv",
        usecols=["code", "countryname"],
        dtype=str,
        keep_default_na=False,
    ).drop_duplicates()
    pairs += [
        (n, CODE_FIXES.get(c, c)) for n, c in zip(wgi["countryname"], wgi["code"], strict=True)
    ]
    wmd = pd.read_csv(
        root / "baci_hs92_geopolrisk" / "world_mining_data_2018_2024.csv",
        usecols=["country", "iso3"],
        dtype=str,
        keep_default_na=False,
    ).drop_duplicates()
    pairs += list(zip(wmd["country"], wmd["iso3"], strict=True))
    return pairs


@cache
def _exact() -> dict[str, str]:
    known = {e.iso3 for e in _entries()}
    index: dict[str, str] = {}
    for e in _entries():
        if not e.obsolete:
            index.setdefault(_key(e.name), e.iso3)
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                index.setdefault(_key(value), c.alpha_3)
    for name, code in _code_tables():
        if name.strip() and code in known:
            index.setdefault(_key(name), code)
    index.update(OVERRIDES)
    return index


@cache
def _by_code() -> dict[str, _Entry]:
    return {e.iso3: e for e in _entries()}


def _candidates(text: str, quals: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
    """The label, then the label with trailing qualifiers peeled off, outermost first."""
    out = [(text, quals)]
    for pattern in (_PARENS, _COMMA):
        match = pattern.match(text)
        if match:
            out.extend(_candidates(match["base"], (match["qual"].strip(), *quals)))
    return out


def _match_exact(text: str) -> tuple[str, str | None] | None:
    exact = _exact()
    key = _key(text)
    if key in exact:
        return exact[key], None
    if key.endswith("e") and key[:-1] in exact:
        return exact[key[:-1]], "e"
    return None


def parse_country(
    label: str, *, source: str | None = None, row: int | None = None, field: str | None = None
) -> CountryLabel:
    """Resolve a published country label, keeping its qualifiers and footnote.

    Parameters
    ----------
    label
        The cell as published, e.g. ``"Russia (recoverable)"`` or ``"World total (rounded) 10"``.
    source, row, field
        Where the label comes from, for the error message.

    Returns
    -------
    CountryLabel
        Code, cleaned label, qualifiers peeled off and footnote marker.

    Raises
    ------
    InputError
        When no rule matches: the label is named, never dropped silently.

    Examples
    --------
    >>> parse_country("Congo (Kinshasa)").iso3
    'COD'
    >>> parse_country("Russia (recoverable)").qualifiers
    ('recoverable',)
    """
    text = clean_text(label)
    footnote = None
    match = _FOOTNOTE.match(text)
    if match:
        text, footnote = match["base"].strip(), match["note"]
    for candidate, quals in _candidates(text):
        hit = _match_exact(candidate)
        if hit is not None and hit[1] == "e" and candidate == text:
            return CountryLabel(hit[0], text[:-1], quals, "e")
        if hit is not None:
            return CountryLabel(hit[0], text, quals, hit[1] or footnote)
    msg = f"unknown country name {label!r}; add it to orechain.atlas.countries.OVERRIDES"
    raise InputError(msg, source=source, row=row, field=field)


def to_iso3(
    label: str, *, source: str | None = None, row: int | None = None, field: str | None = None
) -> str:
    """Return the ISO3 code of a source label, or ``WORLD`` / ``OTHER`` / ``USA_CAN``.

    Qualifiers such as "(recoverable)" are ignored here; use :func:`parse_country`
    to keep them.

    Examples
    --------
    >>> to_iso3("Burma"), to_iso3("Korea, Republic of"), to_iso3("World total (rounded)10")
    ('MMR', 'KOR', 'WORLD')
    """
    return parse_country(label, source=source, row=row, field=field).iso3


def _entry(iso3: str) -> _Entry | None:
    return _by_code().get(iso3.upper())


def country_name(iso3: str) -> str:
    """Short English name of an ISO3 code or aggregate (e.g. 'DR Congo', 'World').

    Raises
    ------
    NotFoundError
        For a code that is neither an ISO 3166-1 code nor an aggregate.
    """
    code = iso3.upper()
    if code in AGGREGATE_NAMES:
        return AGGREGATE_NAMES[code]
    entry = _entry(code)
    if entry is not None:
        return entry.name
    found = pycountry.countries.get(alpha_3=code)
    if found is None:
        msg = f"unknown country code {iso3!r}"
        raise NotFoundError(msg)
    return str(getattr(found, "common_name", None) or found.name)


def region(iso3: str) -> str | None:
    """UN M49 sub-region of a country (e.g. 'Southern Asia'); None for aggregates."""
    entry = _entry(iso3)
    return entry.region if entry is not None else None


def iso_countries() -> pd.DataFrame:
    """Every current country of the country table (ISO 3166-1 plus Kosovo, XKX).

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3, name, region, m49`` as in the ``countries`` table.
    """
    rows = [
        {"iso3": e.iso3, "name": e.name, "region": e.region, "m49": e.m49}
        for e in _entries()
        if not e.obsolete
    ]
    return pd.DataFrame(rows)


def check_iso3(code: str, field: str, *, source: str | None = None) -> str:
    """An ISO 3166-1 alpha-3 country code, upper-cased; InputError if unknown.

    Input files and options name countries by code (``PAK``); an aggregate such
    as ``WORLD`` or an unknown code is refused, naming the field.
    """
    iso3 = str(code).strip().upper()
    if len(iso3) != 3 or not iso3.isalpha() or iso3 in AGGREGATE_NAMES:
        msg = f"{code!r} is not an ISO 3166-1 alpha-3 country code"
        raise InputError(msg, source=source, field=field)
    try:
        country_name(iso3)
    except NotFoundError:
        msg = f"unknown country code {iso3!r} (expected ISO 3166-1 alpha-3, e.g. PAK)"
        raise InputError(msg, source=source, field=field) from None
    return iso3
