"""What the map page shows for a set of filters: disclosed counts per ward or cell and KPIs.

Every referral count leaves this module through :func:`geodata.disclosure.disclose_counts`;
outreach is counted exactly and its points come geomasked from the index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.filters import Filters, record_mask
from analysis.index import Geography, RecordIndex, ward_positions
from geodata.disclosure import DEFAULT_POLICY, DisclosedCounts, DisclosurePolicy, disclose_counts
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
    referrals : DisclosedCounts or None
        Disclosed referral counts; ``None`` when referrals are filtered out.
    outreach : numpy.ndarray of int or None
        Outreach counts; ``None`` when outreach is filtered out.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    positions: np.ndarray
    referrals: DisclosedCounts | None
    outreach: np.ndarray | None

    def table(self) -> pd.DataFrame:
        """Return the figures as shown, one row per area: code, name, referrals, outreach."""
        data = {AREA_CODE: self.codes, AREA_NAME: self.names}
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
        Grid cells overlapping the selected wards, when a grid was asked for.
    cell_size : int or None
    referrals_total : str or None
        The disclosed referral total of the selected wards.
    outreach_total : int or None
    wards_with_activity : int
        Selected wards with at least one record of a selected kind.
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
    index: RecordIndex,
    geography: Geography,
    filters: Filters,
    *,
    cell_size: int | None = None,
    point_cap: int = OUTREACH_POINT_CAP,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> MapView:
    """Filter, aggregate and disclose: the whole server-side work of one map rerun.

    Parameters
    ----------
    index : RecordIndex
    geography : Geography
    filters : Filters
    cell_size : int, optional
        Also count per grid cell of this size (one of the geography's grids).
    point_cap : int
        Most outreach points to return; above it, outreach is shown per ward.
    policy : DisclosurePolicy

    Returns
    -------
    MapView

    Raises
    ------
    ValueError
        For a cell size the geography has no grid for.
    """
    if cell_size is not None and cell_size not in geography.grids:
        raise ValueError(
            f"cell_size must be one of {sorted(geography.grids)} metres, not {cell_size!r}"
        )
    masks = {kind: record_mask(index, geography, filters, kind) for kind in filters.kinds}
    positions = ward_positions(geography, filters.wards)
    n_wards = len(geography.ward_codes)
    ward_counts = {
        kind: np.bincount(index.ward[mask], minlength=n_wards)[positions]
        for kind, mask in masks.items()
    }
    wards = AreaCounts(
        codes=tuple(geography.ward_codes[i] for i in positions),
        names=tuple(geography.ward_names[i] for i in positions),
        positions=positions,
        referrals=_disclosed(ward_counts.get(REFERRAL), policy),
        outreach=ward_counts.get(OUTREACH),
    )
    cells = None
    if cell_size is not None:
        cells = _cell_counts(index, geography, masks, positions, cell_size, policy)
    active = sum(ward_counts.values(), np.zeros(len(positions), dtype="int64")) > 0
    points = None
    if OUTREACH in masks and 0 < masks[OUTREACH].sum() <= point_cap:
        mask = masks[OUTREACH]
        points = np.column_stack([index.masked_x[mask], index.masked_y[mask]]).astype("float64")
    return MapView(
        filters=filters,
        wards=wards,
        cells=cells,
        cell_size=cell_size,
        referrals_total=wards.referrals.total_label if wards.referrals else None,
        outreach_total=int(wards.outreach.sum()) if wards.outreach is not None else None,
        wards_with_activity=int(active.sum()),
        outreach_points=points,
    )


def _disclosed(counts: np.ndarray | None, policy: DisclosurePolicy) -> DisclosedCounts | None:
    return None if counts is None else disclose_counts(counts, policy)


def _cell_counts(index, geography, masks, ward_pos, cell_size, policy) -> AreaCounts:
    grid = geography.grids[cell_size]
    cell_of = index.cells[cell_size]
    in_view = np.flatnonzero(geography.ward_cells[cell_size][ward_pos].any(axis=0))
    counts = {
        kind: np.bincount(cell_of[mask], minlength=grid.n_cells)[in_view]
        for kind, mask in masks.items()
    }
    return AreaCounts(
        codes=tuple(str(c) for c in in_view),
        names=tuple(f"cell {c}" for c in in_view),
        positions=in_view,
        referrals=_disclosed(counts.get(REFERRAL), policy),
        outreach=counts.get(OUTREACH),
    )
