"""Context layers shown next to referrals: police.uk street-level crime per ward."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.geography import Geography
from geodata.release import WeekWindow
from geodata.schema import CRIME_MONTH, CRIME_TYPE, WARD_CODE

POLICE_UK_ATTRIBUTION = "Crime data: data.police.uk, Open Government Licence v3.0."


@dataclass(frozen=True)
class CrimeContext:
    """Police.uk crime counted by month, crime type and ward (public data, aggregated).

    Attributes
    ----------
    counts : pandas.DataFrame
        ``month`` (``YYYY-MM``), ``crime_type``, ``ward`` (position), ``count``.
    """

    counts: pd.DataFrame

    @property
    def crime_types(self) -> tuple[str, ...]:
        """Crime types present, by frequency."""
        totals = self.counts.groupby(CRIME_TYPE)["count"].sum().sort_values(ascending=False)
        return tuple(totals.index)

    @property
    def months(self) -> tuple[str, ...]:
        """Months present, in order."""
        return tuple(sorted(self.counts[CRIME_MONTH].unique()))


def build_crime_context(rows: pd.DataFrame, geography: Geography) -> CrimeContext | None:
    """Count stored crime rows by month, type and ward; ``None`` when there are none.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``month, crime_type, x, y, ward_code`` as stored.
    geography : Geography

    Returns
    -------
    CrimeContext or None
    """
    if rows.empty:
        return None
    position = {code: i for i, code in enumerate(geography.ward_codes)}
    ward = rows[WARD_CODE].map(position)
    known = ward.notna()
    counts = (
        pd.DataFrame(
            {
                CRIME_MONTH: rows.loc[known, CRIME_MONTH].to_numpy(),
                CRIME_TYPE: rows.loc[known, CRIME_TYPE].to_numpy(),
                "ward": ward[known].astype(int).to_numpy(),
            }
        )
        .value_counts()
        .rename("count")
        .reset_index()
    )
    return CrimeContext(counts=counts)


def crime_by_ward(
    context: CrimeContext,
    window: WeekWindow,
    crime_types: tuple[str, ...],
    ward_positions: np.ndarray,
    n_wards: int,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Count crimes per ward in the months the window touches.

    Parameters
    ----------
    context : CrimeContext
    window : WeekWindow
    crime_types : tuple of str
        Empty means every type.
    ward_positions : numpy.ndarray
        The selected wards.
    n_wards : int
        How many wards the geography has.

    Returns
    -------
    numpy.ndarray
        Counts for the selected wards.
    tuple of str
        The months counted (police.uk publishes by month, not by day).
    """
    first, last = window.start.strftime("%Y-%m"), window.end.strftime("%Y-%m")
    rows = context.counts
    keep = (rows[CRIME_MONTH] >= first) & (rows[CRIME_MONTH] <= last)
    if crime_types:
        keep &= rows[CRIME_TYPE].isin(crime_types)
    chosen = rows[keep]
    counts = np.bincount(chosen["ward"], weights=chosen["count"], minlength=n_wards)
    months = tuple(sorted(chosen[CRIME_MONTH].unique()))
    return counts[ward_positions].astype("int64"), months
