"""Reading candidate venues (churches, shelters, transport hubs) for site recommendation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.columns import (
    match_columns,
    normalise_header,
)
from geodata.errors import ImportFileError
from geodata.importing.locating import place
from geodata.importing.rejections import Rows
from geodata.importing.report import ImportReport
from geodata.readers import ROW_NUMBER, read_records
from geodata.schema import (
    WARD_CODE,
    X,
    Y,
)
from geodata.settings import InputLimits, load_settings

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
        return ImportReport.unreadable(name, "venue", error.message)
    columns = match_columns([c for c in raw.frame.columns if not c.startswith("_")])
    rows = Rows(raw.frame[ROW_NUMBER].to_numpy())
    notes = list(raw.notes)
    x, y, codes, _ = place(raw, columns, rows, notes, wards)
    label_col = next(
        (c for c in raw.frame.columns if normalise_header(c) in _VENUE_NAMES), None
    )
    labels = (
        raw.frame[label_col].astype("string").fillna("").str.strip().to_numpy(dtype=object)
        if label_col else np.array([f"Venue on row {r}" for r in rows.rows], dtype=object)
    )
    ok = rows.ok
    accepted = pd.DataFrame({"name": labels[ok], X: x[ok], Y: y[ok], WARD_CODE: codes[ok]})
    return ImportReport.checked(raw, name, "venue", columns, rows, notes, accepted)
