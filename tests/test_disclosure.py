import datetime as dt

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.disclosure import (
    DEFAULT_POLICY,
    PRIMARY,
    SECONDARY,
    SHOWN,
    DisclosurePolicy,
    disclose_counts,
    disclose_total,
    geomask_points,
    load_geomask_key,
    snap_to_weeks,
    week_number,
)
from geodata.errors import FilterError
from tests.helpers import recoverable_cells

K = DEFAULT_POLICY.k
NO_ROUNDING = DisclosurePolicy(rounding_base=1)


def test_small_counts_are_suppressed_and_others_rounded():
    d = disclose_counts([0, 1, 4, 5, 7, 8, 12, 13, 1234])
    assert d.labels == ("0", "<5", "<5", "5", "5", "10", "10", "15", "1,235")
    assert list(d.status[:3]) == [SHOWN, PRIMARY, PRIMARY]
    assert d.total_label == "1,285"


def test_total_that_is_itself_small_is_suppressed():
    d = disclose_counts([0, 3, 0])
    assert d.total_label == "<5" and np.isnan(d.total)


def test_without_rounding_a_lone_small_cell_gets_a_complement():
    d = disclose_counts([3, 10, 20], NO_ROUNDING)
    # total 33 minus 10 and 20 would give away the 3, so the smallest other cell is withheld
    assert d.labels == ("<5", "c", "20")
    assert list(d.status) == [PRIMARY, SECONDARY, SHOWN]
    assert recoverable_cells([3, 10, 20], NO_ROUNDING) == []


def test_two_ones_are_not_given_away_by_their_sum():
    # 1 + 1 = 32 - 30: without a complement both cells would be known to be 1
    d = disclose_counts([1, 1, 0, 30], NO_ROUNDING)
    assert d.labels[3] == "c"
    assert recoverable_cells([1, 1, 0, 30], NO_ROUNDING) == []


def test_total_is_withheld_when_no_cell_can_protect_the_small_ones():
    d = disclose_counts([4, 4], NO_ROUNDING)
    assert d.labels == ("<5", "<5") and d.total_label == "c" and np.isnan(d.total)


def test_same_input_same_output():
    counts = np.array([3, 0, 9, 1, 44, 2])
    a, b = disclose_counts(counts), disclose_counts(counts.copy())
    assert a.labels == b.labels and a.total_label == b.total_label


@pytest.mark.parametrize("bad", [[-1, 2], [1.5, 2]], ids=["negative", "fraction"])
def test_counts_must_be_whole_and_non_negative(bad):
    with pytest.raises(ValueError, match="non-negative whole"):
        disclose_counts(bad)


@pytest.mark.parametrize("policy", [DEFAULT_POLICY, NO_ROUNDING], ids=["rounded", "unrounded"])
@settings(max_examples=300, deadline=None)
@given(counts=st.lists(st.integers(0, 14), min_size=1, max_size=5))
def test_no_small_value_shown_or_recoverable(policy, counts):
    d = disclose_counts(counts, policy)
    for label in (*d.labels, d.total_label):
        if label not in ("c", policy.small_label):
            value = int(label.replace(",", ""))
            assert value == 0 or value >= policy.k
    assert recoverable_cells(counts, policy) == []


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(0, 60), min_size=2, max_size=30))
def test_shown_values_never_small_in_large_views(counts):
    d = disclose_counts(counts)
    shown = d.values[np.isfinite(d.values)]
    assert not np.any((shown >= 1) & (shown < K))


def test_disclose_total():
    assert [disclose_total(n) for n in (0, 1, 4, 5, 118)] == ["0", "<5", "<5", "5", "120"]


# --------------------------------------------------------------------- weeks


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2023, 9, 24), dt.date(2023, 9, 30), (dt.date(2023, 9, 18), dt.date(2023, 10, 1))),
        (dt.date(2023, 9, 18), dt.date(2023, 10, 1), (dt.date(2023, 9, 18), dt.date(2023, 10, 1))),
        # one day is widened to the minimum window, backwards
        (dt.date(2023, 10, 4), dt.date(2023, 10, 4), (dt.date(2023, 9, 25), dt.date(2023, 10, 8))),
        # ISO week 1 of 2024 began on Monday 1 January
        (dt.date(2023, 12, 31), dt.date(2024, 1, 3), (dt.date(2023, 12, 25), dt.date(2024, 1, 7))),
    ],
    ids=["campaign-week", "already-whole", "one-day", "year-end"],
)
def test_snap_to_whole_iso_weeks(start, end, expected):
    window = snap_to_weeks(start, end)
    assert (window.start, window.end) == expected
    assert window.start.weekday() == 0 and window.end.weekday() == 6
    assert window.n_weeks >= DEFAULT_POLICY.min_window_weeks


def test_snap_rejects_reversed_range():
    with pytest.raises(FilterError, match="ends .* before it starts"):
        snap_to_weeks(dt.date(2023, 2, 1), dt.date(2023, 1, 1))


def test_week_numbers_change_on_mondays():
    days = np.arange("2023-09-17", "2023-09-26", dtype="datetime64[D]")
    weeks = week_number(days)
    # Sun 17 | Mon 18 ... Sun 24 | Mon 25
    assert weeks[0] + 1 == weeks[1] == weeks[7] and weeks[8] == weeks[7] + 1


# --------------------------------------------------------------------- geomask

SQUARE = shapely.box(0, 0, 10_000, 10_000)


def test_geomask_moves_points_within_the_donut_and_is_stable():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(2000, 8000, 500), rng.uniform(2000, 8000, 500)
    ids = [f"id{i}" for i in range(500)]
    mx, my = geomask_points(x, y, ids, key=b"secret", within=SQUARE)
    moved = np.hypot(mx - x, my - y)
    assert moved.min() >= DEFAULT_POLICY.geomask_min_m - 1e-6
    assert moved.max() <= DEFAULT_POLICY.geomask_max_m + 1e-6
    again = geomask_points(x, y, ids, key=b"secret", within=SQUARE)
    assert np.array_equal(mx, again[0]) and np.array_equal(my, again[1])
    other = geomask_points(x, y, ids, key=b"other", within=SQUARE)
    assert not np.allclose(mx, other[0])


def test_geomask_directions_are_spread_not_biased():
    n = 2000
    x = np.full(n, 5000.0)
    mx, my = geomask_points(x, x, [str(i) for i in range(n)], key=b"k", within=SQUARE)
    # the masked points average back near the true point only in aggregate, never per record
    assert abs(mx.mean() - 5000) < 20 and abs(my.mean() - 5000) < 20


def test_geomask_keeps_points_inside_the_area():
    x = np.array([5.0, 9_995.0, 50.0])
    y = np.array([5.0, 9_995.0, 5_000.0])
    mx, my = geomask_points(x, y, ["a", "b", "c"], key=b"k", within=SQUARE)
    assert shapely.contains_xy(SQUARE, mx, my).all()


def test_geomask_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        geomask_points([1.0], [1.0, 2.0], ["a"], key=b"k", within=SQUARE)
    with pytest.raises(ValueError, match="must not be empty"):
        geomask_points([1.0], [1.0], ["a"], key=b"", within=SQUARE)


def test_local_geomask_key_is_created_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("ATLAS_GEOMASK_KEY", raising=False)
    path = tmp_path / "geomask.key"
    first = load_geomask_key(None, path)
    assert first == load_geomask_key(None, path) and len(first) == 64
    assert (path.stat().st_mode & 0o777) == 0o600
    assert load_geomask_key("configured", path) == b"configured"
