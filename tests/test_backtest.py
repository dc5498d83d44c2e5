"""Backtests of hot-spot maps (analysis.backtest): PAI, hit rate, RRI and no look-ahead."""

import datetime as dt

import numpy as np
import pytest

from analysis.backtest import (
    GI,
    METHODS,
    SURFACE,
    Flagged,
    LookAheadError,
    Training,
    atlas_methods,
    backtest_atlas,
    fold_origins,
    run_backtest,
    top_cells,
)
from analysis.filters import Filters
from geodata.release import snap_to_weeks
from tests.adversarial.scene import GEOGRAPHY, world

N_CELLS, N_BINS = 400, 30


def cube_counts(cube):
    def counts(system, first, last):
        return cube[first : last + 1].sum(axis=0)
    return counts


def top_training_cells(share):
    def method(training: Training) -> Flagged:
        train = training.counts("grid")
        return Flagged(top_cells(train, int(share * len(train))), train)
    return method


def test_when_the_future_repeats_the_past_the_flagged_area_catches_everything():
    # every bin: referrals in the same 20 cells of 400, nowhere else
    cube = np.zeros((N_BINS, N_CELLS))
    hot = np.arange(0, N_CELLS, 20)
    cube[:, hot] = 7
    result = run_backtest(cube_counts(cube), 0, N_BINS - 1, top_training_cells(20 / N_CELLS),
                          name="top 5 %", system="grid")
    assert len(result.folds) == 12
    for fold in result.folds:
        assert fold.hit_rate() == 1.0
        assert fold.pai() == pytest.approx(1 / (20 / N_CELLS))  # 20
        assert fold.rri() == pytest.approx(1.0)
        assert fold.hit_rate(fold.last_caught) == 1.0  # last period's counts see it too
    summary = result.summary().set_index("method")
    assert summary.loc["top 5 %", "hit rate (%)"] == "100 (100–100)"
    assert summary.loc["top 5 %", "PAI"] == "20.0 (20.0–20.0)"
    assert summary.loc["a uniform map", "hit rate (%)"] == "5 (5–5)"
    curve = result.curve().set_index("area flagged (%)")
    assert curve.loc[5, "top 5 %"] == 100 and curve.loc[1, "top 5 %"] == 20
    assert curve.loc[5, "a uniform map"] == 5


def test_on_uniform_data_pai_is_about_one():
    # Poisson counts of the same mean everywhere: no map can beat chance. Tolerance: the
    # median PAI over the folds lies within 0.15 of 1 (its sampling spread here is ~0.05).
    cube = np.random.default_rng(5).poisson(20, (N_BINS, N_CELLS)).astype(float)
    result = run_backtest(cube_counts(cube), 0, N_BINS - 1, top_training_cells(0.1),
                          name="top 10 %", system="grid")
    medians = result.medians()
    assert medians["pai"] == pytest.approx(1.0, abs=0.15)
    assert medians["last_pai"] == pytest.approx(1.0, abs=0.15)


def test_folds_never_see_their_test_weeks():
    cube = np.random.default_rng(6).poisson(3, (N_BINS, N_CELLS)).astype(float)
    asked = []

    def counts(system, first, last):
        asked.append((first, last))
        return cube[first : last + 1].sum(axis=0)

    seen_by_method = []

    def method(training):
        before = len(asked)
        flagged = top_training_cells(0.05)(training)
        seen_by_method.append((training.origin, asked[before:]))
        return flagged

    result = run_backtest(counts, 0, N_BINS - 1, method, name="m", system="grid")
    assert len(seen_by_method) == len(result.folds) > 0
    for origin, windows in seen_by_method:
        assert windows and all(last <= origin for _, last in windows)
    # and changing the test weeks changes nothing a method flags
    changed = cube.copy()
    changed[-2:] = 1000
    again = run_backtest(cube_counts(changed), 0, N_BINS - 1, top_training_cells(0.05),
                         name="m", system="grid")
    assert [f.flagged for f in again.folds] == [f.flagged for f in result.folds]
    assert [f.curve[0] for f in again.folds[:-1]] == [f.curve[0] for f in result.folds[:-1]]


def test_a_method_asking_for_the_future_is_stopped():
    def peeking(training):
        training.counts("grid", training.origin + 1, training.origin + 2)

    with pytest.raises(LookAheadError, match="training ends at bin"):
        run_backtest(cube_counts(np.ones((N_BINS, N_CELLS))), 0, N_BINS - 1, peeking,
                     name="peek", system="grid")


def test_fold_origins_tile_the_history_from_its_end():
    assert fold_origins(0, 19, train_bins=6, test_bins=2, folds=3) == [13, 15, 17]
    assert fold_origins(0, 4, train_bins=6, test_bins=2, folds=3) == []


def test_every_atlas_method_runs_on_released_counts_without_looking_ahead():
    data = world(2)
    filters = Filters(window=snap_to_weeks(dt.date(2023, 8, 21), dt.date(2024, 1, 7)))
    for method in METHODS:
        result = backtest_atlas(data, filters, method, cell_size=500, radius_m=400,
                                train_bins=4, test_bins=1, folds=3)
        assert len(result.folds) == 3, method
        for fold in result.folds:
            assert fold.test_total > 0
            if method == SURFACE:
                assert fold.share == pytest.approx(0.05, abs=0.01)
        assert "In the last" in result.sentence()


def test_gi_hot_cells_catch_a_planted_lasting_cluster():
    methods = atlas_methods(GEOGRAPHY, cell_size=250, radius_m=400)
    fine = GEOGRAPHY.grids[250]
    cube = np.random.default_rng(7).poisson(0.05, (N_BINS, fine.n_cells)).astype(float)
    cluster = np.argsort(((fine.centroids() - fine.centroids().mean(0)) ** 2).sum(1))[:9]
    cube[:, cluster] += 15

    result = run_backtest(cube_counts(cube), 0, N_BINS - 1, methods[GI], name=GI)
    medians = result.medians()
    # the cluster holds about half the referrals on under 1 % of the area
    assert medians["hit_rate"] > 0.4 and medians["pai"] > 20
