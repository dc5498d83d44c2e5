"""The atlas's working data: geography plus the record index, with what they came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd

from analysis.context import CrimeContext, build_crime_context
from geodata.geography import Geography, build_geography
from geodata.release import (
    OutreachIndex,
    ReferralRelease,
    build_release,
    load_release,
    window_of_bins,
)
from geodata.schema import IS_SYNTHETIC
from geodata.settings import DEFAULT_DEMO_RECORDS
from geodata.store import Store


@dataclass(frozen=True)
class AtlasData:
    """Everything a view is computed from.

    Attributes
    ----------
    geography : Geography
    release : ReferralRelease
        The only source of referral figures (released counts).
    outreach : OutreachIndex
        Geomasked outreach records.
    synthetic : bool
        True when any of the records is synthetic demo data.
    version : str
        Changes whenever the records change; caches are keyed by it.
    crime : CrimeContext or None
        Police.uk crime per ward and month, when imported.
    ward_figures_table : pandas.DataFrame
        Figures per ward (``name, ward_code, role, value, source``): population and
        context indicators.
    """

    geography: Geography
    release: ReferralRelease
    outreach: OutreachIndex
    synthetic: bool
    version: str
    crime: CrimeContext | None = None
    ward_figures_table: pd.DataFrame = field(default_factory=pd.DataFrame)

    def ward_figures(self, name: str) -> dict[str, float]:
        """Return one stored figure per ward code (empty when there is none by that name)."""
        if self.ward_figures_table.empty:
            return {}
        rows = self.ward_figures_table[self.ward_figures_table["name"] == name]
        return dict(zip(rows["ward_code"], rows["value"], strict=True))

    def indicator_names(self) -> list[str]:
        """Return the names of the stored context indicators."""
        if self.ward_figures_table.empty:
            return []
        rows = self.ward_figures_table[self.ward_figures_table["role"] == "indicator"]
        return sorted(rows["name"].unique())

    @property
    def first_day(self) -> dt.date | None:
        """The first day of the data, or ``None`` with no records.

        Referrals count only through their released bins of weeks (the first day of the
        first bin with a released referral), so the span reveals no referral's date.
        """
        return min(self._span)[0] if self._span else None

    @property
    def last_day(self) -> dt.date | None:
        """The last day of the data (for referrals, the end of the last released bin)."""
        return max(d[1] for d in self._span) if self._span else None

    @cached_property
    def _span(self) -> list[tuple[dt.date, dt.date]]:
        # worked out once per data version: every page asks for it on every rerun
        days = []
        outreach = self.outreach.day_range()
        if outreach is not None:
            days.append((_day(outreach[0]), _day(outreach[1])))
        released = self.release.released_span()
        if released is not None:
            window = window_of_bins(*released, self.release.policy)
            days.append((window.start, window.end))
        return days


def _day(day_number: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=day_number)


def build_atlas_data(
    wards: gpd.GeoDataFrame,
    records: pd.DataFrame,
    *,
    synthetic: bool,
    version: str,
    geomask_key: bytes,
    geography: Geography | None = None,
    crime: pd.DataFrame | None = None,
    ward_figures_table: pd.DataFrame | None = None,
) -> AtlasData:
    """Index canonical records against the wards.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Validated wards in EPSG:27700.
    records : pandas.DataFrame
        Canonical records (see :mod:`geodata.schema`) with their record keys.
    synthetic : bool
        Whether the records are demo data (all of them, unless ``records`` has an
        ``is_synthetic`` column saying which).
    version : str
        Identifies this state of the data.
    geomask_key : bytes
        Secret key for masking outreach points.
    geography : Geography, optional
        Reuse an already built geography for these wards.
    crime : pandas.DataFrame, optional
        Stored police.uk crime rows, for the context layer.
    ward_figures_table : pandas.DataFrame, optional
        Stored population and indicator figures per ward.

    Returns
    -------
    AtlasData
    """
    geography = geography or build_geography(wards)
    if synthetic and IS_SYNTHETIC not in records.columns:
        records = records.assign(**{IS_SYNTHETIC: True})
    release, outreach = build_release(records, geography, geomask_key=geomask_key)
    context = build_crime_context(crime, geography) if crime is not None else None
    return AtlasData(
        geography=geography,
        release=release,
        outreach=outreach,
        synthetic=synthetic,
        version=version,
        crime=context,
        ward_figures_table=ward_figures_table if ward_figures_table is not None else pd.DataFrame(),
    )


def load_atlas_data(
    store: Store,
    geography: Geography,
    *,
    geomask_key: bytes,
    demo_records: int = DEFAULT_DEMO_RECORDS,
    index_dir: Path | None = None,
) -> AtlasData:
    """Load the working data: stored records, or the synthetic demo while none are stored.

    The records themselves are read by the release layer (:func:`geodata.release.
    load_release`) and never reach this module.

    Parameters
    ----------
    store : Store
    geography : Geography
    geomask_key : bytes
    demo_records : int
        Size of the demo used while the store holds no records.
    index_dir : Path, optional
        Private folder where the release layer keeps its index per data version, so a
        restart does not rebuild it (see :mod:`geodata.release.persist`).

    Returns
    -------
    AtlasData
    """
    release, outreach, version = load_release(
        store, geography, geomask_key=geomask_key, demo_records=demo_records,
        index_dir=index_dir,
    )
    crime = store.load_crime()
    return AtlasData(
        geography=geography,
        release=release,
        outreach=outreach,
        synthetic=store.is_synthetic() or not store.has_records(),
        version=version,
        crime=build_crime_context(crime, geography) if crime is not None else None,
        ward_figures_table=store.load_ward_figures(),
    )
