"""The release policy: every disclosure-control parameter, set in one place.

The policy also describes itself (:meth:`ReleasePolicy.describe`), so that pages, exports
and the README state the rules from the same object that enforces them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ReleasePolicy:
    """The disclosure-control parameters (see ``docs/release.md``).

    Attributes
    ----------
    k : int
        Referral counts from 1 to ``k - 1`` are never released as themselves.
    key_range : int
        Cell keys run from 0 to ``key_range - 1`` (record keys are 32-bit).
    noise : tuple of float
        Probabilities of the adjustments ``-m .. +m`` added to a count of ``k`` or more
        (``m = len(noise) // 2``); symmetric, so released counts are unbiased.
    small_spread : int
        A count from 1 to ``k - 1`` that is not released as 0 is released as one of
        ``k .. k + 2 * small_spread`` (evenly), so a released ``k`` does not point to ``k - 1``.
    bin_weeks : int
        Referral dates are counted in fixed bins of this many ISO weeks; it is also the
        shortest date window.
    bin_anchor : datetime.date
        A Monday that starts a bin (bins tile the calendar from it, both ways).
    geomask_min_m, geomask_max_m : float
        The donut in which a masked outreach place lands, in metres.
    place_cell_m : float
        Outreach records in the same square of this size (a fixed grid) are one place and
        share one displacement.
    """

    k: int = 5
    key_range: int = 256
    noise: tuple[float, ...] = (0.1, 0.1, 0.1, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1)
    small_spread: int = 3
    bin_weeks: int = 2
    bin_anchor: dt.date = dt.date(2023, 9, 18)
    geomask_min_m: float = 100.0
    geomask_max_m: float = 400.0
    place_cell_m: float = 200.0

    def __post_init__(self) -> None:
        """Check the parameters up front."""
        if self.k < 2:
            raise ValueError(f"k must be at least 2, not {self.k!r}")
        if self.key_range < 16:
            raise ValueError(f"key_range must be at least 16, not {self.key_range!r}")
        if len(self.noise) % 2 != 1 or abs(sum(self.noise) - 1) > 1e-9:
            raise ValueError("noise must be an odd number of probabilities adding up to 1")
        if tuple(self.noise) != tuple(reversed(self.noise)):
            raise ValueError("noise must be symmetric, so that released counts are unbiased")
        if self.small_spread < 0:
            raise ValueError(f"small_spread must not be negative, not {self.small_spread!r}")
        if len(self.noise) // 2 >= self.k:
            raise ValueError("the largest adjustment must be smaller than k")
        if self.bin_weeks < 1:
            raise ValueError(f"bin_weeks must be at least 1, not {self.bin_weeks!r}")
        if self.bin_anchor.weekday() != 0:
            raise ValueError(f"bin_anchor must be a Monday, not {self.bin_anchor:%A %d %b %Y}")
        if not 0 < self.geomask_min_m < self.geomask_max_m:
            raise ValueError("geomask_min_m must be positive and below geomask_max_m")

    @property
    def max_noise(self) -> int:
        """The largest adjustment of a count of ``k`` or more."""
        return len(self.noise) // 2

    def describe(self) -> tuple[str, ...]:
        """Say the rules in plain English, one sentence each.

        Returns
        -------
        tuple of str

        Examples
        --------
        >>> print(ReleasePolicy().describe()[0])  # doctest: +ELLIPSIS
        Referral counts are never shown exactly: ...
        """
        k, m = self.k, self.max_noise
        return (
            "Referral counts are never shown exactly: each figure is the true count with a "
            f"small random adjustment (at most {m} either way, none on average), fixed by "
            "the records it counts, so asking again gives the same figure and comparing "
            "two overlapping figures reveals only noise.",
            f"A count from 1 to {k - 1} is never shown as itself: it shows as 0 or as "
            f"{k} to {k + 2 * self.small_spread}, so a 0 can stand for a few referrals and "
            "figures may not add up.",
            f"Referral dates are counted in fixed blocks of {self.bin_weeks} ISO weeks "
            "(Monday to Sunday); every date window is made of whole blocks.",
            "Every figure, class, ranking, hot spot, surface, test and sentence about "
            "referrals is worked out from these adjusted counts only.",
            "Referral locations never leave the server: no marker, point or coordinate.",
            f"Outreach places are moved {self.geomask_min_m:.0f}–{self.geomask_max_m:.0f} m "
            f"in a secret, fixed direction; all visits within one {self.place_cell_m:.0f} m "
            "square move together, and "
            "outreach is counted per area from the moved positions. Viewers see outreach "
            "per ward only.",
        )


DEFAULT_POLICY = ReleasePolicy()
