"""The "next week" summary: places hot, emerging and under-served, and how far to trust it.

:func:`next_week_summary` is Streamlit-free, so the Priorities page and the PDF briefing
pack print the same rows, sentences and backtest figures. Everything comes from released
counts (:mod:`geodata.release`) and masked outreach.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.backtest import SURFACE, Backtest, backtest_atlas
from analysis.dataset import AtlasData
from analysis.emerging import (
    CATEGORY_TEXT,
    DEFAULT_NEIGHBOURHOOD_STEPS,
    DEFAULT_STEP_BINS,
    MIN_STEPS,
    NONE,
    SENSITIVITY_STEP_BINS,
    EmergingResult,
    describe_sensitivity,
    emerging_hotspots,
    history_bins,
    released_cube,
    sensitivity_table,
    step_windows,
)
from analysis.filters import Filters, outreach_mask
from analysis.hotspots import grid_weights
from analysis.priorities import rank_outreach_gaps
from analysis.trends import describe_window
from geodata.geography import ward_positions
from geodata.release import WARDS
from geodata.schema import OUTREACH

FINE = 250
MAX_ROWS = 5
# the order places are listed in: growing and new problems first
PRIORITY = ("intensifying", "new", "consecutive", "persistent", "sporadic", "oscillating",
            "diminishing")


def place_name(geography, system, area: int) -> str:
    """Name an area the way planners know it.

    The one place names come from: a ward's name; a grid cell as its ward and grid
    reference. (Swap in postcode-sector names here when ``geodata.places`` lands.)
    """
    if system == WARDS:
        return geography.ward_names[area]
    x, y = geography.grids[system].centroids()[area]
    ward = int(np.argmin(geography.ward_cell_distance[system][:, area]))
    return f"{geography.ward_names[ward]}, {system} m cell at {x / 1000:.2f} E {y / 1000:.2f} N km"


@dataclass(frozen=True)
class NextWeek:
    """The summary, computed from released counts only (so it may be cached for everyone).

    Attributes
    ----------
    rows : pandas.DataFrame
        ``place, category, referrals, gap, why``: the few wards hot, emerging and
        under-served, most urgent first.
    sentences : tuple of str
        The summary in words: headline, accuracy, sensitivity.
    wards : pandas.DataFrame
        Every ward in view: ``place, category, hot steps``.
    cells : pandas.DataFrame
        Grid cells in view with a category: ``place, category, hot steps``.
    cell_size : int
    cell_positions : numpy.ndarray
        Grid cells in view, for the map layer.
    cell_categories : tuple of str
        Category of each cell in ``cell_positions``.
    sensitivity : pandas.DataFrame
        Wards with a category at some step length, by step length.
    backtest : Backtest or None
    method : str
        The method in plain English.
    step_weeks, neighbourhood_steps : int
    note : str
        Why there is no analysis (too little history), else "".
    """

    rows: pd.DataFrame
    sentences: tuple[str, ...]
    wards: pd.DataFrame
    cells: pd.DataFrame
    cell_size: int
    cell_positions: np.ndarray
    cell_categories: tuple[str, ...]
    sensitivity: pd.DataFrame
    backtest: Backtest | None
    method: str
    step_weeks: int
    neighbourhood_steps: int
    note: str = ""


def method_text(step_weeks: int, neighbourhood_steps: int) -> str:
    """Say the emerging hot-spot method in plain English."""
    pooled = ("" if neighbourhood_steps == 1 else
              f" Each period's figure pools it with the {neighbourhood_steps - 1} before it.")
    rules = "; ".join(f"**{name}**: {text}" for name, text in CATEGORY_TEXT.items())
    return (
        f"History is cut into periods of {step_weeks} weeks, ending with the chosen window. "
        "In each period, every place's released referrals and its neighbours' are compared "
        "with the borough (Getis-Ord Gi*), and a place is a hot (or cold) spot when that is "
        "unlikely by chance, at 90 % confidence with the false discovery rate controlled, as "
        f"for the hot spots below.{pooled} A Mann-Kendall test says whether its Gi* score "
        "has been rising or falling (5 % level). Each place then gets the category ArcGIS "
        f"Pro's Emerging Hot Spot Analysis defines (cold spots alike): {rules}."
    )


def history_note(data: AtlasData, filters: Filters, step_bins: int) -> str:
    """Say, in one sentence, why there is too little history for Next week ("" if there is not).

    History runs from the first released week to the end of the chosen dates, cut into
    periods of ``step_bins`` release bins; the emerging hot-spot method needs
    :data:`analysis.emerging.MIN_STEPS` of them.
    """
    policy = data.release.policy
    weeks = step_bins * policy.bin_weeks
    bins = history_bins(data.release, filters.window)
    if bins is None:
        return ("Next week needs released referrals up to the end of the chosen dates, and "
                "there are none: choose dates that end later, or import referrals first.")
    have = (bins[1] - bins[0] + 1) * policy.bin_weeks
    if have >= MIN_STEPS * weeks:
        return ""
    shorter = [b * policy.bin_weeks for b in SENSITIVITY_STEP_BINS
               if b < step_bins and have >= MIN_STEPS * b * policy.bin_weeks]
    fix = "choose dates that end later" + (
        f", or periods of {shorter[0]} weeks" if shorter else "")
    return (f"Next week needs at least {MIN_STEPS * weeks} weeks of referrals "
            f"({MIN_STEPS} periods of {weeks} weeks) up to the end of the chosen dates, and "
            f"there are only {have} weeks: {fix}.")


def _emerging(data, filters, system, weights, step_bins, neighbourhood_steps):
    bins = history_bins(data.release, filters.window)
    if bins is None:
        raise ValueError("there are no released referrals yet")
    windows = step_windows(*bins, step_bins, data.release.policy)
    cube = released_cube(data.release, system, windows, filters.referral_categories)
    return emerging_hotspots(cube, weights, neighbourhood_steps=neighbourhood_steps,
                             windows=windows)


def next_week_summary(
    data: AtlasData,
    filters: Filters,
    *,
    cell_size: int,
    radius_m: float,
    step_bins: int = DEFAULT_STEP_BINS,
    neighbourhood_steps: int = DEFAULT_NEIGHBOURHOOD_STEPS,
    method: str = SURFACE,
    backtest: bool = True,
    sensitivity_steps: tuple[int, ...] = SENSITIVITY_STEP_BINS,
    backtest_options: dict | None = None,
) -> NextWeek:
    """Work out the "next week" summary for the filters (see the module docstring).

    Parameters
    ----------
    data : AtlasData
    filters : Filters
        History runs to the end of the window; the ward choice narrows the lists.
    cell_size : int
        Grid for the map layer.
    radius_m : float
        Walking radius for the outreach gap.
    step_bins : int
        Release bins per time step (2: four weeks).
    neighbourhood_steps : int
    method : str
        The method backtested (one of :data:`analysis.backtest.METHODS`).
    backtest : bool
        Run the backtest (the slow part).
    sensitivity_steps : tuple of int
        Step lengths (in bins) the ward categories are also worked out at.
    backtest_options : dict, optional
        Passed to :func:`analysis.backtest.backtest_atlas` (``train_bins``...).

    Returns
    -------
    NextWeek
    """
    geo = data.geography
    weeks = step_bins * data.release.policy.bin_weeks
    text = method_text(weeks, neighbourhood_steps)
    wards = ward_positions(geo, filters.wards)
    cells = np.flatnonzero(geo.ward_cells[cell_size][wards].any(axis=0))
    empty = pd.DataFrame(columns=["place", "category", "referrals", "gap", "why"])
    note = history_note(data, filters, step_bins)
    if not note:
        try:
            ward_result = _emerging(data, filters, WARDS, geo.ward_weights, step_bins,
                                    neighbourhood_steps)
            cell_result = _emerging(data, filters, cell_size,
                                    grid_weights(geo.grids[cell_size]), step_bins,
                                    neighbourhood_steps)
        except ValueError as error:
            note = f"Next week cannot be worked out for these dates: {error}."
    if note:
        return NextWeek(empty, (note,), pd.DataFrame(), pd.DataFrame(), cell_size, cells,
                        (NONE,) * len(cells), pd.DataFrame(), None, text, weeks,
                        neighbourhood_steps, note)

    names = [place_name(geo, WARDS, i) for i in range(len(geo.ward_codes))]
    sensitivity = {weeks: ward_result}
    for other in sensitivity_steps:
        if other != step_bins:
            try:
                sensitivity[other * data.release.policy.bin_weeks] = _emerging(
                    data, filters, WARDS, geo.ward_weights, other, neighbourhood_steps)
            except ValueError:
                continue
    changes = sensitivity_table(sensitivity, names)

    last = ward_result.windows[-1]
    gaps = _ward_gaps(data, filters, last, radius_m)
    rows = _rows(geo, ward_result, gaps, wards, last)
    ward_table = pd.DataFrame({
        "place": [names[i] for i in wards],
        "category": [ward_result.categories[i] for i in wards],
        "hot periods": [f"{int(ward_result.hot_steps()[i])} of {len(ward_result.windows)}"
                        for i in wards],
    })
    flagged = [int(i) for i in cells if cell_result.categories[i] != NONE]
    cell_table = pd.DataFrame({
        "place": [place_name(geo, cell_size, i) for i in flagged],
        "category": [cell_result.categories[i] for i in flagged],
        "hot periods": [f"{int(cell_result.hot_steps()[i])} of {len(cell_result.windows)}"
                        for i in flagged],
    })
    result = backtest_atlas(data, filters, method, cell_size=cell_size, radius_m=radius_m,
                            **(backtest_options or {})) if backtest else None
    sentences = [_headline(rows, weeks, last)]
    if result is not None:
        sentences.append(result.sentence())
    sentences.append(describe_sensitivity(changes))
    return NextWeek(
        rows=rows, sentences=tuple(sentences), wards=ward_table, cells=cell_table,
        cell_size=cell_size, cell_positions=cells,
        cell_categories=tuple(cell_result.categories[i] for i in cells),
        sensitivity=changes, backtest=result, method=text, step_weeks=weeks,
        neighbourhood_steps=neighbourhood_steps,
    )


def _ward_gaps(data, filters, window, radius_m) -> pd.DataFrame:
    geo = data.geography
    every = np.arange(len(geo.ward_codes))
    refs = data.release.counts(WARDS, window, filters.referral_categories).values
    chosen = replace(filters, window=window, kinds=(OUTREACH,), wards=())
    out = np.bincount(data.outreach.cells[FINE][outreach_mask(data.outreach, geo, chosen)
                                                 & (data.outreach.cells[FINE] >= 0)],
                      minlength=geo.grids[FINE].n_cells)
    near = geo.ward_cell_distance[FINE][:, np.flatnonzero(out)] <= radius_m
    return rank_outreach_gaps(list(geo.ward_codes), list(geo.ward_names), refs[every],
                              near @ out[np.flatnonzero(out)], radius_m=radius_m,
                              period=describe_window(window))


def _rows(geo, result: EmergingResult, gaps: pd.DataFrame, wards, last) -> pd.DataFrame:
    position = {code: i for i, code in enumerate(geo.ward_codes)}
    by_ward = {position[a]: row for a, row in zip(gaps["area"], gaps.itertuples(), strict=True)}
    picked = []
    for i in wards:
        category = result.categories[i]
        pattern = category.split(" ")[0]
        row = by_ward.get(i)
        if not category.endswith("hot spot") or pattern not in PRIORITY or row is None:
            continue
        if row.gap <= 0:
            continue
        picked.append((PRIORITY.index(pattern), -row.gap, geo.ward_names[i], i, category, row))
    picked.sort()
    steps = len(result.windows)
    out = []
    for _, _, name, i, category, row in picked[:MAX_ROWS]:
        hot = int(result.hot_steps()[i])
        trend = {1: ", rising", -1: ", easing"}.get(int(result.trend[i]), "")
        out.append({
            "place": name, "category": category, "referrals": row.referrals,
            "gap": row.gap,
            "why": f"A {category} (hot in {hot} of the last {steps} periods{trend}); "
                   f"{row.reason}.",
        })
    return pd.DataFrame(out, columns=["place", "category", "referrals", "gap", "why"])


def _headline(rows: pd.DataFrame, weeks: int, last) -> str:
    if rows.empty:
        return (f"No ward is both an emerging or lasting hot spot and under-served in "
                f"{describe_window(last)} (periods of {weeks} weeks).")
    places = ", ".join(f"{p} ({c})" for p, c in zip(rows["place"], rows["category"], strict=True))
    return (f"Next week, look first at {places}: hot, emerging or lasting, and with more "
            f"referrals than their outreach covers in {describe_window(last)}.")
