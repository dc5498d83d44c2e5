"""Names shared by every layer: coordinate systems, Barnet's identity and column names."""

from __future__ import annotations

import datetime as dt

# All metric work happens in British National Grid; WGS84 only where the map is built.
CRS_METRIC = "EPSG:27700"
CRS_WGS84 = "EPSG:4326"

BARNET_LAD_CODE = "E09000003"
BARNET_NAME = "Barnet"
# Barnet has had 24 wards since the May 2022 elections.
BARNET_WARD_COUNT = 24
BARNET_WARD_CODES = tuple(f"E0501{n}" for n in range(3628, 3652))

# Ward table columns after normalisation (whatever year suffix the source used).
WARD_CODE = "ward_code"
WARD_NAME = "ward_name"

# Canonical record columns (docs/records.md).
RECORD_ID = "record_id"
KIND = "kind"
DATE = "date"
CATEGORY = "category"
SOURCE = "source"
X = "x"  # easting, EPSG:27700, metres
Y = "y"  # northing, EPSG:27700, metres
AGE_GROUP = "age_group"
NATIONALITY_GROUP = "nationality_group"
SOURCE_ID_HASH = "source_id_hash"
DATASET_ID = "dataset_id"
# The cell-key method's random key of a record, fixed at import (geodata.release).
RECORD_KEY = "record_key"
# Whether a record comes from a synthetic (demo) dataset; derived when loading, not stored.
IS_SYNTHETIC = "is_synthetic"

REFERRAL = "referral"
OUTREACH = "outreach"
KINDS = (REFERRAL, OUTREACH)

RECORD_COLUMNS = (
    RECORD_ID,
    KIND,
    DATE,
    CATEGORY,
    SOURCE,
    X,
    Y,
    WARD_CODE,
    AGE_GROUP,
    NATIONALITY_GROUP,
)

# The Met's Barnet campaign week began on Sunday 24 September 2023.
CAMPAIGN_START = dt.date(2023, 9, 24)
CAMPAIGN_END = dt.date(2023, 9, 30)

# police.uk street-level crime rows, the context layer (geodata.importing.crime reads them).
CRIME = "crime"
CRIME_MONTH = "month"
CRIME_TYPE = "crime_type"
CRIME_COLUMNS = (CRIME_MONTH, CRIME_TYPE, X, Y, WARD_CODE)
