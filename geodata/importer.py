"""Importing record files: read, match columns, validate every row, report, store.

:func:`validate_file` never raises for bad input: it returns an :class:`ImportReport` that
accounts for every row read (accepted + rejected = rows read) and says why each rejected
row was rejected; a file that cannot be read at all gives a report with ``error`` set. A
dry run stops there; :func:`store_report` writes the accepted rows as one dataset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from geodata import vocab
from geodata.columns import (
    CRIME_TYPE,
    EASTING,
    LATITUDE,
    LONGITUDE,
    MONTH,
    NORTHING,
    POSTCODE,
    SOURCE_ID,
    SYNTHETIC,
    ColumnMatch,
    match_columns,
    normalise_header,
)
from geodata.errors import ImportFileError
from geodata.escaping import csv_safe
from geodata.locate import ward_codes_of
from geodata.parsing import (
    EARLIEST,
    is_blank,
    parse_age_groups,
    parse_dates,
    parse_nationality_groups,
    parse_numbers,
)
from geodata.postcodes import is_postcode, lookup_postcodes, normalise_postcodes
from geodata.readers import GEOM_X, GEOM_Y, ROW_NUMBER, RawTable, read_records
from geodata.schema import (
    AGE_GROUP,
    CATEGORY,
    CRS_METRIC,
    CRS_WGS84,
    DATE,
    KIND,
    NATIONALITY_GROUP,
    OUTREACH,
    RECORD_COLUMNS,
    RECORD_ID,
    REFERRAL,
    SOURCE,
    SOURCE_ID_HASH,
    WARD_CODE,
    X,
    Y,
)
from geodata.settings import InputLimits, load_settings
from geodata.store import CRIME, CRIME_MONTH, Store, content_keys
from geodata.store import CRIME_TYPE as STORE_CRIME_TYPE

MIXED = "mixed"
IMPORT_KINDS = (REFERRAL, OUTREACH, CRIME, MIXED)

# Reasons a row is rejected (the report's words).
NO_DATE = "no date"
BAD_DATE = "unreadable date (use 2023-09-24, 24/09/2023 or an Excel date)"
FUTURE_DATE = "date in the future"
OLD_DATE = "date before 2000"
NO_LOCATION = "no location (no coordinates or postcode)"
SWAPPED = "latitude and longitude swapped"
EASTINGS_AS_DEGREES = "eastings/northings in the latitude/longitude columns"
DEGREES_AS_EASTINGS = "latitude/longitude in the easting/northing columns"
NOT_GB = "coordinates outside Great Britain"
BAD_POSTCODE = "not a valid UK postcode"
UNKNOWN_POSTCODE = "unknown postcode"
OUTSIDE = "outside Barnet"
DUPLICATE_IN_FILE = "duplicate of an earlier row in this file"
DUPLICATE_STORED = "duplicate of a record already stored"
REPEAT_IN_FILE = "same date, place, category and details as an earlier row in this file"
REPEAT_STORED = "same date, place, category and details as a record already stored"
WRONG_KIND = "kind does not match the import"
UNKNOWN_KIND = "unknown kind (use referral or outreach)"
BAD_MONTH = "unreadable month (use 2023-01)"
NO_CRIME_TYPE = "no crime type"

_TO_METRIC = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True)
_KIND_WORDS = {
    REFERRAL: {"referral", "referrals", "nrm", "nrm referral", "duty to notify", "dtn"},
    OUTREACH: {"outreach", "outreach activity", "activity", "visit", "patrol"},
}
_TRUE = {"yes", "true", "1", "y", "synthetic", "synthetic demo data"}


@dataclass(frozen=True)
class ImportReport:
    """What an import found, row by row.

    Attributes
    ----------
    file_name : str
    kind : str
        ``referral``, ``outreach``, ``mixed`` or ``crime``.
    rows_read : int
        Every record row in the file.
    accepted : pandas.DataFrame
        The rows to store, in canonical form (records or crime rows).
    rejected : pandas.DataFrame
        ``row`` (spreadsheet row number, header = 1), ``reason``, ``column`` (blank when
        no one column is to blame).
    columns : ColumnMatch or None
        How the columns were understood.
    fallbacks : dict of str to dict
        Values mapped to "not known" or "other", per field, with counts.
    notes : tuple of str
        How the file was read and any whole-file problem recognised.
    synthetic : bool
        The file marks its records as synthetic demo data.
    error : str or None
        Set when the file could not be read at all.
    rejected_values : pandas.DataFrame
        The rejected rows' own values in the columns the atlas reads, under the file's own
        headers, indexed by row number (blank cells empty). Dropped identifying columns and
        unused columns are never kept.
    overlaps : dict of int to int
        Dataset id -> how many rows of this file are already stored in it (same source id,
        or same content for rows without one).
    replacing : int or None
        The dataset this import is checked to replace: rows already stored in it are
        accepted, not rejected.
    swapped : int
        Rows recognised as having latitude and longitude swapped.
    swapped_fixed : bool
        Whether those rows were read with the two values exchanged back.
    """

    file_name: str
    kind: str
    rows_read: int
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    columns: ColumnMatch | None = None
    fallbacks: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    synthetic: bool = False
    error: str | None = None
    rejected_values: pd.DataFrame = field(default_factory=pd.DataFrame)
    overlaps: dict[int, int] = field(default_factory=dict)
    replacing: int | None = None
    swapped: int = 0
    swapped_fixed: bool = False

    @property
    def rows_accepted(self) -> int:
        """Rows that can be stored."""
        return len(self.accepted)

    @property
    def rows_rejected(self) -> int:
        """Rows that cannot, each with a reason."""
        return len(self.rejected)

    def reasons(self) -> pd.Series:
        """Return how many rows were rejected for each reason, most frequent first."""
        return self.rejected["reason"].value_counts()

    def summary(self) -> list[str]:
        """Return the report in plain sentences."""
        if self.error:
            return [f"The file could not be read: {self.error}"]
        lines = [
            f"{self.file_name}: {self.rows_read:,} rows read, {self.rows_accepted:,} "
            f"accepted, {self.rows_rejected:,} rejected ({self.kind} records).",
            *self.notes,
        ]
        for reason, count in self.reasons().items():
            rows = self.rejected.loc[self.rejected["reason"] == reason, "row"].head(5).tolist()
            more = " ..." if count > 5 else ""
            lines.append(f"Rejected, {reason}: {count:,} (rows {', '.join(map(str, rows))}{more}).")
        if self.columns is not None:
            used = ", ".join(f"{f} ← '{c}'" for f, c in self.columns.fields.items())
            lines.append(f"Columns used: {used or 'none'}.")
            if self.columns.identifiers:
                lines.append(
                    "Dropped, never stored (identifying): "
                    + ", ".join(f"'{c}'" for c in self.columns.identifiers) + "."
                )
            if self.columns.ignored:
                lines.append(
                    "Not used, not stored: "
                    + ", ".join(f"'{c}'" for c in self.columns.ignored) + "."
                )
        lines.extend(self._overlap_lines())
        for what, counts in self.fallbacks.items():
            listed = ", ".join(f"'{v}' ({n:,})" for v, n in list(counts.items())[:8])
            lines.append(f"Unrecognised {what} recorded as '{_fallback_word(what)}': {listed}.")
        if self.synthetic:
            lines.append("The file is marked as SYNTHETIC DEMO DATA.")
        return lines

    def _overlap_lines(self) -> list[str]:
        lines = []
        for dataset_id, count in sorted(self.overlaps.items()):
            if dataset_id == self.replacing:
                lines.append(
                    f"Dataset {dataset_id} will be replaced: its records are deleted and this "
                    f"file's {self.rows_accepted:,} accepted rows stored in their place, in one "
                    f"step ({count:,} of them were already stored in it)."
                )
            else:
                lines.append(
                    f"{count:,} row(s) of this file are already stored in dataset {dataset_id}: "
                    "they are left out, so storing adds only the new rows. To store the whole "
                    f"file in place of dataset {dataset_id}, replace it instead."
                )
        if self.replacing is not None and self.replacing not in self.overlaps:
            lines.append(
                f"Dataset {self.replacing} will be replaced: its records are deleted and this "
                f"file's {self.rows_accepted:,} accepted rows stored in their place, in one step."
            )
        return lines

    def rejected_rows(self) -> pd.DataFrame:
        """Return every rejected row with its reason and its own values, blanks empty.

        Columns: ``row``, ``reason``, ``column``, then the file's columns the atlas reads
        (see :attr:`rejected_values`), so the rows can be fixed and imported again.
        """
        table = self.rejected.copy()
        table["column"] = table["column"].fillna("")
        values = self.rejected_values
        if values.empty or table.empty:
            return table
        extra = values.reindex(table["row"].to_numpy()).fillna("").reset_index(drop=True)
        extra.columns = [c if c not in table.columns else f"{c} (file)" for c in extra.columns]
        return pd.concat([table.reset_index(drop=True), extra], axis=1)

    def to_csv(self) -> bytes:
        """Return the rejected rows as a formula-safe CSV (row, reason, column, values).

        A text cell a spreadsheet would read as a formula gets a leading apostrophe;
        plain numbers (``-0.2``) are left as they are, so the file imports again.
        """
        table = self.rejected_rows()
        safe = pd.DataFrame(
            {csv_safe(str(c)): table[c].map(_csv_cell) for c in table.columns},
            index=table.index,
        )
        return safe.to_csv(index=False).encode("utf-8")


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def _csv_cell(value: object) -> object:
    """Make one cell formula-safe, leaving plain numbers as they are."""
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return csv_safe(value)


def _fallback_word(what: str) -> str:
    return "other" if what == "outreach category" else vocab.NOT_KNOWN


def _unreadable(name: str, kind: str, message: str) -> ImportReport:
    return ImportReport(
        file_name=name,
        kind=kind,
        rows_read=0,
        accepted=pd.DataFrame(),
        rejected=pd.DataFrame(columns=["row", "reason", "column"]),
        error=message,
    )


def hash_source_id(values: pd.Series, key: bytes) -> np.ndarray:
    """Return a keyed hash (HMAC-SHA256) of each non-blank source id; ``None`` for blanks.

    The id itself is never stored; the hash only detects duplicates.
    """
    text = values.astype("string").fillna("").str.strip().str.upper()
    return np.array(
        [
            hmac.new(key, t.encode("utf-8"), hashlib.sha256).hexdigest() if t else None
            for t in text
        ],
        dtype=object,
    )


class _Rows:
    """The first reason each row is rejected for (later checks do not overwrite it)."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.reason = np.full(len(rows), None, dtype=object)
        self.column = np.full(len(rows), None, dtype=object)

    def reject(self, mask: np.ndarray, reason: str, column: str | None) -> None:
        mask = np.asarray(mask, dtype=bool) & (self.reason == None)  # noqa: E711 - elementwise
        self.reason[mask] = reason
        self.column[mask] = column

    @property
    def ok(self) -> np.ndarray:
        return self.reason == None  # noqa: E711 - elementwise comparison on an object array

    def frame(self, broken: list[tuple[int, str]]) -> pd.DataFrame:
        bad = ~self.ok
        column = self.column[bad]
        rejected = pd.DataFrame(
            {"row": self.rows[bad], "reason": self.reason[bad],
             "column": np.where(column == None, "", column)}  # noqa: E711 - elementwise
        )
        if broken:
            rejected = pd.concat(
                [
                    pd.DataFrame(
                        {
                            "row": [r for r, _ in broken],
                            "reason": [f"broken row: {why}" for _, why in broken],
                            "column": "",
                        }
                    ),
                    rejected,
                ],
                ignore_index=True,
            )
        return rejected.sort_values("row", kind="stable", ignore_index=True)


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
        return _unreadable(name, kind, error.message)
    except Exception as error:  # noqa: BLE001 - a damaged file must still get a report
        print(f"unexpected error reading {name}: {error!r}", file=sys.stderr)
        return _unreadable(name, kind, f"{name}: the file could not be read ({error}).")
    tell(0.25, f"Checking {raw.rows_read:,} rows")
    columns = match_columns([c for c in raw.frame.columns if not c.startswith("_")])
    if kind == CRIME:
        return _validate_crime(raw, name, columns, wards, tell, fix_swapped)
    checks = _DuplicateChecks(
        hash_key=hash_key, known_hashes=known_hashes, store=store, replacing=replacing,
        keep_repeats=keep_repeats,
    )
    return _validate_records(
        raw, name, kind, columns, wards, checks, today or dt.date.today(), tell, fix_swapped
    )


