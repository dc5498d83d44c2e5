"""Backtests: how much of the *next* weeks' referrals a hot-spot map would have caught.

Rolling origin: for each fold, a method sees only the released counts of the training
bins (up to the origin), flags some area, and the released counts of the next test bins
are compared with it. Figures per fold, as crime science judges hot-spot maps:

- **hit rate** = n / N, the share of the test weeks' referrals that fell in the flagged area;
- **PAI** (Predictive Accuracy Index, Chainey, Tompson & Uhlig 2008) = (n / N) / (a / A),
  the hit rate per share of area flagged (1: no better than chance);
- **RRI** (Recapture Rate Index, Levine 2008) = (n / N) / (n₀ / N₀), how the flagged area's
  share of referrals in the test weeks compares with its share in the training weeks.

Areas are the cells of the finest grid (all the same size), so a / A is the share of cells
flagged. Each method is set beside two baselines flagging the same area: **last period's
counts** (the cells with the most released referrals in the last test-length period before
the origin) and **a uniform map** (hit rate a / A and PAI 1 by definition).

The training data reach a method only through :class:`Training`, which refuses any bin
after the origin, so a fold never looks at its test weeks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from analysis.density import smooth_counts
from analysis.emerging import gi_star
from analysis.hotspots import classify_significance, grid_weights
from analysis.priorities import outreach_within, rank_outreach_gaps, recommend_sites
from geodata import vocab
from geodata.grid import CELL_SIZES
from geodata.release import bin_of_week, window_of_bins

FINE = min(CELL_SIZES)
GI = "Gi* hot cells"
SURFACE = "smoothed surface"
GAP = "outreach-gap ranking"
SITES = "recommended sites' radius"
METHODS = (SURFACE, GI, GAP, SITES)
LAST = "last period's counts"
UNIFORM = "a uniform map"
DEFAULT_TRAIN_BINS = 6  # 12 weeks
DEFAULT_TEST_BINS = 2  # 4 weeks
DEFAULT_FOLDS = 12
DEFAULT_SHARE = 0.05
DEFAULT_TOP_N = 10
CURVE_SHARES = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0)


class LookAheadError(RuntimeError):
    """A method asked for weeks after its fold's origin."""


@dataclass(frozen=True)
class Training:
    """What a method may see in one fold: released counts of bins up to ``origin``.

    Attributes
    ----------
    origin : int
        The last training bin.
    first_bin : int
        The first training bin.
    """

    origin: int
    first_bin: int
    _counts: Callable
    _outreach: Callable | None = None

    def counts(self, system, first_bin: int | None = None, last_bin: int | None = None):
        """Released counts of an area system over training bins (all of them by default)."""
        first, last = self._check(first_bin, last_bin)
        return np.asarray(self._counts(system, first, last), dtype="float64")

    def outreach(self, system, first_bin: int | None = None, last_bin: int | None = None):
        """Outreach activities per cell (masked positions) over training bins."""
        first, last = self._check(first_bin, last_bin)
        if self._outreach is None:
            raise LookAheadError("no outreach was given to this backtest")
        return np.asarray(self._outreach(system, first, last), dtype="float64")

    def _check(self, first_bin, last_bin) -> tuple[int, int]:
        first = self.first_bin if first_bin is None else int(first_bin)
        last = self.origin if last_bin is None else int(last_bin)
        if last > self.origin or first > last:
            raise LookAheadError(
                f"bins {first}..{last} asked for in a fold whose training ends at bin {self.origin}"
            )
        return first, last


@dataclass(frozen=True)
class Flagged:
    """What a method flags, per cell of the finest grid.

    Attributes
    ----------
    mask : numpy.ndarray of bool
        The flagged area.
    scores : numpy.ndarray
        Higher first: the order the method would flag cells in (for the hit-rate curve).
    """

    mask: np.ndarray
    scores: np.ndarray


Method = Callable[[Training], Flagged]


