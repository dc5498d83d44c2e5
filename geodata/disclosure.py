"""Disclosure control: the one module every count, layer and export goes through.

The data are about victims of trafficking, so nothing the atlas shows or exports may
single anybody out. The rules (DESIGN.md), and how this module applies them:

Referral counts
    A count from 1 to k-1 is shown as ``"<k"`` (primary suppression). Counts of k or
    more are rounded to the nearest ``rounding_base``; zero is shown as 0. Totals are
    disclosed the same way. When the cells and the total of one view would still let
    someone work out a suppressed cell exactly (by subtracting what is shown from the
    total), further cells are withheld and shown as ``"c"`` (secondary suppression) until
    no suppressed cell can be pinned down. Everything is deterministic: the same cell under
    the same filters always shows the same value.
Referral locations
    Never leave the server: referrals are only ever shown as aggregates.
Dates
    Referral date filters work in whole ISO weeks (Monday to Sunday) with a minimum window,
    so narrowing a window cannot single out one record.
Outreach points
    Shown only after donut geomasking: each point moves between ``geomask_min_m`` and
    ``geomask_max_m`` in a direction and distance fixed by a keyed hash of the record, so
    that reruns cannot be averaged out, and stays inside Barnet.
Text
    Popups and tooltips carry allowlisted fields only, HTML-escaped (``$`` and backticks
    too, against JavaScript template strings); CSV cells cannot start a formula.

The parameters live in :data:`DEFAULT_POLICY`, the one place to change them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geodata.errors import FilterError
from geodata.settings import private_folder


@dataclass(frozen=True)
class DisclosurePolicy:
    """The disclosure-control parameters.

    Attributes
    ----------
    k : int
        Referral counts from 1 to k-1 are suppressed.
    rounding_base : int
        Shown referral counts are rounded to a multiple of this (1 turns rounding off).
    min_window_weeks : int
        The shortest referral date window, in whole ISO weeks.
    geomask_min_m, geomask_max_m : float
        The donut in which a masked outreach point lands, in metres.
    """

    k: int = 5
    rounding_base: int = 5
    min_window_weeks: int = 2
    geomask_min_m: float = 100.0
    geomask_max_m: float = 400.0

    @property
    def small_label(self) -> str:
        """The label shown for a suppressed small count."""
        return f"<{self.k}"


DEFAULT_POLICY = DisclosurePolicy()
SECONDARY_LABEL = "c"

SHOWN = 0
PRIMARY = 1
SECONDARY = 2


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class DisclosedCounts:
    """Counts as they may be shown.

    Attributes
    ----------
    values : numpy.ndarray of float
        The shown (rounded) value of each cell; NaN where the cell is suppressed.
    status : numpy.ndarray of int8
        ``SHOWN`` (0), ``PRIMARY`` (1, a small count) or ``SECONDARY`` (2, withheld to
        protect another cell).
    labels : tuple of str
        The text to show for each cell: ``"0"``, ``"<5"``, ``"c"`` or the rounded count.
    total : float
        The shown total (NaN when the total is a small count, or withheld because it
        would give a small cell away).
    total_label : str
        The text to show for the total.
    """

    values: np.ndarray
    status: np.ndarray
    labels: tuple[str, ...]
    total: float
    total_label: str

    @property
    def suppressed(self) -> np.ndarray:
        """Boolean mask of the cells that are not shown."""
        return self.status != SHOWN


def round_count(value: int, policy: DisclosurePolicy = DEFAULT_POLICY) -> int:
    """Round a count of k or more to the nearest multiple of the rounding base (half up).

    Parameters
    ----------
    value : int
        A count of at least ``policy.k``.
    policy : DisclosurePolicy

    Returns
    -------
    int

    Examples
    --------
    >>> round_count(12), round_count(13), round_count(7)
    (10, 15, 5)
    """
    base = policy.rounding_base
    return max(policy.k, int(math.floor(value / base + 0.5)) * base)


def _shown_interval(shown: float, policy: DisclosurePolicy) -> tuple[float, float]:
    """Return the true values that a shown (rounded) count could stand for."""
    base = policy.rounding_base
    return max(policy.k, shown - base // 2), shown + (base - 1) - base // 2


def disclose_counts(counts, policy: DisclosurePolicy = DEFAULT_POLICY) -> DisclosedCounts:
    """Apply small-count suppression, rounding and secondary suppression to one view.

    The cells are the counts shown side by side in one view (the wards of a ward table,
    the cells of a grid layer); the total is their sum and is disclosed too.

    Parameters
    ----------
    counts : array-like of int
        True counts, non-negative.
    policy : DisclosurePolicy

    Returns
    -------
    DisclosedCounts

    Raises
    ------
    ValueError
        For negative or non-whole counts.

    Examples
    --------
    >>> d = disclose_counts([0, 3, 12, 40])
    >>> d.labels, d.total_label
    (('0', '<5', '10', '40'), '55')
    """
    counts = np.asarray(counts)
    if counts.size and (np.any(counts < 0) or np.any(np.mod(counts, 1) != 0)):
        raise ValueError("counts must be non-negative whole numbers")
    counts = counts.astype("int64")
    status = np.where((counts >= 1) & (counts < policy.k), PRIMARY, SHOWN).astype("int8")
    base = policy.rounding_base
    rounded = np.maximum(policy.k, np.floor(counts / base + 0.5) * base)
    shown = np.where(counts >= policy.k, rounded, counts).astype("float64")
    total = int(counts.sum())
    total_shown = round_count(total, policy) if total >= policy.k else float(total)
    total_small = 1 <= total < policy.k
    total_withheld = False
    while not total_withheld and _recoverable(status, shown, total_shown, total_small, policy):
        candidates = np.flatnonzero((status == SHOWN) & (counts > 0))
        if len(candidates):
            # Withhold the smallest shown cell (argmin takes the first of ties).
            status[candidates[np.argmin(counts[candidates])]] = SECONDARY
        else:
            total_withheld = True  # no cell left to withhold: the total gives it away
    values = np.where(status == SHOWN, shown, np.nan)
    labels = tuple(_label(s, v, policy) for s, v in zip(status, values, strict=True))
    if total_withheld:
        total, total_label = np.nan, SECONDARY_LABEL
    elif total_small:
        total, total_label = np.nan, policy.small_label
    else:
        total, total_label = float(total_shown), _format_count(total_shown)
    return DisclosedCounts(
        values=values, status=status, labels=labels, total=total, total_label=total_label
    )


def _recoverable(status, shown, total_shown, total_small, policy) -> bool:
    """Tell whether some primary-suppressed cell has only one value consistent with the view."""
    primary = np.flatnonzero(status == PRIMARY)
    if not len(primary):
        return False
    lo = np.zeros(len(status))
    hi = np.zeros(len(status))
    shown_mask = (status == SHOWN) & (shown > 0)
    for i in np.flatnonzero(shown_mask):
        lo[i], hi[i] = _shown_interval(shown[i], policy)
    lo[status == PRIMARY], hi[status == PRIMARY] = 1, policy.k - 1
    # A withheld cell is at least k. Secondary cells are the smallest non-zero ones, so
    # assume (conservatively) an attacker knows each is no larger than any shown cell.
    cap = hi[shown_mask].min() if shown_mask.any() else math.inf
    lo[status == SECONDARY], hi[status == SECONDARY] = policy.k, cap
    if total_small:
        t_lo, t_hi = 1, policy.k - 1
    elif total_shown == 0:
        t_lo = t_hi = 0
    else:
        t_lo, t_hi = _shown_interval(total_shown, policy)
    low = np.maximum(lo[primary], t_lo - (hi.sum() - hi[primary]))
    high = np.minimum(hi[primary], t_hi - (lo.sum() - lo[primary]))
    return bool(np.any(high - low < 1))


def _format_count(value: float) -> str:
    return f"{int(value):,}"


def _label(status: int, value: float, policy: DisclosurePolicy) -> str:
    if status == PRIMARY:
        return policy.small_label
    if status == SECONDARY:
        return SECONDARY_LABEL
    return _format_count(value)


def disclose_total(count: int, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """Return how a single referral count may be shown (e.g. a KPI).

    Parameters
    ----------
    count : int
    policy : DisclosurePolicy

    Returns
    -------
    str

    Examples
    --------
    >>> disclose_total(0), disclose_total(3), disclose_total(118)
    ('0', '<5', '120')
    """
    return disclose_counts([count], policy).total_label


# --------------------------------------------------------------------------- weeks



def week_number(days) -> np.ndarray:
    """Return consecutive Monday-based ISO week numbers of dates (``datetime64[D]``).

    Parameters
    ----------
    days : array-like of datetime64[D]

    Returns
    -------
    numpy.ndarray of int32
        Week numbers such that equal numbers mean the same Monday-to-Sunday week.
    """
    day_number = np.asarray(days, dtype="datetime64[D]").astype("int64")
    # 1970-01-01 was a Thursday, so shifting by 3 makes weeks start on Monday.
    return ((day_number + 3) // 7).astype("int32")


def monday_of_week_number(week: int) -> dt.date:
    """Return the Monday of a week numbered by :func:`week_number`."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(week) * 7 - 3)