def _column(raw: RawTable, columns: ColumnMatch, field_name: str) -> pd.Series | None:
    source = columns.fields.get(field_name)
    return None if source is None else raw.frame[source].reset_index(drop=True)


def _validate_records(raw, name, kind, columns, wards, checks, today, tell, fix_swapped):
    frame = raw.frame
    n = len(frame)
    rows = _Rows(frame[ROW_NUMBER].to_numpy())
    notes = list(raw.notes)
    kinds = _record_kinds(raw, columns, kind, rows)
    dates = _check_dates(_column(raw, columns, DATE), columns, rows, today)
    tell(0.45, "Locating rows")
    x, y, codes, swapped = _place(raw, columns, rows, notes, wards, fix_swapped)
    tell(0.7, "Checking categories and duplicates")
    fallbacks: dict[str, dict[str, int]] = {}
    categories = _categories(_column(raw, columns, CATEGORY), kinds, fallbacks)
    sources = _sources(_column(raw, columns, SOURCE), kinds, fallbacks)
    is_referral = kinds == REFERRAL
    ages = np.where(is_referral, _optional(raw, columns, AGE_GROUP, parse_age_groups, n), None)
    nationalities = np.where(
        is_referral,
        _optional(raw, columns, NATIONALITY_GROUP, parse_nationality_groups, n),
        None,
    )
    content = pd.DataFrame({
        KIND: kinds, DATE: dates, X: x, Y: y, CATEGORY: categories, SOURCE: sources,
        AGE_GROUP: ages, NATIONALITY_GROUP: nationalities,
    })
    hashes, overlaps = checks.run(_column(raw, columns, SOURCE_ID), content, rows)
    ok = rows.ok
    token = secrets.token_hex(8)
    accepted = pd.DataFrame(
        {
            RECORD_ID: [f"{token}-{r}" for r in rows.rows[ok]],
            KIND: kinds[ok],
            DATE: dates[ok].astype("datetime64[s]"),
            CATEGORY: categories[ok],
            SOURCE: sources[ok],
            X: np.round(x[ok], 1),
            Y: np.round(y[ok], 1),
            WARD_CODE: codes[ok],
            AGE_GROUP: ages[ok],
            NATIONALITY_GROUP: nationalities[ok],
            SOURCE_ID_HASH: hashes[ok],
        },
        columns=[*RECORD_COLUMNS, SOURCE_ID_HASH],
    )
    synthetic_col = _column(raw, columns, SYNTHETIC)
    synthetic = bool(
        synthetic_col is not None
        and synthetic_col.astype("string").str.strip().str.lower().isin(_TRUE).any()
    )
    tell(1.0, "Checked")
    return ImportReport(
        file_name=name,
        kind=kind,
        rows_read=raw.rows_read,
        accepted=accepted,
        rejected=rows.frame(raw.broken),
        columns=columns,
        fallbacks=fallbacks,
        notes=tuple(notes),
        synthetic=synthetic,
        rejected_values=_rejected_values(raw, columns, rows),
        overlaps=overlaps,
        replacing=checks.replacing,
        swapped=swapped,
        swapped_fixed=fix_swapped and swapped > 0,
    )


