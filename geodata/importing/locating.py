"""Locating rows: coordinates in any common form or a postcode, then the ward.

Common mistakes (swapped or misplaced coordinates) are recognised and named.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.columns import (
    EASTING,
    LATITUDE,
    LONGITUDE,
    NORTHING,
    POSTCODE,
    normalise_header,
)
from geodata.importing.rejections import (
    BAD_POSTCODE,
    DEGREES_AS_EASTINGS,
    EASTINGS_AS_DEGREES,
    NO_LOCATION,
    NOT_GB,
    OUTSIDE,
    SWAPPED,
    UNKNOWN_POSTCODE,
    column_of,
)
from geodata.locate import ward_codes_of
from geodata.parsing import (
    is_blank,
    parse_numbers,
)
from geodata.postcodes import is_postcode, lookup_postcodes, normalise_postcodes
from geodata.projection import to_metric
from geodata.readers import GEOM_X, GEOM_Y


def _in_gb_degrees(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= -9) & (lon <= 2.5) & (lat >= 49) & (lat <= 61)


def place(raw, columns, rows, notes, wards, fix_swapped=False):
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
    outside = located & pd.isna(codes)
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
        mask = mask & pd.isna(reason)
        reason[mask], where[mask] = why, column

    lat_c, lon_c = column_of(raw, columns, LATITUDE), column_of(raw, columns, LONGITUDE)
    if lat_c is not None and lon_c is not None:
        lat, lon = parse_numbers(lat_c), parse_numbers(lon_c)
        both = np.isfinite(lat) & np.isfinite(lon)
        good = both & _in_gb_degrees(lon, lat)
        x[good], y[good] = to_metric(lon[good], lat[good])
        column = columns.fields[LATITUDE]
        flipped = both & ~good & _in_gb_degrees(lat, lon)
        swapped = int(flipped.sum())
        if fix_swapped and swapped:
            x[flipped], y[flipped] = to_metric(lat[flipped], lon[flipped])
            notes.append(f"Latitude and longitude were swapped back in {swapped:,} row(s), "
                         "as asked.")
        else:
            note_problem(flipped, SWAPPED, column)
        note_problem(both & ~good & ((np.abs(lat) > 1000) | (np.abs(lon) > 1000)),
                     EASTINGS_AS_DEGREES, column)
        note_problem(both & ~good, NOT_GB, column)
    e_c, n_c = column_of(raw, columns, EASTING), column_of(raw, columns, NORTHING)
    if e_c is not None and n_c is not None:
        todo = ~np.isfinite(x)
        east, north = parse_numbers(e_c), parse_numbers(n_c)
        both = todo & np.isfinite(east) & np.isfinite(north)
        good = both & (east > 0) & (east < 700_000) & (north > 0) & (north < 1_300_000)
        degrees = both & _in_gb_degrees(east, north)
        generic = normalise_header(columns.fields[EASTING]) in ("x", "x coordinate")
        if generic and degrees.any():
            # Columns named just X and Y holding degrees: longitude and latitude.
            x[degrees], y[degrees] = to_metric(east[degrees], north[degrees])
            notes.append(f"Columns '{columns.fields[EASTING]}' and '{columns.fields[NORTHING]}' "
                         "hold degrees, so they were read as longitude and latitude.")
            good &= ~degrees
        else:
            note_problem(degrees, DEGREES_AS_EASTINGS, columns.fields[EASTING])
        x[good], y[good] = east[good], north[good]
        note_problem(both & ~good & ~np.isfinite(x), NOT_GB, columns.fields[EASTING])
    pc_c = column_of(raw, columns, POSTCODE)
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
    for why in pd.unique(reason[unlocated & pd.notna(reason)]):
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
