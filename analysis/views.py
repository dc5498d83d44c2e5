"""What the map page shows for a set of filters: released counts per ward or cell, and KPIs.

Referral figures come only from the release layer (:mod:`geodata.release`); outreach is
counted by the masked positions, and its points come geomasked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.dataset import AtlasData
from analysis.filters import Filters, outreach_mask
from geodata.geography import ward_positions
from geodata.release import WARDS, ReleasedCounts
from geodata.schema import OUTREACH, REFERRAL

OUTREACH_POINT_CAP = 2000  # above this many, outreach is drawn per ward instead of as points

AREA_CODE = "code"
AREA_NAME = "name"
REFERRALS = "referrals"
REFERRALS_SHOWN = "referrals_shown"
OUTREACH_COUNT = "outreach"


@dataclass(frozen=True)
class AreaCounts:
    """Counts for the areas of one view (the selected wards, or grid cells).

    Attributes
    ----------
    codes : tuple of str
        Ward codes, or cell positions as text.
    names : tuple of str
        Ward names, or cell labels.
    positions : numpy.ndarray of int
        Positions of the areas in the ward table or grid.
    referrals : ReleasedCounts or None
        Released referral counts; ``None`` when referrals are filtered out.
    outreach : numpy.ndarray of int or None
        Outreach counts (by masked position); ``None`` when outreach is filtered out.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    positions: np.ndarray
    referrals: ReleasedCounts | None
    outreach: np.ndarray | None

    def table(self) -> pd.DataFrame:
        """Return the figures as shown, one row per area: code, name, referrals, outreach."""
        data: dict[str, object] = {AREA_CODE: self.codes, AREA_NAME: self.names}
        if self.referrals is not None:
            data[REFERRALS] = self.referrals.labels
            data[REFERRALS_SHOWN] = self.referrals.values
        if self.outreach is not None:
            data[OUTREACH_COUNT] = self.outreach
        return pd.DataFrame(data)


@dataclass(frozen=True)
class MapView:
    """Everything the map page shows for one set of filters.

    Attributes
    ----------
    filters : Filters
    wards : AreaCounts
        The selected wards.
    cells : AreaCounts or None
        Grid cells overlapping the selected wards, when a grid was asked for (each cell
        counts all its referrals, whichever ward they are in).
    cell_size : int or None
    referrals_total : str or None
        The released referral total of the selected wards.
    outreach_total : int or None
    wards_with_activity : int
        Selected wards with a released referral or an outreach record.
    outreach_points : numpy.ndarray or None
        Geomasked outreach points (n, 2) in EPSG:27700, or ``None`` when outreach is
        filtered out or there are more than the cap (then it is drawn per ward).
    """

    filters: Filters
    wards: AreaCounts
    cells: AreaCounts | None
    cell_size: int | None
    referrals_total: str | None
    outreach_total: int | None
    wards_with_activity: int
    outreach_points: np.ndarray | None


def compute_map_view(
    data: AtlasData,
    filters: Filters,
    *,
    cell_size: int | None = None,
    point_cap: int = OUTREACH_POINT_CAP,
    outreach_detail: bool = True,
) -> MapView:
    """Filter, aggregate and release: the whole server-side work of one map rerun.

    Parameters
    ----------
    data : AtlasData
    filters : Filters
    cell_size : int, optional
        Also count per grid cell of this size (one of the geography's grids).
    point_cap : int
        Most outreach points to return; above it, outreach is shown per ward.
    outreach_detail : bool
        Masked points and outreach per grid cell (analysts); ``False`` gives outreach per
        ward only (viewers).

    Returns
    -------
    MapView

    Raises
    ------
    ValueError
        For a cell size the geography has no grid for.
    """
    geography = data.geography
    if cell_size is not None and cell_size not in geography.grids:
        raise ValueError(
            f"cell_size must be one of {sorted(geography.grids)} metres, not {cell_size!r}"
        )
    positions = ward_positions(geography, filters.wards)
    mask = outreach_mask(data.outreach, geography, filters)
    referrals = _released(data, filters, WARDS)
    outreach = None
    if OUTREACH in filters.kinds:
        outreach = np.bincount(data.outreach.ward[mask], minlength=len(geography.ward_codes))
    wards = AreaCounts(
        codes=tuple(geography.ward_codes[i] for i in positions),
        names=tuple(geography.ward_names[i] for i in positions),
        positions=positions,
        referrals=None if referrals is None else ReleasedCounts(referrals.values[positions]),
        outreach=None if outreach is None else outreach[positions],
    )
    cells = None
    if cell_size is not None:
        cells = _cell_counts(data, filters, positions, cell_size, outreach_detail)
    active = np.zeros(len(positions), dtype=bool)
    for counts in (wards.referrals.values if wards.referrals else None, wards.outreach):
        if counts is not None:
            active |= counts > 0
    points = None
    if outreach_detail and OUTREACH in filters.kinds and 0 < mask.sum() <= point_cap:
        points = np.column_stack([data.outreach.x[mask], data.outreach.y[mask]]).astype(float)
    total = None
    if REFERRAL in filters.kinds:
        value = data.release.total(
            filters.window, filters.referral_categories, None if not filters.wards else positions
        )
        total = f"{value:,}"
    return MapView(
        filters=filters,
        wards=wards,
        cells=cells,
        cell_size=cell_size,
        referrals_total=total,
        outreach_total=int(wards.outreach.sum()) if wards.outreach is not None else None,
        wards_with_activity=int(active.sum()),
        outreach_points=points,
    )


def _released(data: AtlasData, filters: Filters, system) -> ReleasedCounts | None:
    if REFERRAL not in filters.kinds:
        return None
    return data.release.counts(system, filters.window, filters.referral_categories)


def _cell_counts(data, filters, ward_pos, cell_size, outreach_detail) -> AreaCounts:
    geography = data.geography
    # a cell counts everything in it, whichever ward: the ward choice only picks the cells
    mask = outreach_mask(data.outreach, geography, replace(filters, wards=()))
    grid = geography.grids[cell_size]
    in_view = np.flatnonzero(geography.ward_cells[cell_size][ward_pos].any(axis=0))
    referrals = _released(data, filters, cell_size)
    outreach = None
    if outreach_detail and OUTREACH in filters.kinds:
        outreach = np.bincount(data.outreach.cells[cell_size][mask], minlength=grid.n_cells)
    return AreaCounts(
        codes=tuple(str(c) for c in in_view),
        names=tuple(geography.places.cell_names[cell_size][c] for c in in_view),
        positions=in_view,
        referrals=None if referrals is None else ReleasedCounts(referrals.values[in_view]),
        outreach=None if outreach is None else outreach[in_view],
    )


def synthetic_in_view(data: AtlasData, filters: Filters) -> bool:
    """Tell whether any synthetic (demo) record is among those the filters select.

    Parameters
    ----------
    data : AtlasData
    filters : Filters

    Returns
    -------
    bool
    """
    if not data.synthetic:
        return False
    wards = None if not filters.wards else ward_positions(data.geography, filters.wards)
    if REFERRAL in filters.kinds and data.release.synthetic_in(filters.window, wards):
        return True
    mask = outreach_mask(data.outreach, data.geography, filters)
    return bool(data.outreach.synthetic[mask].any())