def _rejected_values(raw: RawTable, columns: ColumnMatch, rows: _Rows) -> pd.DataFrame:
    """Return the rejected rows' own values in the columns the atlas reads, blanks empty."""
    used = [c for c in raw.frame.columns if c in set(columns.fields.values())]
    bad = ~rows.ok
    values = raw.frame.loc[bad, used].map(_cell_text)
    values.index = pd.Index(rows.rows[bad], name="row")
    return values


def _cell_text(value: object) -> object:
    """Return a cell as the file held it: blank for missing, a date as ISO text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _record_kinds(raw, columns, kind, rows) -> np.ndarray:
    n = len(raw.frame)
    column = _column(raw, columns, KIND)
    if column is None:
        if kind == MIXED:
            rows.reject(np.ones(n, dtype=bool), "no kind (a mixed file needs a 'kind' column)",
                        None)
        return np.full(n, kind if kind != MIXED else REFERRAL, dtype=object)
    text = column.astype("string").fillna("").str.strip().str.lower()
    kinds = np.full(n, None, dtype=object)
    for canonical, words in _KIND_WORDS.items():
        kinds[text.isin(words).to_numpy()] = canonical
    blank = (text == "").to_numpy()
    if kind != MIXED:
        kinds[blank] = kind
        rows.reject((kinds != kind) & (kinds != None), WRONG_KIND, columns.fields[KIND])  # noqa: E711
    rows.reject(kinds == None, UNKNOWN_KIND, columns.fields[KIND])  # noqa: E711
    kinds[kinds == None] = REFERRAL  # placeholder for rejected rows  # noqa: E711
    return kinds


def _check_dates(column, columns, rows, today) -> np.ndarray:
    n = len(rows.rows)
    if column is None:
        rows.reject(np.ones(n, dtype=bool), f"{NO_DATE} (the file has no date column)", None)
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    source = columns.fields[DATE]
    dates = parse_dates(column)
    rows.reject(is_blank(column), NO_DATE, source)
    rows.reject(np.isnat(dates), BAD_DATE, source)
    rows.reject(~np.isnat(dates) & (dates > np.datetime64(today, "D")), FUTURE_DATE, source)
    rows.reject(~np.isnat(dates) & (dates < EARLIEST), OLD_DATE, source)
    return dates


def _in_gb_degrees(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= -9) & (lon <= 2.5) & (lat >= 49) & (lat <= 61)


def _place(raw, columns, rows, notes, wards, fix_swapped=False):
    """Locate every row, find its ward, and reject the rows outside Barnet.

    Returns
    -------
    tuple
        x, y (EPSG:27700, NaN where unknown), the ward code of each row (or None) and how
        many rows had latitude and longitude recognisably swapped.
    """
    x, y, swapped = _locate(raw, columns, rows, notes, fix_swapped)
    codes = np.full(len(x), None, dtype=object)
    located = np.isfinite(x) & np.isfinite(y)
    codes[located] = ward_codes_of(x[located], y[located], wards)
    outside = located & (codes == None)  # noqa: E711 - elementwise
    if located.any() and outside.sum() == located.sum():
        notes.append(
            f"None of the {int(located.sum()):,} located rows lies in Barnet: check that the "
            "coordinate columns hold Barnet locations in the stated system."
        )
    rows.reject(outside, OUTSIDE, None)
    return x, y, codes, swapped


def _locate(raw, columns, rows, notes, fix_swapped) -> tuple[np.ndarray, np.ndarray, int]:
    """Coordinates in EPSG:27700 from lat/lon, easting/northing, postcode or geometry."""
    n = len(raw.frame)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    swapped = 0
    reason = np.full(n, None, dtype=object)
    where = np.full(n, None, dtype=object)

    def note_problem(mask, why, column):
        mask = mask & (reason == None)  # noqa: E711
        reason[mask], where[mask] = why, column

    lat_c, lon_c = _column(raw, columns, LATITUDE), _column(raw, columns, LONGITUDE)
    if lat_c is not None and lon_c is not None:
        lat, lon = parse_numbers(lat_c), parse_numbers(lon_c)
        both = np.isfinite(lat) & np.isfinite(lon)
        good = both & _in_gb_degrees(lon, lat)
        x[good], y[good] = _TO_METRIC.transform(lon[good], lat[good])
        column = columns.fields[LATITUDE]
        flipped = both & ~good & _in_gb_degrees(lat, lon)
        swapped = int(flipped.sum())
        if fix_swapped and swapped:
            x[flipped], y[flipped] = _TO_METRIC.transform(lat[flipped], lon[flipped])
            notes.append(f"Latitude and longitude were swapped back in {swapped:,} row(s), "
                         "as asked.")
        else:
            note_problem(flipped, SWAPPED, column)
        note_problem(both & ~good & ((np.abs(lat) > 1000) | (np.abs(lon) > 1000)),
                     EASTINGS_AS_DEGREES, column)
        note_problem(both & ~good, NOT_GB, column)
    e_c, n_c = _column(raw, columns, EASTING), _column(raw, columns, NORTHING)
    if e_c is not None and n_c is not None:
        todo = ~np.isfinite(x)
        east, north = parse_numbers(e_c), parse_numbers(n_c)
        both = todo & np.isfinite(east) & np.isfinite(north)
        good = both & (east > 0) & (east < 700_000) & (north > 0) & (north < 1_300_000)
        degrees = both & _in_gb_degrees(east, north)
        generic = normalise_header(columns.fields[EASTING]) in ("x", "x coordinate")
        if generic and degrees.any():
            # Columns named just X and Y holding degrees: longitude and latitude.
            x[degrees], y[degrees] = _TO_METRIC.transform(east[degrees], north[degrees])
            notes.append(f"Columns '{columns.fields[EASTING]}' and '{columns.fields[NORTHING]}' "
                         "hold degrees, so they were read as longitude and latitude.")
            good &= ~degrees
        else:
            note_problem(degrees, DEGREES_AS_EASTINGS, columns.fields[EASTING])
        x[good], y[good] = east[good], north[good]
        note_problem(both & ~good & ~np.isfinite(x), NOT_GB, columns.fields[EASTING])
    pc_c = _column(raw, columns, POSTCODE)
    if pc_c is not None:
        todo = ~np.isfinite(x) & ~is_blank(pc_c)
        codes = normalise_postcodes(pc_c)
        shaped = todo & is_postcode(codes).to_numpy()
        note_problem(todo & ~shaped, BAD_POSTCODE, columns.fields[POSTCODE])
        if shaped.any():
            east, north = lookup_postcodes(codes[shaped])
            found = np.isfinite(east)
            idx = np.flatnonzero(shaped)
            x[idx[found]], y[idx[found]] = east[found], north[found]
            missing = np.zeros(n, dtype=bool)
            missing[idx[~found]] = True
            note_problem(missing, UNKNOWN_POSTCODE, columns.fields[POSTCODE])
    if GEOM_X in raw.frame:
        gx, gy = raw.frame[GEOM_X].to_numpy(float), raw.frame[GEOM_Y].to_numpy(float)
        use = ~np.isfinite(x) & np.isfinite(gx)
        x[use], y[use] = gx[use], gy[use]
    unlocated = ~np.isfinite(x)
    for why in pd.unique(reason[unlocated & (reason != None)]):  # noqa: E711
        mask = unlocated & (reason == why)
        rows.reject(mask, why, where[mask][0])
    rows.reject(unlocated, NO_LOCATION, None)
    for why in (SWAPPED, EASTINGS_AS_DEGREES, DEGREES_AS_EASTINGS):
        count = int((unlocated & (reason == why)).sum())
        if count:
            notes.append(f"Recognised a common mistake in {count:,} row(s): {why}.")
            if why == SWAPPED:
                notes.append("Choose to swap them back (--fix-swapped on the command line) "
                             "to read these rows with the two values exchanged.")
    return x, y, swapped


def _categories(column, kinds, fallbacks) -> np.ndarray:
    n = len(kinds)
    if column is None:
        return np.array([vocab.fallback_category(k) for k in kinds], dtype=object)
    out = np.empty(n, dtype=object)
    values = column.astype("string").fillna("").to_numpy(dtype=object)
    for kind in (REFERRAL, OUTREACH):
        rows = np.flatnonzero(kinds == kind)
        if not len(rows):
            continue
        uniques, inverse = np.unique(values[rows].astype(str), return_inverse=True)
        mapped = np.array([vocab.match_category(kind, u) for u in uniques], dtype=object)
        unknown = [u for u, m in zip(uniques, mapped, strict=True) if m is None]
        if unknown:
            counts = Counter(values[rows][np.isin(values[rows].astype(str), unknown)])
            fallbacks[f"{kind} category"] = dict(counts.most_common())
        mapped[mapped == None] = vocab.fallback_category(kind)  # noqa: E711
        out[rows] = mapped[inverse]
    return out


def _sources(column, kinds, fallbacks) -> np.ndarray:
    lists = vocab.load_vocabulary()
    n = len(kinds)
    if column is None:
        return np.full(n, vocab.NOT_KNOWN, dtype=object)
    text = column.astype("string").fillna("").str.strip()
    out = np.full(n, vocab.NOT_KNOWN, dtype=object)
    unknown: Counter = Counter()
    for kind in (REFERRAL, OUTREACH):
        allowed = {normalise_header(s): s for s in lists.sources_for(kind)}
        rows = kinds == kind
        keys = text[rows].map(normalise_header)
        mapped = keys.map(allowed)
        out[rows] = mapped.fillna(vocab.NOT_KNOWN).to_numpy(dtype=object)
        unknown.update(text[rows][mapped.isna() & (keys != "")].tolist())
    if unknown:
        fallbacks["source or team"] = dict(unknown.most_common())
    return out


def _optional(raw, columns, field_name, parser, n) -> np.ndarray:
    column = _column(raw, columns, field_name)
    return np.full(n, vocab.NOT_KNOWN, dtype=object) if column is None else parser(column)


@dataclass(frozen=True)
class _DuplicateChecks:
    """How rows are matched with each other and with the stored records.

    A row with a source id is the same record as another with the same id. A row without
    one is the same as another with the same content: kind, day, place, category, source
    and age and nationality groups (:func:`geodata.store.content_keys`).
    """

    hash_key: bytes
    known_hashes: Callable[[list[str]], set[str]] | None = None
    store: Store | None = None
    replacing: int | None = None
    keep_repeats: bool = False

    def run(self, column, content: pd.DataFrame, rows: _Rows) -> tuple[np.ndarray, dict]:
        """Reject duplicates; return the source-id hashes and the overlap per dataset."""
        n = len(rows.rows)
        overlaps: Counter = Counter()
        if column is None:
            hashes = np.full(n, None, dtype=object)
        else:
            hashes = hash_source_id(column, self.hash_key)
        has = np.array([h is not None for h in hashes], dtype=bool)
        if has.any():
            series = pd.Series(hashes)
            rows.reject(has & series.duplicated(keep="first").to_numpy(), DUPLICATE_IN_FILE,
                        column.name)
            if self.store is not None:
                found = self.store.datasets_by_hash(hashes[has].tolist())
                held = [found.get(h, set()) if h is not None else set() for h in hashes]
                self._against_store(held, rows, overlaps, DUPLICATE_STORED, column.name)
            elif self.known_hashes is not None:
                stored = self.known_hashes(hashes[has].tolist())
                rows.reject(has & series.isin(stored).to_numpy(), DUPLICATE_STORED, column.name)
        unnamed = rows.ok & ~has
        if unnamed.any():
            keys = np.full(n, None, dtype=object)
            keys[rows.ok] = content_keys(content[rows.ok])
            if not self.keep_repeats:
                located = pd.Series(keys).where(rows.ok)
                repeat = located.duplicated(keep="first").to_numpy() & located.notna().to_numpy()
                rows.reject(repeat & unnamed, REPEAT_IN_FILE, None)
            unnamed &= rows.ok
            if self.store is not None and unnamed.any():
                found = self.store.datasets_by_content(content[unnamed])
                held = [found.get(k, set()) if u else set()
                        for k, u in zip(keys, unnamed, strict=True)]
                self._against_store(held, rows, overlaps, REPEAT_STORED, None)
        return hashes, dict(overlaps)

    def _against_store(self, held, rows, overlaps, reason, column) -> None:
        """Count each row's datasets; reject rows stored in any but the one replaced."""
        open_rows = rows.ok
        stored = np.zeros(len(held), dtype=bool)
        for i, datasets in enumerate(held):
            if datasets and open_rows[i]:
                overlaps.update(datasets)
                stored[i] = bool(datasets - {self.replacing})
        rows.reject(stored, reason, column)


