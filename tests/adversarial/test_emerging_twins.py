"""The Next week outputs (emerging hot spots, backtests, the summary) in the twin worlds.

Same harness as ``test_twin_worlds.py``: two worlds differ only in a planted
fortnight/ward/category cell, with record keys that give it the same released value. The
outputs are worked out on periods of one fortnight (the planted cell's own block), so every
released cell they use is either the planted one or untouched: any figure taken from exact
counts would tell the worlds apart. (Longer periods sum blocks that mix the planted records
with others; those released cells differ between the worlds by design, which is noise, and
``test_the_worlds_do_differ_where_the_planted_records_meet_others`` covers it.)
"""


import pytest

from analysis.backtest import METHODS, backtest_atlas
from analysis.outlook import next_week_summary
from geodata.release import window_of_bins
from tests.adversarial.scene import TARGET_WINDOW, look_alike, target_filters

ONE_BIN = dict(train_bins=1, test_bins=1, folds=6)


def wide_filters(**changes):
    first, last = TARGET_WINDOW.bins()
    return target_filters(window=window_of_bins(first - 6, last + 3), **changes)


def next_week_outputs(data):
    out = []
    for cell_size, radius, outreach in ((250, 400, ()), (1000, 800, ("patrol",))):
        filters = wide_filters(outreach_categories=outreach)
        s = next_week_summary(data, filters, cell_size=cell_size, radius_m=radius, step_bins=1,
                              neighbourhood_steps=1, sensitivity_steps=(1,),
                              backtest_options=ONE_BIN)
        out.append((s.rows, s.sentences, s.wards, s.cells, s.cell_categories, s.sensitivity,
                    s.backtest.folds, s.backtest.summary(), s.backtest.table(),
                    s.backtest.curve()))
        pooled = next_week_summary(data, filters, cell_size=cell_size, radius_m=radius,
                                   step_bins=1, neighbourhood_steps=1, backtest=False,
                                   sensitivity_steps=(1,))
        out.append((pooled.rows, pooled.cells, pooled.cell_categories))
    return out


def backtest_outputs(data):
    out = []
    for method in METHODS:
        result = backtest_atlas(data, wide_filters(), method, cell_size=500, radius_m=400,
                                **ONE_BIN)
        # the folds' unrounded figures too, which every shown figure is rounded from
        out.append((result.folds, result.summary(), result.table(), result.curve(),
                    result.sentence()))
    return out


@pytest.mark.parametrize("twins", ["0-or-2", "2-or-3"])
def test_next_week_summary_cannot_tell_the_worlds_apart(twins):
    assert look_alike(next_week_outputs, twins)


def test_backtests_cannot_tell_the_worlds_apart():
    assert look_alike(backtest_outputs, "1-or-4")


def test_the_harness_sees_exact_counts(monkeypatch):
    # A mutant that releases exact counts must make the worlds differ: otherwise the
    # tests above prove nothing.
    from geodata.release import referrals

    def exact(self, system, lo, hi, category):
        import numpy as np

        start = np.searchsorted(self._bins, lo, side="left")
        stop = np.searchsorted(self._bins, hi, side="right")
        codes, n_areas = self._areas[system]
        codes = codes[start:stop]
        if category is not None:
            codes = codes[self._categories[start:stop] == category]
        return np.bincount(codes, minlength=n_areas)

    monkeypatch.setattr(referrals.ReferralRelease, "_released_block", exact)
    assert not look_alike(backtest_outputs, "2-or-3")
