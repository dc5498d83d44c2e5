"""Why rows are rejected: the reasons in the report's words, and the first reason per row."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geodata.columns import (
    ColumnMatch,
)
from geodata.readers import RawTable

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



class Rows:
    """The first reason each row is rejected for (later checks do not overwrite it)."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.rejected = np.zeros(len(rows), dtype=bool)
        self.reason = np.full(len(rows), "", dtype=object)
        self.column = np.full(len(rows), "", dtype=object)

    def reject(self, mask: np.ndarray, reason: str, column: str | None) -> None:
        """Reject the rows in ``mask`` not already rejected, naming the column to blame."""
        mask = np.asarray(mask, dtype=bool) & ~self.rejected
        self.rejected |= mask
        self.reason[mask] = reason
        self.column[mask] = column or ""

    @property
    def ok(self) -> np.ndarray:
        """Return which rows are still accepted."""
        return ~self.rejected

    def frame(self, broken: list[tuple[int, str]]) -> pd.DataFrame:
        """Return the rejected rows and lines that could not be split, in row order."""
        bad = self.rejected
        rejected = pd.DataFrame(
            {"row": self.rows[bad], "reason": self.reason[bad], "column": self.column[bad]}
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


def column_of(raw: RawTable, columns: ColumnMatch, field_name: str) -> pd.Series | None:
    """Return the file's column for a record field, or None when the file has none."""
    source = columns.fields.get(field_name)
    return None if source is None else raw.frame[source].reset_index(drop=True)


def rejected_values(raw: RawTable, columns: ColumnMatch, rows: Rows) -> pd.DataFrame:
    """Return the rejected rows' own values in the columns the atlas reads, blanks empty."""
    used = [c for c in raw.frame.columns if c in set(columns.fields.values())]
    bad = ~rows.ok
    values = raw.frame.loc[bad, used].map(cell_text)
    values.index = pd.Index(rows.rows[bad], name="row")
    return values


def cell_text(value: object) -> object:
    """Return a cell as the file held it: blank for missing, a date as ISO text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