def _validate_crime(raw, name, columns, wards, tell, fix_swapped=False) -> ImportReport:
    frame = raw.frame
    rows = _Rows(frame[ROW_NUMBER].to_numpy())
    notes = list(raw.notes)
    month = _column(raw, columns, MONTH)
    crime_type = _column(raw, columns, CRIME_TYPE)
    n = len(frame)
    if month is None or crime_type is None:
        rows.reject(
            np.ones(n, dtype=bool),
            "not a police.uk street-level file (needs Month and Crime type columns)",
            None,
        )
        months = types = np.full(n, None, dtype=object)
    else:
        text = month.astype("string").fillna("").str.strip()
        good = text.str.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])").fillna(False).to_numpy(bool)
        rows.reject(~good, BAD_MONTH, columns.fields[MONTH])
        months = text.to_numpy(dtype=object)
        types = crime_type.astype("string").fillna("").str.strip().to_numpy(dtype=object)
        rows.reject(types == "", NO_CRIME_TYPE, columns.fields[CRIME_TYPE])
    x, y, codes, swapped = _place(raw, columns, rows, notes, wards, fix_swapped)
    ok = rows.ok
    tell(1.0, "Checked")
    accepted = pd.DataFrame(
        {
            CRIME_MONTH: months[ok],
            STORE_CRIME_TYPE: types[ok],
            X: np.round(x[ok], 1),
            Y: np.round(y[ok], 1),
            WARD_CODE: codes[ok],
        }
    )
    return ImportReport(
        file_name=name,
        kind=CRIME,
        rows_read=raw.rows_read,
        accepted=accepted,
        rejected=rows.frame(raw.broken),
        columns=columns,
        notes=tuple(notes),
        rejected_values=_rejected_values(raw, columns, rows),
        swapped=swapped,
        swapped_fixed=fix_swapped and swapped > 0,
    )


