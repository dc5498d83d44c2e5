"""A smoothed surface of referrals (kernel density), shown as classes only.

Counts on the fine grid are smoothed with a Gaussian kernel. The default bandwidth follows
the rule ArcGIS uses for Kernel Density (Silverman's rule of thumb adapted to two
dimensions): h = 0.9 · min(SD, √(1/ln 2) · Dm) · n^(−0.2), where SD is the standard
distance of the referrals, Dm their median distance from the mean centre and n their number,
rounded to the nearest 50 m. The counts are *released* counts (:mod:`geodata.release`), so
the surface and its bandwidth are worked out from what is already public and cannot be
turned back into exact counts. Cells where fewer than k released referrals lie within one
bandwidth are left blank; the rest are shown in five quantile classes, never as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import mapclassify
import numpy as np
from scipy import ndimage

from geodata.grid import Grid
from geodata.release import DEFAULT_POLICY, ReleasePolicy

DENSITY_LABELS = ("lowest", "low", "middle", "high", "highest")
MIN_BANDWIDTH_M = 250.0
BANDWIDTH_STEP_M = 50.0


@dataclass(frozen=True)
class DensitySurface:
    """Smoothed referral density on a grid, as classes.

    Attributes
    ----------
    bandwidth_m : float
    rule : str
        How the bandwidth was chosen.
    classes : numpy.ndarray of int8
        Per kept grid cell: 0 masked (too few referrals nearby), 1..5 density quintile.
    """

    bandwidth_m: float
    rule: str
    classes: np.ndarray

    @property
    def labels(self) -> tuple[str, ...]:
        """Each cell's class in words."""
        return tuple(
            "masked (fewer than k referrals nearby)" if c == 0 else
            f"{DENSITY_LABELS[c - 1]} density" for c in self.classes
        )


def default_bandwidth(points: np.ndarray, weights: np.ndarray) -> float:
    """Return the ArcGIS/Silverman bandwidth for weighted points (metres).

    Parameters
    ----------
    points : numpy.ndarray
        (n, 2) coordinates in metres.
    weights : numpy.ndarray
        How many referrals each point stands for.

    Returns
    -------
    float
        At least :data:`MIN_BANDWIDTH_M`, rounded to :data:`BANDWIDTH_STEP_M`.
    """
    n = weights.sum()
    if n < 2:
        return MIN_BANDWIDTH_M
    centre = np.average(points, axis=0, weights=weights)
    dist2 = ((points - centre) ** 2).sum(axis=1)
    standard_distance = np.sqrt(np.average(dist2, weights=weights))
    order = np.argsort(dist2)
    cumulative = np.cumsum(weights[order])
    median_distance = np.sqrt(dist2[order][np.searchsorted(cumulative, n / 2)])
    spread = min(standard_distance, np.sqrt(1 / np.log(2)) * median_distance)
    rule = 0.9 * spread * n**-0.2
    return float(max(MIN_BANDWIDTH_M, BANDWIDTH_STEP_M * round(rule / BANDWIDTH_STEP_M)))


def compute_density(
    counts,
    grid: Grid,
    *,
    bandwidth_m: float | None = None,
    policy: ReleasePolicy = DEFAULT_POLICY,
) -> DensitySurface:
    """Smooth per-cell referral counts into density classes, masking thin areas.

    Parameters
    ----------
    counts : array-like
        Released referrals per kept cell of ``grid``.
    grid : Grid
        A fine grid (250 m works well).
    bandwidth_m : float, optional
        Kernel bandwidth; the default rule applies when omitted.
    policy : ReleasePolicy
        For k.

    Returns
    -------
    DensitySurface

    Raises
    ------
    ValueError
        For counts that do not match the grid, or a bandwidth that is not positive.
    """
    counts = np.asarray(counts, dtype="float64")
    if len(counts) != grid.n_cells:
        raise ValueError(f"{len(counts)} counts for a grid of {grid.n_cells} cells")
    if bandwidth_m is not None and not bandwidth_m > 0:
        raise ValueError(f"bandwidth_m must be a positive number of metres, not {bandwidth_m!r}")
    rule = "set by the user"
    if bandwidth_m is None:
        rule = "default rule (ArcGIS/Silverman)"
    cell_density, nearby, bandwidth_m = smooth_counts(counts, grid, bandwidth_m=bandwidth_m)
    shown = (nearby >= policy.k) & (cell_density > 0)
    classes = np.zeros(grid.n_cells, dtype="int8")
    distinct = len(np.unique(cell_density[shown]))
    if distinct >= len(DENSITY_LABELS):
        quantiles = mapclassify.Quantiles(cell_density[shown], k=len(DENSITY_LABELS))
        classes[shown] = (quantiles.yb + 1).astype("int8")
    elif distinct:
        # too few distinct values for quintiles: rank them into the top classes
        ranks = np.unique(cell_density[shown], return_inverse=True)[1]
        classes[shown] = (len(DENSITY_LABELS) - distinct + 1 + ranks).astype("int8")
    return DensitySurface(bandwidth_m=float(bandwidth_m), rule=rule, classes=classes)


def smooth_counts(
    counts, grid: Grid, *, bandwidth_m: float | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Smooth per-cell released counts with a Gaussian kernel (the surface before classes).

    Parameters
    ----------
    counts : array-like
        Released referrals per kept cell of ``grid``.
    grid : Grid
    bandwidth_m : float, optional
        The default rule applies when omitted.

    Returns
    -------
    tuple
        The smoothed value and the released referrals within one bandwidth, per kept cell,
        and the bandwidth used (metres). Used for ranking (backtests), never shown.
    """
    counts = np.asarray(counts, dtype="float64")
    if bandwidth_m is None:
        used = counts > 0
        bandwidth_m = default_bandwidth(grid.centroids()[used], counts[used])
    flat = np.zeros(grid.n_rows * grid.n_cols)
    flat[grid.full_codes] = counts
    raster = flat.reshape(grid.n_rows, grid.n_cols)
    sigma = bandwidth_m / grid.cell_size
    density = ndimage.gaussian_filter(raster, sigma=sigma, mode="constant", truncate=3.0)
    radius = int(np.ceil(sigma))
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    disk = (xx**2 + yy**2 <= sigma**2).astype("float64")
    nearby = ndimage.convolve(raster, disk, mode="constant")
    codes = grid.full_codes
    return density.ravel()[codes], nearby.ravel()[codes], float(bandwidth_m)
