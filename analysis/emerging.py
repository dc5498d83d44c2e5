r"""Emerging hot spots: where referral hot spots are new, growing, lasting or fading.

The method follows ArcGIS Pro's Emerging Hot Spot Analysis, on *released* counts
(:mod:`geodata.release`):

1. History is cut into **time steps** of whole release bins (2 bins = 4 ISO weeks by
   default), counted back from the end of the chosen window, so every step is a sum of
   cells the release already has.
2. In each step, the **Getis-Ord Gi\*** z-score of every area (ward or grid cell) is
   worked out from the released counts of the area and its neighbours. With a
   **neighbourhood time step** of n, a step's counts are those of the step and the n-1
   steps before it (the space-time neighbourhood of ArcGIS, with binary weights).
   Significance is the normal p-value with the false discovery rate controlled in each
   step, as on the Priorities page (:func:`analysis.hotspots.classify_significance`); an
   area is a hot (cold) spot in a step at 90 % confidence or more.
3. The **Mann-Kendall** test (``pymannkendall``) says whether each area's z-scores rise or
   fall over the steps (two-sided, 5 %).
4. Each area gets one of the published categories (:data:`CATEGORY_TEXT`), or none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymannkendall
from libpysal.graph import Graph
from scipy import sparse, stats

from analysis.hotspots import classify_significance
from geodata.release import ReferralRelease, WeekWindow, window_of_bins

DEFAULT_STEP_BINS = 2  # 4 ISO weeks with the default 2-week bins
SENSITIVITY_STEP_BINS = (2, 3, 4)  # 4, 6 and 8 weeks
DEFAULT_NEIGHBOURHOOD_STEPS = 1
MIN_STEPS = 4
TREND_ALPHA = 0.05
PERSISTENT_SHARE = 0.9

NONE = "no pattern"
NEW, CONSECUTIVE, INTENSIFYING, PERSISTENT = "new", "consecutive", "intensifying", "persistent"
DIMINISHING, SPORADIC, OSCILLATING, HISTORICAL = (
    "diminishing", "sporadic", "oscillating", "historical",
)
PATTERNS = (NEW, CONSECUTIVE, INTENSIFYING, PERSISTENT, DIMINISHING, SPORADIC, OSCILLATING,
            HISTORICAL)
CATEGORIES = (*(f"{p} hot spot" for p in PATTERNS), *(f"{p} cold spot" for p in PATTERNS), NONE)

# ArcGIS Pro's definitions, in plain English ("hot" below: a significant hot spot in a step).
CATEGORY_TEXT = {
    NEW: "hot in the latest step, and never hot before",
    CONSECUTIVE: "one unbroken run of at least two hot steps at the end, never hot before "
                 "the run, and hot in under 90 % of steps",
    INTENSIFYING: "hot in at least 90 % of steps including the latest, and getting "
                  "significantly hotter (Mann-Kendall)",
    PERSISTENT: "hot in at least 90 % of steps including the latest, with no significant trend",
    DIMINISHING: "hot in at least 90 % of steps including the latest, and getting "
                 "significantly less hot (Mann-Kendall)",
    SPORADIC: "hot in the latest step, on and off before, in under 90 % of steps, never cold",
    OSCILLATING: "hot in the latest step, cold in some earlier step, hot in under 90 % of steps",
    HISTORICAL: "not hot in the latest step, but hot in at least 90 % of steps",
}


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hot-spot categories of the areas of one area system.

    Attributes
    ----------
    windows : tuple of WeekWindow
        The time steps, oldest first.
    z : numpy.ndarray
        (steps, areas) Gi* z-scores.
    classes : numpy.ndarray of int8
        (steps, areas) -3..3 after FDR control in each step.
    trend : numpy.ndarray of int8
        Per area: 1 rising, -1 falling, 0 no significant trend of its z-scores (tested
        only where the category depends on it: hot, or cold, in the latest step and in
        at least 90 % of steps).
    trend_p : numpy.ndarray
        Mann-Kendall p-value per area (1 where not tested).
    categories : tuple of str
        Per area, one of :data:`CATEGORIES`.
    neighbourhood_steps : int
    """

    windows: tuple[WeekWindow, ...]
    z: np.ndarray
    classes: np.ndarray
    trend: np.ndarray
    trend_p: np.ndarray
    categories: tuple[str, ...]
    neighbourhood_steps: int

    @property
    def step_weeks(self) -> int:
        """Weeks in one time step."""
        return self.windows[0].n_weeks if self.windows else 0

    def hot_steps(self) -> np.ndarray:
        """How many steps each area was a hot spot in."""
        return (self.classes >= 1).sum(axis=0)