_VENUE_NAMES = ("venue", "venue name", "site", "site name", "name", "place", "premises")


def read_venues(
    data: bytes, name: str, *, wards: gpd.GeoDataFrame, limits: InputLimits | None = None
) -> ImportReport:
    """Read candidate venues (churches, shelters, transport hubs...) for site recommendation.

    Venues are places, not people, so their names are kept. Locations come in any of the
    forms records accept; venues outside Barnet are rejected like records.

    Parameters
    ----------
    data : bytes
    name : str
        File name (its suffix decides the format).
    wards : geopandas.GeoDataFrame
    limits : InputLimits, optional
        Defaults to the venue limits of the settings, smaller than the import limits:
        viewers may upload venues.

    Returns
    -------
    ImportReport
        ``accepted`` has ``name, x, y, ward_code``.
    """
    try:
        raw = read_records(data, name, limits or load_settings().venue_limits)
    except ImportFileError as error:
        return _unreadable(name, "venue", error.message)
    columns = match_columns([c for c in raw.frame.columns if not c.startswith("_")])
    rows = _Rows(raw.frame[ROW_NUMBER].to_numpy())
    notes = list(raw.notes)
    x, y, codes, _ = _place(raw, columns, rows, notes, wards)
    label_col = next(
        (c for c in raw.frame.columns if normalise_header(c) in _VENUE_NAMES), None
    )
    labels = (
        raw.frame[label_col].astype("string").fillna("").str.strip().to_numpy(dtype=object)
        if label_col else np.array([f"Venue on row {r}" for r in rows.rows], dtype=object)
    )
    ok = rows.ok
    accepted = pd.DataFrame({"name": labels[ok], X: x[ok], Y: y[ok], WARD_CODE: codes[ok]})
    return ImportReport(
        file_name=name, kind="venue", rows_read=raw.rows_read, accepted=accepted,
        rejected=rows.frame(raw.broken), columns=columns, notes=tuple(notes),
    )


