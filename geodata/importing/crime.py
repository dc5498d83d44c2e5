"""Checking police.uk street-level crime rows (the context layer)."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.columns import (
    CRIME_TYPE,
    MONTH,
    ColumnMatch,
)
from geodata.importing.locating import place
from geodata.importing.rejections import BAD_MONTH, NO_CRIME_TYPE, Rows, column_of
from geodata.importing.report import ImportReport
from geodata.readers import ROW_NUMBER, RawTable
from geodata.schema import (
    CRIME,
    CRIME_MONTH,
    WARD_CODE,
    X,
    Y,
)
from geodata.schema import CRIME_TYPE as STORE_CRIME_TYPE


def validate_crime(
    raw: RawTable,
    name: str,
    columns: ColumnMatch,
    wards: gpd.GeoDataFrame,
    tell: Callable[[float, str], None],
    fix_swapped: bool = False,
) -> ImportReport:
    """Check police.uk street-level crime rows: month, crime type and place."""
    frame = raw.frame
    rows = Rows(frame[ROW_NUMBER].to_numpy())
    notes = list(raw.notes)
    month = column_of(raw, columns, MONTH)
    crime_type = column_of(raw, columns, CRIME_TYPE)
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
    x, y, codes, swapped = place(raw, columns, rows, notes, wards, fix_swapped)
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
    return ImportReport.checked(
        raw, name, CRIME, columns, rows, notes, accepted, swapped=swapped,
        swapped_fixed=fix_swapped and swapped > 0,
    )