def gi_star(counts, weights: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Return Getis-Ord Gi* z-scores (the analytic form ArcGIS uses) and two-sided p-values.

    Parameters
    ----------
    counts : array-like
        One released count per area.
    weights : libpysal.graph.Graph
        Binary neighbours, in the order of ``counts``; each area also counts as its own
        neighbour (the star).

    Returns
    -------
    tuple of numpy.ndarray
        z and p per area (z = 0, p = 1 where the counts do not vary).

    Examples
    --------
    >>> from analysis.hotspots import lattice_weights
    >>> counts = [0] * 25
    >>> counts[12] = 9  # the centre of a 5 x 5 lattice
    >>> z, p = gi_star(counts, lattice_weights(5, 5))
    >>> bool(z[12] > 0 and z[6] > 0 and z[0] < 0)
    True
    """
    x = np.asarray(counts, dtype="float64")
    if len(x) != weights.n:
        raise ValueError(f"{len(x)} counts for {weights.n} areas in the weights")
    return _gi(x, _star(weights))


def _star(weights: Graph):
    """Make every area its own neighbour in binary weights; return them and row sums."""
    n = weights.n
    w = (sparse.csr_matrix(weights.sparse) > 0).astype("float64")
    w = (w + sparse.identity(n, format="csr") - sparse.diags(w.diagonal())).tocsr()
    wi = np.asarray(w.sum(axis=1)).ravel()
    s1 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    return w, wi, s1


def _gi(x: np.ndarray, star) -> tuple[np.ndarray, np.ndarray]:
    w, wi, s1 = star
    n = len(x)
    mean = x.mean() if n else 0.0
    s = math.sqrt(max((x**2).mean() - mean**2, 0.0)) if n else 0.0
    if n < 2 or s == 0:
        return np.zeros(n), np.ones(n)
    numerator = w @ x - mean * wi
    denominator = s * np.sqrt(np.maximum(n * s1 - wi**2, 0.0) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denominator > 0, numerator / denominator, 0.0)
    return z, 2 * stats.norm.sf(np.abs(z))


def mann_kendall(series) -> tuple[int, float]:
    """Return the direction (1, -1 or 0 when not significant) and p-value of a trend.

    The two-sided Mann-Kendall test of ``pymannkendall.original_test`` at
    :data:`TREND_ALPHA`.
    """
    values = np.asarray(series, dtype="float64")
    if len(values) < 3 or np.all(values == values[0]):
        return 0, 1.0
    result = pymannkendall.original_test(values, alpha=TREND_ALPHA)
    direction = {"increasing": 1, "decreasing": -1}.get(result.trend, 0)
    return direction, float(result.p)


def categorise(classes, trend: int) -> str:
    """Name the category of one area from its classes per step (oldest first) and trend.

    Parameters
    ----------
    classes : sequence of int
        -3..3 per step (hot: 1 or more; cold: -1 or less).
    trend : int
        1 rising, -1 falling, 0 no significant trend (of the z-scores).

    Returns
    -------
    str
        One of :data:`CATEGORIES`.

    Examples
    --------
    >>> categorise([0, 0, 0, 2], 1)
    'new hot spot'
    >>> categorise([1, 2, 2, 3, 3], 1)
    'intensifying hot spot'
    >>> categorise([-1, -1, -1, 0], 0)
    'historical cold spot'
    """
    c = np.asarray(classes)
    for sign, kind in ((1, "hot spot"), (-1, "cold spot")):
        pattern = _pattern(c * sign > 0, c * sign < 0, trend * sign)
        if pattern:
            return f"{pattern} {kind}"
    return NONE


def _pattern(hot: np.ndarray, cold: np.ndarray, trend: int) -> str | None:
    steps = len(hot)
    mostly = hot.sum() >= PERSISTENT_SHARE * steps
    if not hot[-1]:
        return HISTORICAL if mostly else None
    before = hot[:-1]
    if not before.any():
        return NEW
    run = steps - _last_false(hot) - 1  # length of the final run of hot steps
    if mostly:
        return {1: INTENSIFYING, -1: DIMINISHING}.get(trend, PERSISTENT)
    if cold[:-1].any():
        return OSCILLATING
    if run >= 2 and not hot[: steps - run].any():
        return CONSECUTIVE
    return SPORADIC


def _last_false(flags: np.ndarray) -> int:
    false = np.flatnonzero(~flags)
    return int(false[-1]) if len(false) else -1


def emerging_hotspots(
    cube, weights: Graph, *, neighbourhood_steps: int = DEFAULT_NEIGHBOURHOOD_STEPS,
    fdr: bool = True, windows: tuple[WeekWindow, ...] = (),
) -> EmergingResult:
    """Categorise every area from its released counts per time step.

    Parameters
    ----------
    cube : array-like
        (steps, areas) released counts, oldest step first.
    weights : libpysal.graph.Graph
        Binary neighbours of the areas, in the order of the cube's columns.
    neighbourhood_steps : int
        How many steps (this one and those before it) count towards each step's Gi*.
    fdr : bool
        Control the false discovery rate in each step.
    windows : tuple of WeekWindow
        The steps' windows, kept with the result.

    Returns
    -------
    EmergingResult

    Raises
    ------
    ValueError
        For fewer than :data:`MIN_STEPS` steps or a neighbourhood step below 1.
    """
    cube = np.asarray(cube, dtype="float64")
    if cube.ndim != 2 or cube.shape[0] < MIN_STEPS:
        raise ValueError(
            f"emerging hot spots need at least {MIN_STEPS} time steps; got "
            f"{cube.shape[0] if cube.ndim == 2 else 0}: choose a longer history or shorter steps"
        )
    if neighbourhood_steps < 1:
        raise ValueError(f"neighbourhood_steps must be at least 1, not {neighbourhood_steps!r}")
    running = np.cumsum(cube, axis=0)
    lagged = np.vstack([np.zeros((neighbourhood_steps, cube.shape[1])), running])
    window_sums = running - lagged[: cube.shape[0]]
    if cube.shape[1] != weights.n:
        raise ValueError(f"{cube.shape[1]} areas in the counts for {weights.n} in the weights")
    star = _star(weights)
    z = np.zeros_like(cube)
    classes = np.zeros(cube.shape, dtype="int8")
    for t, counts in enumerate(window_sums):
        z[t], p = _gi(counts, star)
        classes[t] = classify_significance(z[t], p, fdr=fdr)
    trend = np.zeros(cube.shape[1], dtype="int8")
    trend_p = np.ones(cube.shape[1])
    categories = []
    # the trend decides only between intensifying, persistent and diminishing: areas hot
    # (or cold) in the latest step and in at least 90 % of steps
    steps = cube.shape[0]
    hot, cold = (classes >= 1).sum(axis=0), (classes <= -1).sum(axis=0)
    needs_trend = ((classes[-1] >= 1) & (hot >= PERSISTENT_SHARE * steps)) | (
        (classes[-1] <= -1) & (cold >= PERSISTENT_SHARE * steps))
    for i in map(int, np.flatnonzero(needs_trend)):
        trend[i], trend_p[i] = mann_kendall(z[:, i])
    for i in range(cube.shape[1]):
        categories.append(categorise(classes[:, i], int(trend[i])))
    return EmergingResult(tuple(windows), z, classes, trend, trend_p, tuple(categories),
                          neighbourhood_steps)


def step_windows(first_bin: int, last_bin: int, step_bins: int, policy) -> tuple[WeekWindow, ...]:
    """Cut bins ``first_bin..last_bin`` into whole steps of ``step_bins``, ending at the last.

    Bins left over at the start (fewer than a step) are left out.

    Examples
    --------
    >>> from geodata.release import DEFAULT_POLICY
    >>> [w.bins() for w in step_windows(0, 6, 2, DEFAULT_POLICY)]
    [(1, 2), (3, 4), (5, 6)]
    """
    if step_bins < 1:
        raise ValueError(f"a time step must hold at least one bin, not {step_bins!r}")
    n = (last_bin - first_bin + 1) // step_bins
    start = last_bin - n * step_bins + 1
    return tuple(
        window_of_bins(start + i * step_bins, start + (i + 1) * step_bins - 1, policy)
        for i in range(n)
    )


def released_cube(
    release: ReferralRelease, system, windows, categories=()
) -> np.ndarray:
    """Return released counts per time step (rows) and area (columns)."""
    return np.array([release.counts(system, w, categories).values for w in windows])


def history_bins(release: ReferralRelease, window: WeekWindow) -> tuple[int, int] | None:
    """Return the bins of history: the first released bin to the end of ``window``."""
    span = release.released_span()
    if span is None:
        return None
    last = window.bins(release.policy)[1]
    return (span[0], last) if last >= span[0] else None


def sensitivity_table(
    results: dict[int, EmergingResult], names, *, keep=None
) -> pd.DataFrame:
    """Put the categories at several step lengths side by side.

    Parameters
    ----------
    results : dict of int to EmergingResult
        Step length in weeks -> result.
    names : sequence of str
        Place name of each area.
    keep : sequence of int, optional
        Areas to list (default: those with a category at any step length).

    Returns
    -------
    pandas.DataFrame
        ``place`` and one column per step length (``"4 weeks"``...), plus ``same``
        (whether the category is the same at every step length).
    """
    weeks = sorted(results)
    table = np.array([results[w].categories for w in weeks]).T if weeks else np.empty((0, 0))
    if keep is None:
        keep = [i for i in range(len(names)) if any(c != NONE for c in table[i])]
    frame = pd.DataFrame({"place": [names[i] for i in keep]})
    for j, w in enumerate(weeks):
        frame[f"{w} weeks"] = [table[i, j] for i in keep]
    frame["same"] = [len(set(table[i])) == 1 for i in keep]
    return frame


def describe_sensitivity(table: pd.DataFrame) -> str:
    """Say in one sentence how much the categories depend on the step length."""
    if table.empty:
        return "No place has a category at any of the step lengths tried."
    same = int(table["same"].sum())
    lengths = ", ".join(c for c in table.columns if c.endswith("weeks"))
    start = f"Of the {len(table):,} places with a category at some step length ({lengths}), "
    if same == len(table):
        return start + "every one keeps the same category at every length."
    return (start + f"{same:,} keep the same category at every length; the others change "
            "with the step, so read a category together with the step it was worked out for.")
