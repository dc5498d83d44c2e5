"""Matching a file's columns to the record fields, and dropping identifiers at the door.

Names are compared case- and space-insensitively with punctuation ignored, against the
synonyms seen in police, council and NGO exports. Columns that hold direct identifiers
(names, dates of birth, notes, addresses, phone numbers...) are never read beyond their
header: they are dropped and the report lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geodata.text import normalise as normalise_header

SOURCE_ID = "source_id"
LATITUDE = "latitude"
LONGITUDE = "longitude"
EASTING = "easting"
NORTHING = "northing"
POSTCODE = "postcode"
SYNTHETIC = "synthetic"
CRIME_TYPE = "crime_type"
MONTH = "month"

# field -> synonyms (already normalised: lower case, single spaces, no punctuation)
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "record kind", "record type", "kind of record"),
    "date": (
        "date", "date of referral", "referral date", "date referred", "date reported",
        "reported date", "date of activity", "activity date", "visit date", "date of visit",
        "event date", "date of event", "outreach date", "date of outreach",
    ),
    "category": (
        "category", "exploitation type", "type of exploitation", "exploitation",
        "exploitation category", "activity type", "type of activity", "activity",
        "outreach type", "outreach activity", "type",
    ),
    "source": (
        "source", "referrer", "referral source", "referral route", "referring organisation",
        "referring organization", "first responder", "team", "outreach team", "agency",
    ),
    LATITUDE: ("lat", "latitude", "lat wgs84", "y lat"),
    LONGITUDE: ("lon", "lng", "long", "longitude", "lon wgs84", "x long"),
    EASTING: ("easting", "eastings", "east", "os easting", "x", "x coordinate", "oseast1m"),
    NORTHING: ("northing", "northings", "north", "os northing", "y", "y coordinate", "osnrth1m"),
    POSTCODE: ("postcode", "post code", "postal code", "pcode", "pc"),
    "age_group": ("age group", "age", "age band", "adult or child", "adult child", "minor"),
    "nationality_group": (
        "nationality", "nationality group", "country of origin", "citizenship",
        "country of nationality",
    ),
    SOURCE_ID: (
        "source id", "id", "record id", "case id", "case number", "case no", "case ref",
        "case reference", "reference", "ref", "crime id", "incident number", "urn",
        "nrm reference", "referral id",
    ),
    SYNTHETIC: ("synthetic",),
    MONTH: ("month",),
    CRIME_TYPE: ("crime type",),
}

# Direct identifiers: never stored, never echoed back.
IDENTIFIER_PATTERNS = (
    r"\bnames?\b", r"\bforenames?\b", r"\bsurnames?\b", r"\bfirst name\b", r"\blast name\b",
    r"\bdate of birth\b", r"\bdob\b", r"\bbirth ?date\b", r"\bborn\b",
    r"\bnotes?\b", r"\bcomments?\b", r"\bfree ?text\b", r"\bnarrative\b", r"\bdescription\b",
    r"\bdetails\b", r"\bsummary\b", r"\baddress", r"\bstreet\b", r"\bhouse\b", r"\bflat\b",
    r"\bphone\b", r"\btelephone\b", r"\bmobile\b", r"\be ?mail\b", r"\bni number\b",
    r"\bnational insurance\b", r"\bpassport\b", r"\bnhs\b", r"\bvictim\b", r"\bsuspect\b",
    r"\blocation description\b", r"\blocation\b",
)
_IDENTIFIER = re.compile("|".join(IDENTIFIER_PATTERNS))
# Names of areas are not names of people.
_AREA_PREFIX = re.compile(r"^(lsoa|msoa|oa|ward|borough|lad|district|area|police force)\b")


_LOOKUP = {syn: field for field, syns in FIELD_SYNONYMS.items() for syn in syns}


@dataclass(frozen=True)
class ColumnMatch:
    """How a file's columns were understood.

    Attributes
    ----------
    fields : dict of str to str
        Record field -> the file's column.
    identifiers : tuple of str
        Columns dropped because they hold direct identifiers.
    ignored : tuple of str
        Other columns the atlas does not use (not stored).
    """

    fields: dict[str, str]
    identifiers: tuple[str, ...]
    ignored: tuple[str, ...]


def match_columns(columns) -> ColumnMatch:
    """Match a file's columns to record fields.

    The first column matching a field wins; an identifier pattern beats a field synonym
    only when the column is not an exact synonym (``Location`` is dropped, ``Postcode`` kept).

    Parameters
    ----------
    columns : iterable of str
        The file's column names.

    Returns
    -------
    ColumnMatch

    Examples
    --------
    >>> m = match_columns(["Date of Referral", "Lat", "LONGITUDE", "Full name", "Notes", "x1"])
    >>> m.fields, m.identifiers, m.ignored
    ({'date': 'Date of Referral', 'latitude': 'Lat', 'longitude': 'LONGITUDE'}, \
('Full name', 'Notes'), ('x1',))
    """
    fields: dict[str, str] = {}
    identifiers, ignored = [], []
    for column in columns:
        key = normalise_header(column)
        field = _LOOKUP.get(key)
        if field is not None and field not in fields:
            fields[field] = column
        elif _IDENTIFIER.search(key) and not _AREA_PREFIX.match(key):
            identifiers.append(column)
        else:
            ignored.append(column)
    return ColumnMatch(fields=fields, identifiers=tuple(identifiers), ignored=tuple(ignored))
