"""The release layer: the one way referral figures leave the store (``docs/release.md``).

Exact referral records live only in the store and inside a
:class:`ReferralRelease`, which answers *released counts* (cell-key method) for wards, grid
cells or the borough, over windows of whole bins of ISO weeks, per category. Everything the
atlas shows or exports about referrals is computed from those counts. Outreach records come
out geomasked, keyed to the place, in an :class:`OutreachIndex`.
"""

from geodata.release.build import (
    RELEASE_COLUMNS,
    build_release,
    keyed_record_keys,
    load_release,
)
from geodata.release.cellkey import (
    draw_record_keys,
    largest_noise_variance,
    perturbation_table,
)
from geodata.release.geomask import geomask_points
from geodata.release.keys import (
    GEOMASK_KEY_ENV,
    ID_HASH_KEY_ENV,
    load_geomask_key,
    load_secret_key,
)
from geodata.release.outreach import OutreachIndex
from geodata.release.policy import DEFAULT_POLICY, ReleasePolicy
from geodata.release.referrals import BOROUGH, WARDS, ReferralRelease, ReleasedCounts
from geodata.release.weeks import (
    WeekWindow,
    bin_of_week,
    monday_of_week_index,
    snap_to_weeks,
    week_index,
    window_of_bins,
)

__all__ = [
    "BOROUGH",
    "DEFAULT_POLICY",
    "GEOMASK_KEY_ENV",
    "ID_HASH_KEY_ENV",
    "RELEASE_COLUMNS",
    "WARDS",
    "OutreachIndex",
    "ReferralRelease",
    "ReleasePolicy",
    "ReleasedCounts",
    "WeekWindow",
    "bin_of_week",
    "build_release",
    "draw_record_keys",
    "geomask_points",
    "keyed_record_keys",
    "largest_noise_variance",
    "load_release",
    "load_geomask_key",
    "load_secret_key",
    "monday_of_week_index",
    "perturbation_table",
    "snap_to_weeks",
    "week_index",
    "window_of_bins",
]