def store_report(
    store: Store,
    report: ImportReport,
    *,
    imported_by: str,
    name: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> int:
    """Store the accepted rows of a report as one dataset (atomically) and audit it.

    When the report was checked to replace a dataset (``report.replacing``), that dataset
    is deleted in the same transaction.

    Parameters
    ----------
    store : Store
    report : ImportReport
        From :func:`validate_file`; must have accepted rows.
    imported_by : str
    name : str, optional
        Dataset name; defaults to the file name.
    progress : callable, optional
        Called with the fraction written.

    Returns
    -------
    int
        The dataset id.

    Raises
    ------
    ValueError
        When the report has nothing to store.
    LookupError
        When the dataset to replace is no longer stored (nothing is changed).
    """
    if report.error or not report.rows_accepted:
        raise ValueError("the report has no accepted rows to store")
    dataset_id = store.add_dataset(
        name=name or report.file_name,
        kind=report.kind,
        rows=report.accepted,
        imported_by=imported_by,
        rows_read=report.rows_read,
        rows_rejected=report.rows_rejected,
        synthetic=report.synthetic,
        progress=progress,
        replaces=report.replacing,
    )
    store.audit(
        user=imported_by,
        action="import",
        what=name or report.file_name,
        details={
            "dataset_id": dataset_id,
            "kind": report.kind,
            "rows_read": report.rows_read,
            "rows_accepted": report.rows_accepted,
            "rows_rejected": report.rows_rejected,
            "replaced_dataset_id": report.replacing,
        },
    )
    return dataset_id


