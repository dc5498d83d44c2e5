"""Trends: weekly series, and two periods compared ward by ward.

Weekly referral counts are disclosed week by week (the categories of a week are one view).
Comparing two periods, a ward's change is tested when counts allow (an exact binomial test
of how the referrals split between the periods, against the split their lengths would
give); otherwise only the disclosed figures are shown. The neighbouring wards' change is
shown next to it, as a direction, to spot displacement or diffusion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
from libpysal.weights import W
from scipy import stats

from analysis.filters import Filters, record_mask
from analysis.index import Geography, RecordIndex, ward_positions
from geodata import vocab
from geodata.disclosure import (
    DEFAULT_POLICY,
    DisclosurePolicy,
    WeekWindow,
    disclose_counts,
    monday_of_week_number,
    snap_to_weeks,
)
from geodata.schema import CAMPAIGN_END, CAMPAIGN_START, REFERRAL

MIN_TO_TEST = 10
ALPHA = 0.05
WEEK = "week"
SERIES = "series"
COUNT = "count"
LABEL = "label"


def campaign_periods(policy: DisclosurePolicy = DEFAULT_POLICY) -> dict[str, WeekWindow]:
    """Return the presets: the 4 weeks before the campaign week, the week, the 4 after."""
    campaign = snap_to_weeks(CAMPAIGN_START, CAMPAIGN_END, policy)
    return {
        "4 weeks before the campaign": WeekWindow(campaign.first_week - 4, campaign.first_week - 1),
        "campaign week": campaign,
        "4 weeks after the campaign": WeekWindow(campaign.last_week + 1, campaign.last_week + 4),
    }


def weekly_series(
    index: RecordIndex,
    geography: Geography,
    filters: Filters,
    kind: str,
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """Count a kind of record per ISO week and category, disclosed week by week.

    Parameters
    ----------
    index : RecordIndex
    geography : Geography
    filters : Filters
    kind : {"referral", "outreach"}
    policy : DisclosurePolicy

    Returns
    -------
    pandas.DataFrame
        ``week`` (Monday), ``series`` (category or "all"), ``count`` (shown value, NaN
        where suppressed) and ``label`` (the text shown).
    """
    filters = replace(filters, kinds=(kind,))
    mask = record_mask(index, geography, filters, kind)
    categories = vocab.categories_for(kind)
    weeks = np.arange(filters.window.first_week, filters.window.last_week + 1)
    offsets = index.week[mask] - filters.window.first_week
    table = np.zeros((len(weeks), len(categories)), dtype="int64")
    np.add.at(table, (offsets, index.category[mask].astype("int64")), 1)
    rows = []
    for w, counts in zip(weeks, table, strict=True):
        monday = monday_of_week_number(int(w))
        if kind == REFERRAL:
            shown = disclose_counts(counts, policy)
            values, labels = shown.values, shown.labels
            total_value, total_label = shown.total, shown.total_label
        else:
            values, labels = counts.astype(float), tuple(f"{c:,}" for c in counts)
            total_value, total_label = float(counts.sum()), f"{counts.sum():,}"
        rows.append((monday, "all", total_value, total_label))
        rows += [(monday, c, v, lbl) for c, v, lbl in zip(categories, values, labels, strict=True)]
    return pd.DataFrame(rows, columns=[WEEK, SERIES, COUNT, LABEL])


def compare_periods(
    index: RecordIndex,
    geography: Geography,
    filters: Filters,
    first: WeekWindow,
    second: WeekWindow,
    weights: W,
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """Compare referrals per ward between two periods, with the neighbours' change.

    Parameters
    ----------
    index : RecordIndex
    geography : Geography
    filters : Filters
        Wards and categories to keep (its window is replaced by each period).
    first, second : WeekWindow
    weights : libpysal.weights.W
        Ward contiguity (:func:`analysis.hotspots.ward_weights`).
    policy : DisclosurePolicy

    Returns
    -------
    pandas.DataFrame
        Per selected ward: ``ward``, ``name``, ``first``, ``second`` (disclosed), ``change``
        and ``neighbours`` (directions in words).
    """
    n_wards = len(geography.ward_codes)
    counts = []
    for window in (first, second):
        mask = record_mask(index, geography, replace(filters, window=window, wards=()), REFERRAL)
        counts.append(np.bincount(index.ward[mask], minlength=n_wards))
    a, b = counts
    share = first.n_weeks / (first.n_weeks + second.n_weeks)
    positions = ward_positions(geography, filters.wards)
    neighbours = [list(weights.neighbors[i]) for i in range(n_wards)]
    shown_a = disclose_counts(a[positions], policy)
    shown_b = disclose_counts(b[positions], policy)
    return pd.DataFrame(
        {
            "ward": [geography.ward_codes[i] for i in positions],
            "name": [geography.ward_names[i] for i in positions],
            "first": shown_a.labels,
            "second": shown_b.labels,
            "change": [_direction(a[i], b[i], share) for i in positions],
            "neighbours": [
                _direction(a[neighbours[i]].sum(), b[neighbours[i]].sum(), share)
                for i in positions
            ],
        }
    )


def _direction(first: int, second: int, share_first: float) -> str:
    """Describe a change, tested when there are enough referrals."""
    n = int(first + second)
    if n < MIN_TO_TEST:
        return "too few referrals to test"
    test = stats.binomtest(int(first), n, share_first)
    expected_second = n * (1 - share_first)
    word = "rise" if second > expected_second else "fall"
    if test.pvalue < ALPHA:
        return f"{word} (significant at {1 - ALPHA:.0%})"
    return "no clear change"


def describe_window(window: WeekWindow) -> str:
    """Say a window in words for reasons: 'the 13 weeks to 31 Mar 2024'."""
    end: dt.date = window.end
    return f"the {window.n_weeks} weeks to {end.strftime('%-d %b %Y')}"