@dataclass(frozen=True)
class Fold:
    """One test of a method and its baseline, in released counts.

    Attributes
    ----------
    origin : int
        The last training bin.
    test_bins : tuple of int
        First and last test bin.
    flagged : int
        Cells flagged (a); ``n_cells`` is A.
    n_cells : int
    caught, test_total : float
        Test-week referrals in the flagged area (n) and in all (N).
    train_caught, train_total : float
        The same over the training bins.
    last_caught : float
        Test-week referrals in the area last period's counts flag (same size).
    curve : numpy.ndarray
        Hit rate of the method at each of :data:`CURVE_SHARES`.
    last_curve : numpy.ndarray
        The same for last period's counts.
    """

    origin: int
    test_bins: tuple[int, int]
    flagged: int
    n_cells: int
    caught: float
    test_total: float
    train_caught: float
    train_total: float
    last_caught: float
    curve: np.ndarray
    last_curve: np.ndarray

    @property
    def share(self) -> float:
        """Share of area flagged, a / A."""
        return self.flagged / self.n_cells

    def hit_rate(self, caught: float | None = None) -> float:
        """Hit rate n / N (NaN with no referrals in the test weeks or nothing flagged)."""
        caught = self.caught if caught is None else caught
        if not self.test_total or not self.flagged:
            return math.nan
        return caught / self.test_total

    def pai(self, caught: float | None = None) -> float:
        """(n / N) / (a / A)."""
        return self.hit_rate(caught) / self.share if self.flagged else math.nan

    def rri(self) -> float:
        """(n / N) / (n₀ / N₀) (NaN when the flagged area held nothing in training)."""
        if not self.train_caught or not self.train_total:
            return math.nan
        return self.hit_rate() / (self.train_caught / self.train_total)


@dataclass(frozen=True)
class Backtest:
    """Every fold of one method, with the baselines, and how to say it.

    Attributes
    ----------
    method : str
    folds : tuple of Fold
    train_bins, test_bins : int
    weeks_per_bin : int
    """

    method: str
    folds: tuple[Fold, ...]
    train_bins: int
    test_bins: int
    weeks_per_bin: int

    def table(self) -> pd.DataFrame:
        """Per fold, rounded: hit rate (%), PAI and RRI, beside the two baselines."""
        rows = []
        for f in self.folds:
            window = window_of_bins(*f.test_bins)
            rows.append({
                "test weeks": window.describe(),
                "area flagged (%)": _pct(f.share),
                "hit rate (%)": _pct(f.hit_rate()),
                "PAI": _one(f.pai()),
                "RRI": _one(f.rri()),
                f"hit rate, {LAST} (%)": _pct(f.hit_rate(f.last_caught)),
                f"PAI, {LAST}": _one(f.pai(f.last_caught)),
                f"hit rate, {UNIFORM} (%)": _pct(f.share),
            })
        return pd.DataFrame(rows).map(lambda v: "—" if v == "" else str(v))

    def summary(self) -> pd.DataFrame:
        """Median and spread (quartiles) over the folds, rounded, for the method and baselines.

        Rows: the method, last period's counts, a uniform map; columns ``method``,
        ``hit rate (%)``, ``PAI``, ``RRI``, ``area flagged (%)``, ``folds``.
        """
        f = self.folds
        share = [x.share for x in f if x.flagged]
        rows = [
            (self.method, [x.hit_rate() for x in f], [x.pai() for x in f], [x.rri() for x in f]),
            (LAST, [x.hit_rate(x.last_caught) for x in f], [x.pai(x.last_caught) for x in f],
             []),
            (UNIFORM, share, [1.0] * len(share), []),
        ]
        out = []
        for name, hits, pais, rris in rows:
            out.append({
                "method": name,
                "hit rate (%)": _spread(hits, _pct),
                "PAI": _spread(pais, _one),
                "RRI": _spread(rris, _one) if rris else "",
                "area flagged (%)": _spread(share, _pct),
                "folds": sum(not math.isnan(h) for h in hits),
            })
        return pd.DataFrame(out)

    def curve(self) -> pd.DataFrame:
        """Median hit rate (%) over the folds at each share of area, method and baselines."""
        if not self.folds:
            return pd.DataFrame(columns=["area flagged (%)", self.method, LAST, UNIFORM])
        method = np.nanmedian([f.curve for f in self.folds], axis=0)
        last = np.nanmedian([f.last_curve for f in self.folds], axis=0)
        return pd.DataFrame({
            "area flagged (%)": [round(100 * s) for s in CURVE_SHARES],
            self.method: np.round(100 * method).astype(int),
            LAST: np.round(100 * last).astype(int),
            UNIFORM: [round(100 * s) for s in CURVE_SHARES],
        })

    def medians(self) -> dict[str, float]:
        """Median hit rate, PAI and area flagged over folds that flagged something."""
        good = [f for f in self.folds if not math.isnan(f.hit_rate())]
        if not good:
            return {}
        return {
            "hit_rate": float(np.median([f.hit_rate() for f in good])),
            "pai": float(np.median([f.pai() for f in good])),
            "share": float(np.median([f.share for f in good])),
            "last_hit_rate": float(np.median([f.hit_rate(f.last_caught) for f in good])),
            "last_pai": float(np.nanmedian([f.pai(f.last_caught) for f in good])),
        }

    def sentence(self) -> str:
        """Say how accurate this kind of map has been, in one sentence of rounded figures."""
        m = self.medians()
        weeks = self.test_bins * self.weeks_per_bin
        if not m:
            return (f"In the last {len(self.folds)} {weeks}-week tests, the {self.method} "
                    "flagged nothing, so its accuracy cannot be measured here.")
        good = sum(not math.isnan(f.hit_rate()) for f in self.folds)
        return (
            f"In the last {good} {weeks}-week tests, the {_pct(m['share'])} % of area flagged "
            f"by the {self.method} held about {_pct(m['hit_rate'])} % of the next "
            f"{weeks} weeks' referrals (PAI about {_one(m['pai'])}); last period's counts, "
            f"flagging as much area, held about {_pct(m['last_hit_rate'])} % "
            f"(PAI about {_one(m['last_pai'])}), and a uniform map {_pct(m['share'])} % (PAI 1)."
        )


