"""ISO weeks and the fixed blocks of weeks that referral dates are counted in.

Weeks are counted consecutively from 1970 (:func:`week_index`, not the ISO week of the
year, which restarts every January); the release policy groups them into
fixed bins of ``bin_weeks`` weeks that tile the calendar from ``bin_anchor``. Every
referral date window is a run of whole bins, so no view can count a single week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from geodata.errors import FilterError
from geodata.release.policy import DEFAULT_POLICY, ReleasePolicy

_EPOCH = dt.date(1970, 1, 1)


def week_index(days) -> np.ndarray:
    """Return the index of each date's Monday-to-Sunday week, counted from 1970.

    This is a running count, not the ISO week of the year (1 to 53, restarting each
    January): consecutive weeks have consecutive indexes across years, which is what
    bins of weeks need.

    Parameters
    ----------
    days : array-like of datetime64[D]

    Returns
    -------
    numpy.ndarray of int32
        Equal numbers mean the same Monday-to-Sunday (ISO) week; week 0 began on Monday
        29 December 1969.
    """
    day_number = np.asarray(days, dtype="datetime64[D]").astype("int64")
    # 1970-01-01 was a Thursday, so shifting by 3 makes weeks start on Monday.
    return ((day_number + 3) // 7).astype("int32")


def monday_of_week_index(week: int) -> dt.date:
    """Return the Monday of a week given by its index (:func:`week_index`)."""
    return _EPOCH + dt.timedelta(days=int(week) * 7 - 3)


def _anchor_week(policy: ReleasePolicy) -> int:
    return int(week_index(np.datetime64(policy.bin_anchor, "D")))


def bin_of_week(week, policy: ReleasePolicy = DEFAULT_POLICY):
    """Return the bin number of week indexes (array or scalar).

    Examples
    --------
    >>> w = int(week_index(np.datetime64("2023-09-18")))
    >>> int(bin_of_week(w)) == int(bin_of_week(w + 1)) != int(bin_of_week(w + 2))
    True
    """
    return (np.asarray(week, dtype="int64") - _anchor_week(policy)) // policy.bin_weeks


def first_week_of_bin(bin_number: int, policy: ReleasePolicy = DEFAULT_POLICY) -> int:
    """Return the index of the first week of a bin."""
    return _anchor_week(policy) + int(bin_number) * policy.bin_weeks


@dataclass(frozen=True)
class WeekWindow:
    """A date window of whole ISO weeks, Monday of the first to Sunday of the last."""

    first_week: int
    last_week: int

    @property
    def start(self) -> dt.date:
        """The Monday the window opens."""
        return monday_of_week_index(self.first_week)

    @property
    def end(self) -> dt.date:
        """The Sunday the window closes."""
        return monday_of_week_index(self.last_week) + dt.timedelta(days=6)

    @property
    def n_weeks(self) -> int:
        """How many weeks the window holds."""
        return self.last_week - self.first_week + 1

    def bins(self, policy: ReleasePolicy = DEFAULT_POLICY) -> tuple[int, int]:
        """Return the first and last bin the window covers."""
        return int(bin_of_week(self.first_week, policy)), int(bin_of_week(self.last_week, policy))

    def describe(self) -> str:
        """Say which weeks, in words, e.g. '18 Sep 2023 – 1 Oct 2023 (2 ISO weeks)'."""
        fmt = "%-d %b %Y"
        plural = "s" if self.n_weeks != 1 else ""
        return (
            f"{self.start.strftime(fmt)} – {self.end.strftime(fmt)} "
            f"({self.n_weeks} ISO week{plural})"
        )


def window_of_bins(
    first_bin: int, last_bin: int, policy: ReleasePolicy = DEFAULT_POLICY
) -> WeekWindow:
    """Return the window made of bins ``first_bin`` to ``last_bin``."""
    return WeekWindow(
        first_week_of_bin(first_bin, policy),
        first_week_of_bin(last_bin, policy) + policy.bin_weeks - 1,
    )


def snap_to_weeks(
    start: dt.date, end: dt.date, policy: ReleasePolicy = DEFAULT_POLICY
) -> WeekWindow:
    """Widen a date range to whole bins of ISO weeks.

    The window grows outward to the first day of the bin holding ``start`` and the last
    day of the bin holding ``end``, so it is never shorter than ``policy.bin_weeks`` weeks.

    Parameters
    ----------
    start, end : datetime.date
    policy : ReleasePolicy

    Returns
    -------
    WeekWindow

    Raises
    ------
    FilterError
        When ``end`` is before ``start``.

    Examples
    --------
    >>> snap_to_weeks(dt.date(2023, 9, 24), dt.date(2023, 9, 30)).describe()
    '18 Sep 2023 – 1 Oct 2023 (2 ISO weeks)'
    >>> snap_to_weeks(dt.date(2023, 10, 2), dt.date(2023, 10, 3)).describe()
    '2 Oct 2023 – 15 Oct 2023 (2 ISO weeks)'
    """
    if end < start:
        raise FilterError(
            f"The date range ends ({end}) before it starts ({start}).",
            fix="Pick an end date on or after the start date.",
        )
    first = int(bin_of_week(week_index(np.datetime64(start, "D")), policy))
    last = int(bin_of_week(week_index(np.datetime64(end, "D")), policy))
    return window_of_bins(first, last, policy)