@dataclass(frozen=True)
class WeekWindow:
    """A date window of whole ISO weeks, Monday of the first to Sunday of the last."""

    first_week: int
    last_week: int

    @property
    def start(self) -> dt.date:
        """The Monday the window opens."""
        return monday_of_week_number(self.first_week)

    @property
    def end(self) -> dt.date:
        """The Sunday the window closes."""
        return monday_of_week_number(self.last_week) + dt.timedelta(days=6)

    @property
    def n_weeks(self) -> int:
        """How many weeks the window holds."""
        return self.last_week - self.first_week + 1

    def describe(self) -> str:
        """Say which weeks, in words, e.g. '18 Sep 2023 – 1 Oct 2023 (2 ISO weeks)'."""
        fmt = "%-d %b %Y"
        plural = "s" if self.n_weeks != 1 else ""
        return (
            f"{self.start.strftime(fmt)} – {self.end.strftime(fmt)} "
            f"({self.n_weeks} ISO week{plural})"
        )


def snap_to_weeks(
    start: dt.date, end: dt.date, policy: DisclosurePolicy = DEFAULT_POLICY
) -> WeekWindow:
    """Widen a date range to whole ISO weeks and at least the minimum window.

    The window grows outward to the Monday before ``start`` and the Sunday after ``end``;
    if it is still shorter than ``policy.min_window_weeks`` it grows backwards.

    Parameters
    ----------
    start, end : datetime.date
    policy : DisclosurePolicy

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
    """
    if end < start:
        raise FilterError(
            f"The date range ends ({end}) before it starts ({start}).",
            fix="Pick an end date on or after the start date.",
        )
    first = int(week_number(np.datetime64(start, "D")))
    last = int(week_number(np.datetime64(end, "D")))
    first = min(first, last - policy.min_window_weeks + 1)
    return WeekWindow(first, last)


