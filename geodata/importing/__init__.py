"""Importing record files: read, match columns, validate every row, report, store.

:func:`validate_file` never raises for bad input: it returns an :class:`ImportReport` that
accounts for every row read (accepted + rejected = rows read) and says why each rejected
row was rejected; a file that cannot be read at all gives a report with ``error`` set. A
dry run stops there; :func:`store_report` writes the accepted rows as one dataset.

Rooms: :mod:`~geodata.importing.report` (the report), :mod:`~geodata.importing.rejections`
(reasons, first reason per row), :mod:`~geodata.importing.locating` (coordinates and
postcodes to wards), :mod:`~geodata.importing.duplicates` (ids and content),
:mod:`~geodata.importing.records` (referral and outreach rows),
:mod:`~geodata.importing.crime` (police.uk rows), :mod:`~geodata.importing.venues`
(candidate sites) and :mod:`~geodata.importing.storing` (one dataset, audited).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable

import geopandas as gpd

from geodata.columns import match_columns
from geodata.errors import ImportFileError
from geodata.importing.crime import validate_crime
from geodata.importing.duplicates import DuplicateChecks, hash_source_id
from geodata.importing.records import MIXED, RecordCheck, validate_records
from geodata.importing.rejections import (
    BAD_DATE,
    BAD_MONTH,
    BAD_POSTCODE,
    DEGREES_AS_EASTINGS,
    DUPLICATE_IN_FILE,
    DUPLICATE_STORED,
    EASTINGS_AS_DEGREES,
    FUTURE_DATE,
    NO_CRIME_TYPE,
    NO_DATE,
    NO_LOCATION,
    NOT_GB,
    OLD_DATE,
    OUTSIDE,
    REPEAT_IN_FILE,
    REPEAT_STORED,
    SWAPPED,
    UNKNOWN_KIND,
    UNKNOWN_POSTCODE,
    WRONG_KIND,
)
from geodata.importing.report import ImportReport
from geodata.importing.storing import store_report
from geodata.importing.venues import read_venues
from geodata.readers import read_records
from geodata.schema import CRIME, OUTREACH, REFERRAL
from geodata.settings import InputLimits
from geodata.store import Store

IMPORT_KINDS = (REFERRAL, OUTREACH, CRIME, MIXED)

__all__ = [
    "BAD_DATE",
    "BAD_MONTH",
    "BAD_POSTCODE",
    "DEGREES_AS_EASTINGS",
    "DUPLICATE_IN_FILE",
    "DUPLICATE_STORED",
    "EASTINGS_AS_DEGREES",
    "FUTURE_DATE",
    "IMPORT_KINDS",
    "ImportReport",
    "MIXED",
    "NOT_GB",
    "NO_CRIME_TYPE",
    "NO_DATE",
    "NO_LOCATION",
    "OLD_DATE",
    "OUTSIDE",
    "REPEAT_IN_FILE",
    "REPEAT_STORED",
    "SWAPPED",
    "UNKNOWN_KIND",
    "UNKNOWN_POSTCODE",
    "WRONG_KIND",
    "hash_source_id",
    "read_venues",
    "store_report",
    "validate_file",
]


def validate_file(
    data: bytes,
    name: str,
    *,
    kind: str,
    wards: gpd.GeoDataFrame,
    hash_key: bytes,
    known_hashes: Callable[[list[str]], set[str]] | None = None,
    today: dt.date | None = None,
    progress: Callable[[float, str], None] | None = None,
    limits: InputLimits | None = None,
    store: Store | None = None,
    replacing: int | None = None,
    keep_repeats: bool = False,
    fix_swapped: bool = False,
) -> ImportReport:
    """Check a record file row by row without storing anything (the dry run).

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        The file name (its suffix decides the format).
    kind : {"referral", "outreach", "mixed", "crime"}
        What the file holds; ``mixed`` needs a ``kind`` column.
    wards : geopandas.GeoDataFrame
        Validated wards (EPSG:27700): rows outside every ward are rejected.
    hash_key : bytes
        Key for hashing source ids.
    known_hashes : callable, optional
        Returns which of a list of source-id hashes are already stored.
    today : datetime.date, optional
        For the future-date check; defaults to today.
    progress : callable, optional
        Called with a fraction and a message as the work proceeds.
    limits : InputLimits, optional
        Largest file accepted; defaults to the import limits of the settings. A file over
        a limit is not parsed and gets a report with ``error`` set.
    store : Store, optional
        The store to check for records already stored, by source id and, for rows without
        one, by content (kind, date, place, category); the report's ``overlaps`` says which
        datasets hold them. Replaces ``known_hashes`` when given.
    replacing : int, optional
        A dataset the file is to replace: rows already stored in it are not rejected.
    keep_repeats : bool
        Keep rows without a source id that repeat everything an earlier row of the file
        says (several people found together, recorded alike); by default they are
        rejected. Rows that repeat a stored record are rejected either way.
    fix_swapped : bool
        Read rows whose latitude and longitude are recognisably swapped with the two values
        exchanged back, instead of rejecting them.

    Returns
    -------
    ImportReport

    Raises
    ------
    ValueError
        For a ``kind`` the atlas does not import (a programming error, not bad data).
    """
    if kind not in IMPORT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(IMPORT_KINDS)}, not {kind!r}")
    tell = progress or (lambda fraction, message: None)
    tell(0.05, "Reading the file")
    try:
        raw = read_records(data, name, limits)
    except ImportFileError as error:
        return ImportReport.unreadable(name, kind, error.message)
    except Exception as error:  # noqa: BLE001 - a damaged file must still get a report
        print(f"unexpected error reading {name}: {error!r}", file=sys.stderr)
        return ImportReport.unreadable(name, kind, f"{name}: the file could not be read ({error}).")
    tell(0.25, f"Checking {raw.rows_read:,} rows")
    columns = match_columns([c for c in raw.frame.columns if not c.startswith("_")])
    if kind == CRIME:
        return validate_crime(raw, name, columns, wards, tell, fix_swapped)
    duplicates = DuplicateChecks(
        hash_key=hash_key, known_hashes=known_hashes, store=store, replacing=replacing,
        keep_repeats=keep_repeats,
    )
    check = RecordCheck(kind=kind, wards=wards, duplicates=duplicates,
                        today=today or dt.date.today(), fix_swapped=fix_swapped)
    return validate_records(raw, name, columns, check, tell)