def _pct(x: float) -> int | str:
    return "" if x is None or math.isnan(x) else round(100 * x)


def _one(x: float) -> float | str:
    return "" if x is None or math.isnan(x) or math.isinf(x) else round(x, 1)


def _spread(values, fmt) -> str:
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "nothing flagged"
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{fmt(med)} ({fmt(q1)}–{fmt(q3)})"


def fold_origins(
    first_bin: int, last_bin: int, *, train_bins: int, test_bins: int, folds: int
) -> list[int]:
    """Return the origins (last training bins) of up to ``folds`` folds, oldest first.

    Test periods do not overlap and end with ``last_bin``; every fold has ``train_bins``
    of training inside ``first_bin..``.

    Examples
    --------
    >>> fold_origins(0, 19, train_bins=6, test_bins=2, folds=12)
    [5, 7, 9, 11, 13, 15, 17]
    """
    if train_bins < 1 or test_bins < 1:
        raise ValueError("training and test periods must hold at least one bin each")
    origins: list[int] = []
    origin = last_bin - test_bins
    while origin - train_bins + 1 >= first_bin and len(origins) < folds:
        origins.append(origin)
        origin -= test_bins
    return origins[::-1]


def run_backtest(
    counts: Callable,
    first_bin: int,
    last_bin: int,
    method: Method,
    *,
    name: str,
    system=FINE,
    outreach: Callable | None = None,
    train_bins: int = DEFAULT_TRAIN_BINS,
    test_bins: int = DEFAULT_TEST_BINS,
    folds: int = DEFAULT_FOLDS,
    weeks_per_bin: int = 2,
) -> Backtest:
    """Roll a method through history (see the module docstring).

    Parameters
    ----------
    counts : callable
        ``counts(system, first_bin, last_bin)`` -> released counts per area.
    first_bin, last_bin : int
        The history available.
    method : callable
        ``method(Training) -> Flagged`` over the areas of ``system``.
    name : str
    system : str or int
        The area system flags and test counts are in (the finest grid by default).
    outreach : callable, optional
        ``outreach(system, first_bin, last_bin)`` -> outreach per area, for methods that
        need it.
    train_bins, test_bins, folds : int
    weeks_per_bin : int

    Returns
    -------
    Backtest
    """
    out = []
    for origin in fold_origins(first_bin, last_bin, train_bins=train_bins,
                               test_bins=test_bins, folds=folds):
        training = Training(origin, origin - train_bins + 1, counts, outreach)
        flagged = method(training)
        train = training.counts(system)
        last = training.counts(system, origin - test_bins + 1, origin)
        test = np.asarray(counts(system, origin + 1, origin + test_bins), dtype="float64")
        a = int(flagged.mask.sum())
        last_mask = top_cells(last, a)
        out.append(Fold(
            origin=origin, test_bins=(origin + 1, origin + test_bins), flagged=a,
            n_cells=len(test), caught=float(test[flagged.mask].sum()),
            test_total=float(test.sum()), train_caught=float(train[flagged.mask].sum()),
            train_total=float(train.sum()), last_caught=float(test[last_mask].sum()),
            curve=hit_curve(flagged.scores, test), last_curve=hit_curve(last, test),
        ))
    return Backtest(name, tuple(out), train_bins, test_bins, weeks_per_bin)


def top_cells(scores, n: int) -> np.ndarray:
    """Flag the ``n`` highest-scoring cells (ties: the earlier cell first)."""
    scores = np.asarray(scores, dtype="float64")
    mask = np.zeros(len(scores), dtype=bool)
    mask[np.argsort(-scores, kind="stable")[: max(0, int(n))]] = True
    return mask


def hit_curve(scores, test) -> np.ndarray:
    """Hit rate when the top share of cells by score is flagged, at :data:`CURVE_SHARES`."""
    test = np.asarray(test, dtype="float64")
    if not test.sum():
        return np.full(len(CURVE_SHARES), np.nan)
    order = np.argsort(-np.asarray(scores, dtype="float64"), kind="stable")
    caught = np.concatenate([[0.0], np.cumsum(test[order])])
    n = np.ceil(np.array(CURVE_SHARES) * len(test)).astype(int)
    return caught[n] / test.sum()