# --------------------------------------------------------------------------- geomasking

GEOMASK_KEY_ENV = "ATLAS_GEOMASK_KEY"
ID_HASH_KEY_ENV = "ATLAS_ID_HASH_KEY"
_MAX_ATTEMPTS = 64


def load_secret_key(configured: str | None, key_file: Path, env_var: str) -> bytes:
    """Return a secret key: configured, from the environment, or created once locally.

    A configured key (Streamlit secrets) wins, then the environment variable; otherwise a
    random key is created once in the atlas home (mode 0600) so that it stays stable across
    restarts of a local installation. Keys are never shown or logged.

    Parameters
    ----------
    configured : str or None
        The key from secrets.
    key_file : Path
        Where the local key lives.
    env_var : str
        The environment variable to read.

    Returns
    -------
    bytes
    """
    configured = configured or os.environ.get(env_var)
    if configured:
        return configured.encode("utf-8")
    if not key_file.exists():
        private_folder(key_file.parent)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text(encoding="utf-8").strip().encode("utf-8")


def load_geomask_key(configured: str | None, key_file: Path) -> bytes:
    """Return the geomasking key (secrets, ``ATLAS_GEOMASK_KEY``, or a local key file)."""
    return load_secret_key(configured, key_file, GEOMASK_KEY_ENV)


def _keyed_uniforms(key: bytes, record_ids, attempt: int) -> tuple[np.ndarray, np.ndarray]:
    u = np.empty((len(record_ids), 2))
    for i, rid in enumerate(record_ids):
        digest = hmac.new(key, f"{rid}\x1f{attempt}".encode(), hashlib.sha256).digest()
        u[i, 0] = int.from_bytes(digest[:8], "big") / 2**64
        u[i, 1] = int.from_bytes(digest[8:16], "big") / 2**64
    return u[:, 0], u[:, 1]


def geomask_points(
    x,
    y,
    record_ids,
    *,
    key: bytes,
    within,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> tuple[np.ndarray, np.ndarray]:
    """Donut-mask points: move each by a keyed, stable distance and direction.

    The distance is drawn uniformly by area between ``geomask_min_m`` and
    ``geomask_max_m``; a point that would land outside ``within`` is drawn again under the
    next attempt number until it lands inside.

    Parameters
    ----------
    x, y : array-like of float
        True coordinates in EPSG:27700.
    record_ids : sequence of str
        A stable identifier per point; the same id and key always give the same mask.
    key : bytes
        The secret key (:func:`load_geomask_key`).
    within : shapely geometry
        The area masked points must stay in (Barnet's outline).
    policy : DisclosurePolicy

    Returns
    -------
    tuple of numpy.ndarray
        Masked x and y.

    Raises
    ------
    ValueError
        When the inputs differ in length or the key is empty.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ids = np.asarray(record_ids, dtype=object)
    if not (len(x) == len(y) == len(ids)):
        raise ValueError("x, y and record_ids must have the same length")
    if not key:
        raise ValueError("the geomasking key must not be empty")
    shapely.prepare(within)
    out_x, out_y = x.copy(), y.copy()
    todo = np.arange(len(x))
    r_min2, r_max2 = policy.geomask_min_m**2, policy.geomask_max_m**2
    for attempt in range(_MAX_ATTEMPTS):
        if not len(todo):
            break
        u_r, u_theta = _keyed_uniforms(key, ids[todo], attempt)
        radius = np.sqrt(r_min2 + u_r * (r_max2 - r_min2))
        theta = 2 * np.pi * u_theta
        cx = x[todo] + radius * np.cos(theta)
        cy = y[todo] + radius * np.sin(theta)
        ok = shapely.contains_xy(within, cx, cy)
        out_x[todo[ok]], out_y[todo[ok]] = cx[ok], cy[ok]
        todo = todo[~ok]
    if len(todo):  # pragma: no cover - needs a point boxed in by the boundary on all sides
        snapped = shapely.point_on_surface(within)
        out_x[todo], out_y[todo] = snapped.x, snapped.y
    return out_x, out_y
