"""Country labels of the sources → ISO 3166-1 alpha-3 codes, names and regions.

Sources spell countries their own way ("Burma", "Congo (Kinshasa)", "Korea,
Republic of", "Russia " with a trailing space, "Japane" with a glued
estimate footnote). Labels are matched, in this order, against

1. an explicit override table (:data:`OVERRIDES`) for the spellings of the
   bundled sources and the aggregates ``WORLD`` / ``OTHER`` / ``USA_CAN``;
2. the short and official names of country_converter's maintained country
   table (``country_data.tsv``, read with ``keep_default_na=False`` because
   Namibia's ISO2 code is ``NA``; country_converter 1.3.2's own converter
   breaks under pandas 3, see ``/work/shared/NOTES.md``);
3. the same table's regular expressions, used only when exactly one matches.

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

Regions are the UN M49 sub-regions of the same table (e.g. "Southern Asia").
"""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pycountry

from orechain.atlas.ingest.values import clean_text
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
    official: str
    pattern: re.Pattern[str]
    region: str | None
    continent: str | None
    m49: int | None
    obsolete: bool


def _key(text: str) -> str:
    return clean_text(text).replace("’", "'").replace("`", "'").lower()


def _country_data_path() -> Path:
    spec = importlib.util.find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        msg = "the country_converter package is not installed (needed for its country table)"
        raise NotFoundError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"


@cache
def _entries() -> tuple[_Entry, ...]:
    """Rows of country_converter's table, without importing its (pandas-3-broken) code."""
    raw = pd.read_csv(_country_data_path(), sep="\t", dtype=str, keep_default_na=False)
    return tuple(
        _Entry(
            iso3=r.ISO3,
            name=r.name_short,
            official=r.name_official,
            pattern=re.compile(r.regex, re.IGNORECASE),
            region=r.UNregion or None,
            continent=r.continent or None,
            m49=int(r.ISOnumeric) if r.ISOnumeric.isdigit() else None,
            obsolete=bool(r.obsolete),
        )
        for r in raw.itertuples(index=False)
    )


@cache
def _exact() -> dict[str, str]:
    index: dict[str, str] = {}
    for e in _entries():
        if not e.obsolete:
            index.setdefault(_key(e.name), e.iso3)
            index.setdefault(_key(e.official), e.iso3)
    index.update(OVERRIDES)
    return index


@cache
def _by_code() -> dict[str, _Entry]:
    return {e.iso3: e for e in _entries() if not e.obsolete} | {
        e.iso3: e for e in _entries() if e.obsolete and e.iso3
    }


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


def _match_regex(text: str) -> str | None:
    hits = {e.iso3 for e in _entries() if not e.obsolete and e.pattern.search(text)}
    return hits.pop() if len(hits) == 1 else None


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
    for candidate, quals in _candidates(text):
        code = _match_regex(candidate)
        if code is not None:
            return CountryLabel(code, text, quals, footnote)
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


def continent(iso3: str) -> str | None:
    """Continent of a country (country_converter's 'continent' column)."""
    entry = _entry(iso3)
    return entry.continent if entry is not None else None


def iso_countries() -> pd.DataFrame:
    """Every ISO 3166-1 country (pycountry) plus Kosovo (XKX), with name, region and M49.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3, name, region, m49`` as in the ``countries`` table.
    """
    codes = sorted({c.alpha_3 for c in pycountry.countries} | {"XKX"})
    rows = []
    for code in codes:
        found = pycountry.countries.get(alpha_3=code)
        m49 = int(found.numeric) if found is not None else None
        rows.append({"iso3": code, "name": country_name(code), "region": region(code), "m49": m49})
    return pd.DataFrame(rows)
