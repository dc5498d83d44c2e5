"""Trends: series per block of weeks, and two periods compared ward by ward.

Everything here is computed from released referral counts (:mod:`geodata.release`), per
fixed block of ISO weeks, never per week. Comparing two periods, a ward's change is tested
when the released counts allow (an exact binomial test of how the referrals split between
the periods, against the split their lengths would give); the neighbouring wards' change is
shown next to it, as a direction, to spot displacement or diffusion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
from libpysal.weights import W
from scipy import stats

from analysis.dataset import AtlasData
from analysis.filters import Filters, outreach_mask
from geodata import vocab
from geodata.geography import ward_positions
from geodata.release import (
    DEFAULT_POLICY,
    WARDS,
    ReleasePolicy,
    WeekWindow,
    bin_of_week,
    snap_to_weeks,
    window_of_bins,
)
from geodata.schema import CAMPAIGN_END, CAMPAIGN_START, OUTREACH, REFERRAL

MIN_TO_TEST = 10
ALPHA = 0.05
WEEK = "week"
SERIES = "series"
COUNT = "count"
LABEL = "label"
ALL = "all"


def campaign_periods(policy: ReleasePolicy = DEFAULT_POLICY) -> dict[str, WeekWindow]:
    """Return the presets: the 4 weeks before the campaign week, the week, the 4 after."""
    campaign = snap_to_weeks(CAMPAIGN_START, CAMPAIGN_END, policy)
    first, last = campaign.bins(policy)
    blocks = -(-4 // policy.bin_weeks)  # whole blocks covering 4 weeks
    return {
        "4 weeks before the campaign": window_of_bins(first - blocks, first - 1, policy),
        "campaign week": campaign,
        "4 weeks after the campaign": window_of_bins(last + 1, last + blocks, policy),
    }


def block_series(data: AtlasData, filters: Filters, kind: str) -> pd.DataFrame:
    """Count a kind of record per block of weeks and category.

    Parameters
    ----------
    data : AtlasData
    filters : Filters
    kind : {"referral", "outreach"}

    Returns
    -------
    pandas.DataFrame
        ``week`` (the Monday a block starts), ``series`` (category or "all"), ``count``
        and ``label`` (the text shown). Referral figures are released counts.
    """
    policy = data.release.policy
    first, last = filters.window.bins(policy)
    blocks = np.arange(first, last + 1)
    categories = vocab.categories_for(kind)
    if kind == REFERRAL:
        wards = None if not filters.wards else ward_positions(data.geography, filters.wards)
        counts = data.release.series(filters.window, filters.referral_categories, wards)
        table = {name: counts[name] for name in (ALL, *categories)}
    else:
        mask = outreach_mask(data.outreach, data.geography, replace(filters, kinds=(OUTREACH,)))
        offsets = bin_of_week(data.outreach.week[mask], policy) - first
        per = np.zeros((len(blocks), len(categories)), dtype="int64")
        np.add.at(per, (offsets, data.outreach.category[mask].astype("int64")), 1)
        table = {ALL: per.sum(axis=1), **{c: per[:, i] for i, c in enumerate(categories)}}
    rows = []
    for i, b in enumerate(blocks):
        monday = window_of_bins(int(b), int(b), policy).start
        rows += [(monday, name, float(v[i]), f"{int(v[i]):,}") for name, v in table.items()]
    return pd.DataFrame(rows, columns=[WEEK, SERIES, COUNT, LABEL])


def compare_periods(
    data: AtlasData,
    filters: Filters,
    first: WeekWindow,
    second: WeekWindow,
    weights: W,
) -> pd.DataFrame:
    """Compare released referrals per ward between two periods, with the neighbours' change.

    Parameters
    ----------
    data : AtlasData
    filters : Filters
        Wards and categories to keep (its window is replaced by each period).
    first, second : WeekWindow
    weights : libpysal.weights.W
        Ward contiguity (:attr:`geodata.geography.Geography.ward_weights`).

    Returns
    -------
    pandas.DataFrame
        Per selected ward: ``ward``, ``name``, ``first``, ``second`` (released),
        ``change`` and ``neighbours`` (directions in words).
    """
    geography = data.geography
    n_wards = len(geography.ward_codes)
    a, b = (
        data.release.counts(WARDS, window, filters.referral_categories).values
        for window in (first, second)
    )
    share = first.n_weeks / (first.n_weeks + second.n_weeks)
    positions = ward_positions(geography, filters.wards)
    neighbours = [list(weights.neighbors[i]) for i in range(n_wards)]
    return pd.DataFrame(
        {
            "ward": [geography.ward_codes[i] for i in positions],
            "name": [geography.ward_names[i] for i in positions],
            "first": [f"{a[i]:,}" for i in positions],
            "second": [f"{b[i]:,}" for i in positions],
            "change": [_direction(a[i], b[i], share) for i in positions],
            "neighbours": [
                _direction(a[neighbours[i]].sum(), b[neighbours[i]].sum(), share)
                for i in positions
            ],
        }
    )


def _direction(first: int, second: int, share_first: float) -> str:
    """Describe a change in released counts, tested when there are enough of them."""
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
