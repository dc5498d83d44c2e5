"""The Priorities view: hot spots, outreach gaps, recommended sites and the smoothed surface.

One call, :func:`compute_priorities`, does the work of the Priorities page for a set of
filters and parameters: referral figures come only as released counts from the release
layer, outreach from its masked positions (no spatial join per call). The gap ranking and
the site recommendations themselves are in :mod:`analysis.priorities`; the Map view is in
:mod:`analysis.views`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.dataset import AtlasData
from analysis.density import DensitySurface, compute_density
from analysis.filters import Filters, outreach_mask
from analysis.hotspots import CLASS_LABELS, HotspotResult, compute_hotspots, grid_weights
from analysis.priorities import (
    AREA,
    DEFAULT_RADIUS_M,
    DEFAULT_SITES,
    SiteRecommendation,
    outreach_within,
    rank_outreach_gaps,
    recommend_sites,
    served_by_outreach,
    usual_rate,
)
from analysis.trends import describe_window
from geodata.geography import ward_positions
from geodata.grid import CELL_SIZES, DEFAULT_CELL_SIZE
from geodata.places import SEP, name_near_venues
from geodata.release import WARDS
from geodata.schema import OUTREACH

FINE = min(CELL_SIZES)
HOTSPOT = "hotspot"
RATE = "rate"  # demand, outreach coverage and the smoothed surface use the finest grid


@dataclass(frozen=True)
class Priorities:
    """Everything the Priorities page shows, all worked out from released counts.

    It holds nothing computed from exact referral counts, so it may be cached for every
    user.

    Attributes
    ----------
    cell_size : int
        The grid for hot spots and cell gaps.
    cells : numpy.ndarray
        Positions of the grid cells in view (overlapping the selected wards).
    hotspot_classes : numpy.ndarray of int8
        Gi* class (-3..3, see :data:`analysis.hotspots.CLASS_LABELS`) of each cell in view.
    stable : numpy.ndarray of bool
        Cells that are hot at 90 % or more at this size and at ``partner_size``.
    partner_size : int
    ward_hotspot_classes : numpy.ndarray of int8
        Gi* class of every ward (computed over all wards; the selection narrows the list).
    ward_gaps, cell_gaps : pandas.DataFrame
        Ranked outreach gaps (see :func:`analysis.priorities.rank_outreach_gaps`); the
        rankings also have ``hotspot``: for a ward, its own class and how many of its
        cells are hot (:func:`ward_hotspot_text`); for a cell, its class and its ward's.
        With population, the ward ranking has ``rate``.
    sites : SiteRecommendation
    site_points : numpy.ndarray
        (K, 2) chosen sites, metres.
    site_names : list of str
        Each site's place name (ward and postcode sectors, see :mod:`geodata.places`).
    cell_names : list of str
        The place name of each cell in ``cells`` (as in ``cell_gaps["name"]``).
    ward_rate, cell_rate : float
        C of the ward and cell rankings: outreach activities nearby per referral.
    fine_cell_names : list of str
        The place name of each cell in ``fine_cells``.
    fine_cells : numpy.ndarray
        Positions of the finest-grid cells in view.
    density : DensitySurface
        Over ``fine_cells``.
    """

    cell_size: int
    cells: np.ndarray
    hotspot_classes: np.ndarray
    stable: np.ndarray
    partner_size: int
    ward_hotspot_classes: np.ndarray
    ward_gaps: pd.DataFrame
    cell_gaps: pd.DataFrame
    sites: SiteRecommendation
    site_points: np.ndarray
    site_names: list[str]
    cell_names: list[str]
    ward_rate: float
    cell_rate: float
    fine_cell_names: list[str]
    fine_cells: np.ndarray
    density: DensitySurface


def compute_priorities(
    data: AtlasData,
    filters: Filters,
    *,
    cell_size: int = DEFAULT_CELL_SIZE,
    radius_m: float = DEFAULT_RADIUS_M,
    sites: int = DEFAULT_SITES,
    venues: pd.DataFrame | None = None,
    bandwidth_m: float | None = None,
    population: dict[str, float] | None = None,
) -> Priorities:
    """Compute hot spots, gaps, sites and the smoothed surface for the filters.

    Parameters
    ----------
    data : AtlasData
    filters : Filters
        Window, wards and categories (both kinds are used whatever ``filters.kinds``).
    cell_size : int
        One of :data:`geodata.grid.CELL_SIZES` (default
        :data:`geodata.grid.DEFAULT_CELL_SIZE`).
    radius_m : float
        Walking radius R (default :data:`analysis.priorities.DEFAULT_RADIUS_M`).
    sites : int
        How many sites to recommend, K (default :data:`analysis.priorities.DEFAULT_SITES`).
        Exports and the benchmark use these defaults, as the page does before any change.
    venues : pandas.DataFrame, optional
        Candidate venues (``name, x, y`` in metres); grid centres otherwise.
    bandwidth_m : float, optional
        Override the smoothed surface's bandwidth.
    population : dict of str to float, optional
        Residents per ward code: adds referrals per 1,000 residents to the ward ranking.

    Returns
    -------
    Priorities

    Raises
    ------
    ValueError
        For a cell size without a grid.
    """
    geo, release = data.geography, data.release
    if cell_size not in geo.grids:
        raise ValueError(f"cell_size must be one of {sorted(geo.grids)}, not {cell_size!r}")
    window, categories = filters.window, filters.referral_categories
    outreach = outreach_mask(data.outreach, geo, replace(filters, kinds=(OUTREACH,), wards=()))
    wards = ward_positions(geo, filters.wards)

    def in_view(size: int) -> np.ndarray:
        return np.flatnonzero(geo.ward_cells[size][wards].any(axis=0))

    def released(system) -> np.ndarray:
        return release.counts(system, window, categories).values

    cells = in_view(cell_size)
    cell_refs = released(cell_size)
    hot = _grid_hotspots(data, cell_refs, cell_size, cells)
    partner = _partner(cell_size)
    partner_cells = in_view(partner)
    partner_hot = _grid_hotspots(data, released(partner), partner, partner_cells)
    stable = _stable(data, cell_size, cells, hot.hot(), partner, partner_cells, partner_hot.hot())

    ward_counts = released(WARDS)
    ward_hot = compute_hotspots(ward_counts, geo.ward_weights)

    fine = geo.grids[FINE]
    fine_cells = in_view(FINE)
    fine_refs = released(FINE)
    fine_out = np.bincount(data.outreach.cells[FINE][outreach], minlength=fine.n_cells)
    out_cells = np.flatnonzero(fine_out)
    out_points, out_counts = fine.centroids()[out_cells], fine_out[out_cells]
    period = describe_window(window)

    near_ward = geo.ward_cell_distance[FINE][wards][:, out_cells] <= radius_m
    ward_gaps = rank_outreach_gaps(
        [geo.ward_codes[i] for i in wards], [geo.ward_names[i] for i in wards],
        ward_counts[wards], near_ward @ out_counts, radius_m=radius_m, period=period,
    )
    position = {code: i for i, code in enumerate(geo.ward_codes)}
    ranked = [position[c] for c in ward_gaps[AREA]]
    cell_ward = geo.places.cell_wards[cell_size][cells]
    ward_gaps[HOTSPOT] = [
        ward_hotspot_text(int(ward_hot.classes[w]), hot.classes[cell_ward == w], cell_size)
        for w in ranked
    ]
    if population:
        ward_gaps[RATE] = rates_per_thousand(
            list(ward_gaps[AREA]), ward_counts[ranked], population
        )
    centres = geo.grids[cell_size].centroids()[cells]
    places = geo.places
    cell_names = name_near_venues(
        [places.cell_names[cell_size][c] for c in cells], centres, venues,
        within_m=cell_size / 2,
    )
    cell_gaps = rank_outreach_gaps(
        [str(c) for c in cells], cell_names,
        cell_refs[cells],
        outreach_within(centres, out_points, out_counts, radius_m),
        radius_m=radius_m, period=period,
    )

    cell_class = dict(zip(cells.tolist(), hot.classes.tolist(), strict=True))
    ward_words = {w: CLASS_LABELS[int(c)] for w, c in enumerate(ward_hot.classes)}
    cell_gaps[HOTSPOT] = [
        f"{CLASS_LABELS[cell_class[int(c)]]}; its ward as a whole: "
        f"{ward_words[int(geo.places.cell_wards[cell_size][int(c)])]}"
        for c in cell_gaps[AREA]
    ]

    # Today's outreach counts as already serving referrals (at the usual rate over the fine
    # cells in view), so new sites go where the gap is, not where outreach already goes.
    fine_nearby = outreach_within(fine.centroids()[fine_cells], out_points, out_counts, radius_m)
    fine_served = served_by_outreach(
        fine_refs[fine_cells], fine_nearby, usual_rate(fine_refs[fine_cells], fine_nearby))
    has_demand = fine_refs[fine_cells] > 0
    demand_cells = fine_cells[has_demand]
    if venues is not None and len(venues):
        candidates = venues[["x", "y"]].to_numpy(float)
        names = [f"{venue}{SEP}{where}" for venue, where in zip(
            venues["name"].astype(str), places.name_points(*candidates.T), strict=True)]
    else:
        candidates, names = centres, cell_names
    recommendation = recommend_sites(
        fine.centroids()[demand_cells], fine_refs[demand_cells], candidates,
        sites=sites, radius_m=radius_m, served=fine_served[has_demand],
    )
    density = compute_density(fine_refs, fine, bandwidth_m=bandwidth_m, policy=release.policy)
    return Priorities(
        cell_size=cell_size,
        cells=cells,
        hotspot_classes=hot.classes,
        stable=stable,
        partner_size=partner,
        ward_hotspot_classes=ward_hot.classes,
        ward_gaps=ward_gaps,
        cell_gaps=cell_gaps,
        sites=recommendation,
        site_points=candidates[recommendation.chosen],
        site_names=[names[i] for i in recommendation.chosen],
        cell_names=cell_names,
        ward_rate=float(ward_gaps.attrs.get("outreach_per_referral", 0.0)),
        cell_rate=float(cell_gaps.attrs.get("outreach_per_referral", 0.0)),
        fine_cell_names=[places.cell_names[FINE][c] for c in fine_cells],
        fine_cells=fine_cells,
        density=replace(density, classes=density.classes[fine_cells]),
    )


def _grid_hotspots(data, counts, size, cells) -> HotspotResult:
    grid = data.geography.grids[size]
    return compute_hotspots(counts[cells], grid_weights(grid, cells))


def _partner(size: int) -> int:
    sizes = sorted(CELL_SIZES)
    i = sizes.index(size)
    return sizes[i + 1] if i + 1 < len(sizes) else sizes[i - 1]


def _stable(data, size, cells, hot, partner, partner_cells, partner_hot) -> np.ndarray:
    """Cells hot here whose area is also hot at the partner size."""
    grids = data.geography.grids
    hot_partner = np.zeros(grids[partner].n_cells, dtype=bool)
    hot_partner[partner_cells[partner_hot]] = True
    if partner > size:  # coarser: the partner cell containing this cell's centre
        parent = grids[partner].cell_of(*grids[size].centroids()[cells].T)
        return hot & (parent >= 0) & hot_partner[np.maximum(parent, 0)]
    # finer: any hot child cell within this one
    parent_of_child = grids[size].cell_of(*grids[partner].centroids().T)
    hot_here = np.zeros(grids[size].n_cells, dtype=bool)
    hot_here[parent_of_child[hot_partner & (parent_of_child >= 0)]] = True
    return hot & hot_here[cells]


def ward_hotspot_text(ward_class: int, cell_classes: np.ndarray, cell_size: int) -> str:
    """State a ward's hot-spot evidence together with that of its cells.

    Parameters
    ----------
    ward_class : int
        The ward's own Gi* class.
    cell_classes : numpy.ndarray of int
        Classes of the cells that lie mostly in the ward.
    cell_size : int

    Returns
    -------
    str

    Examples
    --------
    >>> ward_hotspot_text(0, np.array([3, 3, 1, 0, -1]), 500)
    'ward as a whole: not significant; 3 of its 500 m cells are hot spots (2 at 99 %, 1 at 90 %)'
    >>> ward_hotspot_text(2, np.array([0, 0]), 250)
    'ward as a whole: hot spot, 95 % confidence; none of its 250 m cells is a hot spot'
    """
    text = f"ward as a whole: {CLASS_LABELS[int(ward_class)]}"
    cell_classes = np.asarray(cell_classes)
    hot = cell_classes[cell_classes > 0]
    if not len(hot):
        return f"{text}; none of its {cell_size} m cells is a hot spot"
    levels = {3: "99 %", 2: "95 %", 1: "90 %"}
    parts = ", ".join(f"{int((hot == c).sum())} at {levels[c]}" for c in (3, 2, 1)
                      if (hot == c).any())
    noun = "cell is a hot spot" if len(hot) == 1 else "cells are hot spots"
    return f"{text}; {len(hot)} of its {cell_size} m {noun} ({parts})"


def rates_per_thousand(ward_codes, counts: np.ndarray, population: dict[str, float]) -> list[str]:
    """Return referrals per 1,000 residents per ward, from released counts.

    Parameters
    ----------
    ward_codes : sequence of str
    counts : numpy.ndarray
        Released referral counts per ward.
    population : dict of str to float

    Returns
    -------
    list of str
    """
    out = []
    for code, value in zip(ward_codes, counts, strict=True):
        people = population.get(code)
        out.append(f"{1000 * value / people:.2f}" if people else "no population")
    return out