# ---------------------------------------------------------------------- the atlas's methods


def atlas_methods(
    geography, *, cell_size: int, radius_m: float, share: float = DEFAULT_SHARE,
    top_n: int = DEFAULT_TOP_N, sites: int = 5,
) -> dict[str, Method]:
    """Return the four Priorities methods as backtest methods on the finest grid.

    Gi* hot cells and the gap ranking work at ``cell_size`` and flag the fine cells whose
    centre is in a flagged cell; the smoothed surface flags its top ``share`` of fine cells;
    the recommended sites flag the fine cells within ``radius_m`` of a site.
    """
    fine = geography.grids[FINE]
    coarse = geography.grids[cell_size]
    parent = coarse.cell_of(*fine.centroids().T)
    inside = parent >= 0
    parent = np.maximum(parent, 0)

    def lift(values, mask) -> Flagged:
        return Flagged(np.asarray(mask)[parent] & inside,
                       np.where(inside, np.asarray(values, dtype="float64")[parent], -np.inf))

    def gi(training: Training) -> Flagged:
        z, p = gi_star(training.counts(cell_size), grid_weights(coarse))
        return lift(z, classify_significance(z, p) >= 1)

    def surface(training: Training) -> Flagged:
        values, _, _ = smooth_counts(training.counts(FINE), fine)
        n = math.ceil(share * fine.n_cells)
        return Flagged(top_cells(values, n) & (values > 0), values)

    def gap(training: Training) -> Flagged:
        refs = training.counts(cell_size)
        out_fine = training.outreach(FINE)
        used = np.flatnonzero(out_fine)
        nearby = outreach_within(coarse.centroids(), fine.centroids()[used], out_fine[used],
                                 radius_m)
        codes = [str(i) for i in range(coarse.n_cells)]
        ranking = rank_outreach_gaps(codes, codes, refs, nearby, radius_m=radius_m, period="")
        order = ranking["area"].astype(int).to_numpy()
        score = np.full(coarse.n_cells, -1e9)
        score[order] = -np.arange(len(order), dtype="float64")
        return lift(score, np.isin(np.arange(coarse.n_cells), order[:top_n]))

    def recommended(training: Training) -> Flagged:
        refs = training.counts(FINE)
        demand = np.flatnonzero(refs)
        if not len(demand):
            return Flagged(np.zeros(fine.n_cells, bool), np.zeros(fine.n_cells))
        rec = recommend_sites(fine.centroids()[demand], refs[demand], coarse.centroids(),
                              sites=sites, radius_m=radius_m)
        distance, _ = cKDTree(coarse.centroids()[rec.chosen]).query(fine.centroids())
        return Flagged(distance <= radius_m, -distance)

    return {SURFACE: surface, GI: gi, GAP: gap, SITES: recommended}


def backtest_atlas(
    data, filters, method: str, *, cell_size: int, radius_m: float,
    train_bins: int = DEFAULT_TRAIN_BINS, test_bins: int = DEFAULT_TEST_BINS,
    folds: int = DEFAULT_FOLDS, **options,
) -> Backtest:
    """Backtest one of :data:`METHODS` on the atlas's released counts and masked outreach.

    History runs from the first released bin to the end of the filters' window; the
    filters' referral and outreach categories apply (the ward choice does not: a hot-spot
    map is judged on the whole borough).
    """
    release, policy = data.release, data.release.policy
    categories = filters.referral_categories
    span = release.released_span()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if span is None:
        return Backtest(method, (), train_bins, test_bins, policy.bin_weeks)
    last = min(span[1], filters.window.bins(policy)[1])

    def counts(system, first_bin, last_bin):
        return release.counts(system, window_of_bins(first_bin, last_bin, policy),
                              categories).values

    bins = bin_of_week(data.outreach.week, policy)
    keep = np.ones(len(bins), dtype=bool)
    if filters.outreach_categories:
        allowed = vocab.categories_for("outreach")
        codes = [allowed.index(c) for c in filters.outreach_categories]
        keep = np.isin(data.outreach.category, codes)

    def outreach(system, first_bin, last_bin):
        chosen = keep & (bins >= first_bin) & (bins <= last_bin)
        grid = data.geography.grids[system]
        cells = data.outreach.cells[system]
        chosen &= cells >= 0
        return np.bincount(cells[chosen], minlength=grid.n_cells)

    chosen = atlas_methods(data.geography, cell_size=cell_size, radius_m=radius_m,
                           **options)[method]
    result = run_backtest(counts, span[0], last, chosen, name=method, outreach=outreach,
                          train_bins=train_bins, test_bins=test_bins, folds=folds,
                          weeks_per_bin=policy.bin_weeks)
    return replace(result, method=method)
