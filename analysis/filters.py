"""Filters (date window, wards, kinds, categories) and the numpy masks that apply them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from geodata import vocab
from geodata.errors import FilterError
from geodata.geography import Geography, ward_positions
from geodata.release import DEFAULT_POLICY, OutreachIndex, ReleasePolicy, WeekWindow, snap_to_weeks
from geodata.schema import CAMPAIGN_END, CAMPAIGN_START, KINDS, OUTREACH, REFERRAL

PRESET_LAST_4_WEEKS = "last 4 weeks"
PRESET_LAST_QUARTER = "last quarter"
PRESET_CAMPAIGN = "campaign week"
PRESET_ALL = "all dates"
PRESET_CUSTOM = "custom"
DATE_PRESETS = (PRESET_LAST_4_WEEKS, PRESET_LAST_QUARTER, PRESET_CAMPAIGN, PRESET_ALL)


@dataclass(frozen=True)
class Filters:
    """What the planner asked to see. Hashable, so it can key a cache.

    Attributes
    ----------
    window : WeekWindow
        Whole ISO weeks.
    wards : tuple of str
        Ward codes; empty means every ward.
    kinds : tuple of str
        ``referral`` and/or ``outreach``.
    referral_categories, outreach_categories : tuple of str
        Categories to keep; empty means every category.
    """

    window: WeekWindow
    wards: tuple[str, ...] = ()
    kinds: tuple[str, ...] = KINDS
    referral_categories: tuple[str, ...] = field(default=())
    outreach_categories: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        """Check the values up front, naming the bad one and what is allowed."""
        for kind in self.kinds:
            if kind not in KINDS:
                raise FilterError(f"Unknown record kind {kind!r}; allowed: {', '.join(KINDS)}.")
        for kind, chosen in (
            (REFERRAL, self.referral_categories),
            (OUTREACH, self.outreach_categories),
        ):
            unknown = set(chosen) - set(vocab.categories_for(kind))
            if unknown:
                raise FilterError(
                    f"Unknown {kind} categor{'y' if len(unknown) == 1 else 'ies'}: "
                    f"{', '.join(sorted(unknown))}; allowed: "
                    f"{', '.join(vocab.categories_for(kind))}."
                )

    def categories_for(self, kind: str) -> tuple[str, ...]:
        """Return the chosen categories of a kind (empty means all)."""
        return self.referral_categories if kind == REFERRAL else self.outreach_categories

    def describe(self, ward_names: Mapping[str, str] | None = None) -> str:
        """Say in words what the filters select, for captions and exports."""
        names = ward_names or {}
        wards = ", ".join(names.get(c, c) for c in self.wards) if self.wards else "all wards"
        parts = [self.window.describe(), wards, " and ".join(self.kinds) or "no records"]
        for kind in self.kinds:
            cats = self.categories_for(kind)
            if cats:
                parts.append(f"{kind} categories: {', '.join(cats)}")
        return "; ".join(parts)


def preset_window(
    preset: str,
    last_day: dt.date,
    *,
    first_day: dt.date | None = None,
    policy: ReleasePolicy = DEFAULT_POLICY,
) -> WeekWindow:
    """Return the weeks a date preset stands for, relative to the latest data.

    Parameters
    ----------
    preset : str
        One of :data:`DATE_PRESETS`.
    last_day : datetime.date
        The last day with data; "last 4 weeks" ends with the ISO week holding it.
    first_day : datetime.date, optional
        The first day with data, for "all dates" (defaults to ``last_day``).
    policy : ReleasePolicy

    Returns
    -------
    WeekWindow

    Raises
    ------
    FilterError
        For an unknown preset.

    Examples
    --------
    >>> preset_window("campaign week", dt.date(2024, 3, 31)).describe()
    '18 Sep 2023 – 1 Oct 2023 (2 ISO weeks)'
    """
    if preset == PRESET_CAMPAIGN:
        return snap_to_weeks(CAMPAIGN_START, CAMPAIGN_END, policy)
    if preset == PRESET_ALL:
        return snap_to_weeks(first_day or last_day, last_day, policy)
    weeks = {PRESET_LAST_4_WEEKS: 4, PRESET_LAST_QUARTER: 13}.get(preset)
    if weeks is None:
        raise FilterError(f"Unknown date preset {preset!r}; allowed: {', '.join(DATE_PRESETS)}.")
    return snap_to_weeks(last_day - dt.timedelta(weeks=weeks - 1), last_day, policy)


def outreach_mask(index: OutreachIndex, geography: Geography, filters: Filters) -> np.ndarray:
    """Select the outreach records that the filters keep (by their masked ward).

    Parameters
    ----------
    index : OutreachIndex
    geography : Geography
    filters : Filters

    Returns
    -------
    numpy.ndarray of bool
        All False when outreach is not among ``filters.kinds``.
    """
    if OUTREACH not in filters.kinds:
        return np.zeros(len(index), dtype=bool)
    mask = (index.week >= filters.window.first_week) & (index.week <= filters.window.last_week)
    categories = filters.outreach_categories
    if categories:
        allowed = vocab.categories_for(OUTREACH)
        codes = np.array([allowed.index(c) for c in categories], dtype=index.category.dtype)
        mask &= np.isin(index.category, codes)
    if filters.wards:
        selected = np.zeros(len(geography.ward_codes), dtype=bool)
        selected[ward_positions(geography, filters.wards)] = True
        mask &= selected[index.ward]
    return mask
