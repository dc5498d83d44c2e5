"""The release layer: the only reader of exact referral records.

:class:`ReferralRelease` holds the referral records as small integer codes (bin of weeks,
category, ward, grid cells, record key) in private slots, and answers one question:
*released counts* for the areas of one area system (wards, a grid, the borough) over a
window of whole bins, for some categories. Everything the atlas shows about referrals is
computed from those answers (``docs/release.md``).

Which cells exist, and so which noisy values an intruder can ever see, is fixed:

- an area system's areas one by one, and the borough as a cell of its own (totals are not
  sums of the cells under them); a selection of several wards is the sum of their cells;
- each category on its own, and "all categories" as a cell of its own; a selection of
  several categories is the sum of their cells;
- time in *dyadic blocks* of bins (1, 2, 4, 8... bins, aligned), and a window is the sum of
  the fewest blocks that make it up.

So a window, ward set or category set never gets fresh noise of its own: asking the same
thing in a thousand overlapping ways gives a thousand sums of the same few released cells,
which cannot be averaged to take the noise away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geodata.release.cellkey import (
    RECORD_KEY_BITS,
    PerturbationTable,
    cell_keys,
    perturbation_table,
)
from geodata.release.policy import DEFAULT_POLICY, ReleasePolicy
from geodata.release.weeks import WeekWindow, bin_of_week, window_of_bins

WARDS = "ward"
BOROUGH = "borough"


@dataclass(frozen=True)
class ReleasedCounts:
    """Released referral counts, one per area of an area system.

    Attributes
    ----------
    values : numpy.ndarray of int64
        Released counts (never 1 to k-1).
    """

    values: np.ndarray

    @property
    def labels(self) -> tuple[str, ...]:
        """The counts as shown, e.g. ``"1,205"``."""
        return tuple(f"{int(v):,}" for v in self.values)


def dyadic_blocks(first_bin: int, last_bin: int) -> list[tuple[int, int]]:
    """Split a run of bins into the fewest aligned blocks of 1, 2, 4, 8... bins.

    Parameters
    ----------
    first_bin, last_bin : int

    Returns
    -------
    list of (int, int)
        First and last bin of each block, in order.

    Examples
    --------
    >>> dyadic_blocks(3, 12)
    [(3, 3), (4, 7), (8, 11), (12, 12)]
    """
    blocks, start = [], first_bin
    while start <= last_bin:
        size = 1
        while start % (2 * size) == 0 and start + 2 * size - 1 <= last_bin:
            size *= 2
        blocks.append((start, start + size - 1))
        start += size
    return blocks


class ReferralRelease:
    """Exact referral records in; released counts out (see the module docstring).

    Parameters
    ----------
    weeks : numpy.ndarray of int
        Week index of each referral (:func:`geodata.release.weeks.week_index`).
    categories : numpy.ndarray of int
        Position of each referral's category in ``category_names``.
    areas : dict
        Area system name (``"ward"`` or a grid cell size) to ``(codes, n_areas)``: each
        referral's position in that system.
    record_keys : numpy.ndarray of int
        The records' cell-key keys.
    category_names : sequence of str
    policy : ReleasePolicy
    synthetic : numpy.ndarray of bool, optional
        Records from synthetic (demo) datasets (none by default).

    Notes
    -----
    The exact records are held in private slots and the object refuses to be pickled, so
    it can live only in the process that built it, never in a shared cache of results.
    """

    __slots__ = (
        "_bins", "_categories", "_areas", "_keys", "_names", "_policy", "_table", "_synthetic",
    )

    def __init__(
        self,
        *,
        weeks,
        categories,
        areas: dict,
        record_keys,
        category_names,
        policy: ReleasePolicy = DEFAULT_POLICY,
        synthetic=None,
    ) -> None:
        bins = np.asarray(bin_of_week(np.asarray(weeks), policy), dtype="int64")
        order = np.argsort(bins, kind="stable")
        n = len(bins)
        keys = np.asarray(record_keys, dtype="int64")
        cats = np.asarray(categories, dtype="int64")
        if not (len(keys) == len(cats) == n):
            raise ValueError("weeks, categories and record_keys must have the same length")
        if n and (keys.min() < 0 or keys.max() >= 2**RECORD_KEY_BITS):
            raise ValueError(f"record keys must lie in 0 .. 2**{RECORD_KEY_BITS} - 1")
        self._bins = bins[order]
        self._categories = cats[order]
        # two exact halves, so that sums by bincount (in float64) stay exact
        self._keys = (keys[order] >> 16, keys[order] & 0xFFFF)
        self._areas = {BOROUGH: (np.zeros(n, dtype="int8"), 1)}
        for system, (codes, n_areas) in areas.items():
            codes = np.asarray(codes)
            if len(codes) != n:
                raise ValueError(f"area system {system!r} has {len(codes)} codes for {n} records")
            self._areas[system] = (codes[order], int(n_areas))
        flags = np.zeros(n, dtype=bool) if synthetic is None else np.asarray(synthetic, bool)
        self._synthetic = flags[order]
        self._names = tuple(category_names)
        self._policy = policy
        self._table: PerturbationTable = perturbation_table(policy)

    def __getstate__(self):
        """Refuse to be pickled: exact records must not leave this process."""
        raise TypeError(
            "a ReferralRelease holds exact records and cannot be pickled or shared; "
            "cache released results instead"
        )

    def __reduce_ex__(self, protocol):
        """Refuse to be pickled (see :meth:`__getstate__`)."""
        return self.__getstate__()

    @property
    def policy(self) -> ReleasePolicy:
        """The policy the counts are released under."""
        return self._policy

    def n_areas(self, system) -> int:
        """Return how many areas an area system has."""
        return self._areas[self._check_system(system)][1]

    # ------------------------------------------------------------------ questions

    def counts(self, system, window: WeekWindow, categories=()) -> ReleasedCounts:
        """Return released counts for every area of a system, over a window.

        Parameters
        ----------
        system : str or int
            ``"ward"``, ``"borough"`` or a grid cell size.
        window : WeekWindow
            Snapped to whole bins first (it already is when it came from the filters).
        categories : sequence of str
            Categories to count; empty (or every category) means all categories.

        Returns
        -------
        ReleasedCounts
        """
        system = self._check_system(system)
        cats = self._category_codes(categories)
        first, last = window.bins(self._policy)
        total = np.zeros(self.n_areas(system), dtype="int64")
        for lo, hi in dyadic_blocks(first, last):
            for cat in cats:
                total += self._released_block(system, lo, hi, cat)
        return ReleasedCounts(total)

    def total(self, window: WeekWindow, categories=(), wards=None) -> int:
        """Return the released total for some wards (the borough cell when all of them).

        Parameters
        ----------
        window : WeekWindow
        categories : sequence of str
        wards : sequence of int, optional
            Ward positions; ``None`` (or every ward) means the whole borough.

        Returns
        -------
        int
        """
        n_wards = self.n_areas(WARDS)
        if wards is None or len(set(int(w) for w in wards)) == n_wards:
            return int(self.counts(BOROUGH, window, categories).values[0])
        return int(self.counts(WARDS, window, categories).values[list(wards)].sum())

    def series(self, window: WeekWindow, categories=(), wards=None) -> dict:
        """Return released counts per bin: in total and per category.

        Parameters
        ----------
        window : WeekWindow
        categories : sequence of str
            The categories in the total; every category is also given on its own.
        wards : sequence of int, optional
            Ward positions; ``None`` means the whole borough.

        Returns
        -------
        dict
            ``"bins"``: the bin numbers; ``"all"``: released totals; and one array per
            category name.
        """
        first, last = window.bins(self._policy)
        bins = np.arange(first, last + 1)
        out = {"bins": bins, "all": np.zeros(len(bins), dtype="int64")}
        out.update({name: np.zeros(len(bins), dtype="int64") for name in self._names})
        for i, b in enumerate(bins):
            one = self._bin_window(int(b))
            out["all"][i] = self.total(one, categories, wards)
            for name in self._names:
                out[name][i] = self.total(one, (name,), wards)
        return out

    def n_cells(self, window: WeekWindow, categories=(), wards=None) -> int:
        """Return how many released cells the figure for a question adds up.

        It depends on the question only (blocks of the window, categories, wards), never
        on the records, so tests can allow for each cell's noise.

        Parameters
        ----------
        window : WeekWindow
        categories : sequence of str
        wards : sequence of int, optional
            Ward positions; ``None`` (or every ward) means the borough cell.

        Returns
        -------
        int
        """
        first, last = window.bins(self._policy)
        n_blocks = len(dyadic_blocks(first, last))
        n_categories = len(self._category_codes(categories))
        n_wards = self.n_areas(WARDS) if WARDS in self._areas else 1
        chosen = len(set(int(w) for w in wards)) if wards is not None else n_wards
        n_areas = 1 if chosen == n_wards else chosen
        return n_blocks * n_categories * n_areas

    def synthetic_in(self, window: WeekWindow, wards=None) -> bool:
        """Tell whether any synthetic (demo) referral falls in a window and some wards.

        Synthetic records describe nobody, so whether they are in view may be said
        exactly; real records play no part in the answer.
        """
        first, last = window.bins(self._policy)
        start = np.searchsorted(self._bins, first, side="left")
        stop = np.searchsorted(self._bins, last, side="right")
        flags = self._synthetic[start:stop]
        if wards is not None:
            flags = flags & np.isin(self._areas[WARDS][0][start:stop], list(wards))
        return bool(flags.any())

    def released_span(self) -> tuple[int, int] | None:
        """Return the first and last bin whose released borough count is not 0."""
        if not len(self._bins):
            return None
        bins = np.arange(self._bins[0], self._bins[-1] + 1)
        shown = [b for b in bins if self._released_block(BOROUGH, int(b), int(b), None)[0]]
        return (int(shown[0]), int(shown[-1])) if shown else None

    # ------------------------------------------------------------------ inside

    def _bin_window(self, b: int) -> WeekWindow:
        return window_of_bins(b, b, self._policy)

    def _check_system(self, system):
        if system not in self._areas:
            raise ValueError(
                f"no area system {system!r}; allowed: {', '.join(map(str, self._areas))}"
            )
        return system

    def _category_codes(self, categories) -> list[int | None]:
        chosen = set(categories)
        unknown = chosen - set(self._names)
        if unknown:
            raise ValueError(
                f"unknown referral categor{'y' if len(unknown) == 1 else 'ies'}: "
                f"{', '.join(sorted(unknown))}; allowed: {', '.join(self._names)}"
            )
        if not chosen or chosen == set(self._names):
            return [None]  # the all-categories cells
        return [i for i, name in enumerate(self._names) if name in chosen]

    def _released_block(self, system, lo: int, hi: int, category: int | None) -> np.ndarray:
        start = np.searchsorted(self._bins, lo, side="left")
        stop = np.searchsorted(self._bins, hi, side="right")
        codes, n_areas = self._areas[system]
        codes = codes[start:stop]
        high, low = self._keys[0][start:stop], self._keys[1][start:stop]
        if category is not None:
            keep = self._categories[start:stop] == category
            codes, high, low = codes[keep], high[keep], low[keep]
        counts = np.bincount(codes, minlength=n_areas)
        high_sums = np.bincount(codes, weights=high, minlength=n_areas).astype("int64")
        low_sums = np.bincount(codes, weights=low, minlength=n_areas).astype("int64")
        key_sums = ((high_sums % 2**16) << 16) + low_sums
        return self._table.release(counts, cell_keys(key_sums, self._policy))
