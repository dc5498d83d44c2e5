"""The release layer: perturbation table, released counts, bins of weeks, geomask, guard."""

import datetime as dt
import pickle

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geodata.errors import FilterError
from geodata.release import (
    BOROUGH,
    DEFAULT_POLICY,
    WARDS,
    ReferralRelease,
    ReleasePolicy,
    WeekWindow,
    draw_record_keys,
    geomask_points,
    perturbation_table,
    snap_to_weeks,
    week_index,
    window_of_bins,
)
from geodata.release.cellkey import cell_keys
from geodata.release.referrals import dyadic_blocks

K = DEFAULT_POLICY.k
TABLE = perturbation_table(DEFAULT_POLICY)
KEYS = np.arange(DEFAULT_POLICY.key_range)
NAMES = ("labour", "sexual", "domestic servitude")
MONDAY = dt.date(2023, 9, 18)
WEEK0 = int(week_index(np.datetime64(MONDAY)))


def released_over_keys(n: int) -> np.ndarray:
    return TABLE.release(np.full(len(KEYS), n), KEYS)


# ------------------------------------------------------------------ perturbation table


@pytest.mark.parametrize("n", range(1, K), ids=lambda n: f"count-{n}")
def test_small_counts_are_never_released_as_themselves(n):
    values = set(released_over_keys(n).tolist())
    assert n not in values
    spread = DEFAULT_POLICY.small_spread
    assert values == {0, *range(K, K + 2 * spread + 1)}


def test_zero_stays_zero_and_nothing_is_released_between_1_and_k_minus_1():
    assert set(released_over_keys(0).tolist()) == {0}
    for n in range(200):
        values = released_over_keys(n)
        assert not np.any((values >= 1) & (values < K)), n


@pytest.mark.parametrize("n", [0, 1, 2, 4, 5, 6, 7, 12, 60, 1000], ids=lambda n: f"count-{n}")
def test_released_counts_are_right_on_average(n):
    # over the (uniform) cell keys; quantising probabilities to 1/256 costs a little
    assert abs(released_over_keys(n).mean() - n) < 0.03


def test_large_counts_move_by_at_most_the_noise_bound():
    m = DEFAULT_POLICY.max_noise
    for n in range(K + m, 400):
        assert np.abs(released_over_keys(n) - n).max() <= m


def test_cell_keys_are_uniform_and_a_total_key_is_unrelated_to_its_cells_keys():
    rng = np.random.default_rng(9)
    a, b = draw_record_keys(20_000, rng=rng), draw_record_keys(20_000, rng=rng)
    ka, kb, kt = cell_keys(a), cell_keys(b), cell_keys(a + b)
    counts = np.bincount(kt, minlength=256)
    assert counts.min() > 40 and counts.max() < 120  # about 78 each
    # with plain sums, kt would equal (ka + kb) % 256 every time
    assert np.mean(kt == (ka + kb) % 256) < 0.02
    assert np.array_equal(cell_keys(a + 2**32), ka)


def test_a_different_policy_gives_a_different_table():
    wide = perturbation_table(ReleasePolicy(k=10, small_spread=0))
    assert set(wide.release(np.full(256, 7), KEYS).tolist()) == {0, 10}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 1}, "k must be at least 2"),
        ({"noise": (0.5, 0.5)}, "odd number"),
        ({"noise": (0.2, 0.5, 0.3)}, "symmetric"),
        ({"bin_anchor": dt.date(2023, 9, 19)}, "must be a Monday"),
        ({"geomask_min_m": 500.0}, "below geomask_max_m"),
    ],
    ids=["k", "even-noise", "biased-noise", "anchor", "donut"],
)
def test_policy_checks_its_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReleasePolicy(**kwargs)


def test_the_policy_describes_itself_from_its_own_parameters():
    text = " ".join(ReleasePolicy(k=7, bin_weeks=3).describe())
    assert "1 to 6" in text and "blocks of 3 ISO weeks" in text
    assert "1 to 4" in " ".join(DEFAULT_POLICY.describe())


# ------------------------------------------------------------------ weeks


def test_windows_snap_to_two_week_blocks_that_hold_the_campaign_week():
    campaign = snap_to_weeks(dt.date(2023, 9, 24), dt.date(2023, 9, 30))
    assert (campaign.start, campaign.end) == (dt.date(2023, 9, 18), dt.date(2023, 10, 1))
    one_day = snap_to_weeks(dt.date(2023, 10, 4), dt.date(2023, 10, 4))
    assert one_day.n_weeks == DEFAULT_POLICY.bin_weeks == 2
    assert (one_day.start.weekday(), one_day.end.weekday()) == (0, 6)
    assert one_day.start == dt.date(2023, 10, 2)


@given(st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)), st.integers(0, 400))
def test_every_snapped_window_is_whole_blocks(start, days):
    window = snap_to_weeks(start, start + dt.timedelta(days=days))
    first, last = window.bins()
    assert window == window_of_bins(first, last)
    assert window.n_weeks % DEFAULT_POLICY.bin_weeks == 0
    assert window.start <= start and window.end >= start + dt.timedelta(days=days)


def test_a_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(FilterError, match="ends"):
        snap_to_weeks(dt.date(2023, 10, 2), dt.date(2023, 9, 2))


@given(st.integers(-50, 200), st.integers(0, 200))
def test_dyadic_blocks_tile_the_run_with_aligned_powers_of_two(first, length):
    blocks = dyadic_blocks(first, first + length)
    covered = [b for lo, hi in blocks for b in range(lo, hi + 1)]
    assert covered == list(range(first, first + length + 1))
    for lo, hi in blocks:
        size = hi - lo + 1
        assert size & (size - 1) == 0 and lo % size == 0
    assert len(blocks) <= 2 * int(np.log2(length + 1)) + 2


# ------------------------------------------------------------------ released counts


def release_of(weeks, categories, wards, keys, n_wards=3) -> ReferralRelease:
    return ReferralRelease(
        weeks=np.asarray(weeks), categories=np.asarray(categories),
        areas={WARDS: (np.asarray(wards), n_wards)}, record_keys=np.asarray(keys),
        category_names=NAMES,
    )


def random_release(seed: int, n: int = 400) -> ReferralRelease:
    rng = np.random.default_rng(seed)
    return release_of(
        WEEK0 + rng.integers(0, 12, n), rng.integers(0, 3, n), rng.integers(0, 3, n),
        draw_record_keys(n, rng=rng),
    )


def test_the_same_records_always_give_the_same_figures_whatever_their_order():
    rng = np.random.default_rng(1)
    weeks, cats = WEEK0 + rng.integers(0, 8, 300), rng.integers(0, 3, 300)
    wards, keys = rng.integers(0, 3, 300), draw_record_keys(300, rng=rng)
    window = WeekWindow(WEEK0, WEEK0 + 7)
    a = release_of(weeks, cats, wards, keys)
    order = rng.permutation(300)
    b = release_of(weeks[order], cats[order], wards[order], keys[order])
    assert np.array_equal(a.counts(WARDS, window).values, a.counts(WARDS, window).values)
    assert np.array_equal(a.counts(WARDS, window).values, b.counts(WARDS, window).values)


def test_adding_one_record_gives_fresh_independent_noise():
    # Over many key draws: the error of a cell and the error of the same cell plus one
    # record are uncorrelated, so differencing the two reveals noise, not the record.
    window = WeekWindow(WEEK0, WEEK0 + 1)
    errors = []
    for seed in range(400):
        rng = np.random.default_rng(seed)
        keys = draw_record_keys(31, rng=rng)
        base = release_of([WEEK0] * 30, [0] * 30, [0] * 30, keys[:30])
        plus = release_of([WEEK0] * 31, [0] * 31, [0] * 31, keys)
        errors.append((base.counts(WARDS, window).values[0] - 30,
                       plus.counts(WARDS, window).values[0] - 31))
    errors = np.array(errors, dtype=float)
    assert abs(np.corrcoef(errors.T)[0, 1]) < 0.15
    assert errors.std() > 0.5


def test_totals_are_cells_of_their_own_and_windows_are_sums_of_blocks():
    release = random_release(3)
    window = WeekWindow(WEEK0, WEEK0 + 11)  # six bins: blocks (b, b+1), (b+2 .. b+5)...
    per_ward = release.counts(WARDS, window).values
    borough = release.total(window)
    assert borough == release.counts(BOROUGH, window).values[0]
    sums_differ = [
        random_release(s).total(window) != random_release(s).counts(WARDS, window).values.sum()
        for s in range(20)
    ]
    assert any(sums_differ)  # figures may not add up: the total is not a sum
    assert release.total(window, wards=[0, 1]) == per_ward[:2].sum()
    first, last = window.bins()
    by_blocks = sum(
        release.counts(WARDS, window_of_bins(lo, hi)).values
        for lo, hi in dyadic_blocks(first, last)
    )
    assert np.array_equal(per_ward, by_blocks)


def test_a_category_subset_is_a_sum_and_every_category_is_the_all_cell():
    release = random_release(4)
    window = WeekWindow(WEEK0, WEEK0 + 3)
    one = [release.counts(WARDS, window, (name,)).values for name in NAMES]
    assert np.array_equal(release.counts(WARDS, window, NAMES[:2]).values, one[0] + one[1])
    assert np.array_equal(release.counts(WARDS, window, NAMES).values,
                          release.counts(WARDS, window).values)


def test_series_is_per_block_of_weeks():
    release = random_release(5)
    series = release.series(WeekWindow(WEEK0, WEEK0 + 7))
    assert len(series["bins"]) == 4 == len(series["all"])
    assert set(series) == {"bins", "all", *NAMES}


def test_the_release_refuses_bad_questions():
    release = random_release(6)
    window = WeekWindow(WEEK0, WEEK0 + 1)
    with pytest.raises(ValueError, match="no area system 250"):
        release.counts(250, window)
    with pytest.raises(ValueError, match="unknown referral category: arson"):
        release.counts(WARDS, window, ("arson",))
    with pytest.raises(ValueError, match="record keys must lie"):
        release_of([WEEK0], [0], [0], [2**32])


def test_the_release_cannot_be_pickled_into_a_shared_cache():
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(random_release(7))
    assert not hasattr(random_release(7), "__dict__")


# ------------------------------------------------------------------ geomask


def square():
    return shapely.box(0, 0, 20_000, 20_000)


def test_every_record_at_one_place_shares_one_displacement():
    x = np.r_[np.full(50, 10_000.2), np.full(50, 12_000.0)]
    y = np.r_[np.full(50, 10_000.4), np.full(50, 9_000.0)]
    mx, my = geomask_points(x, y, key=b"k", within=square())
    assert len(set(zip(mx[:50], my[:50], strict=True))) == 1
    assert (mx[0], my[0]) != (mx[50], my[50])
    moved = np.hypot(mx - x, my - y)
    assert moved.min() >= DEFAULT_POLICY.geomask_min_m - 1
    assert moved.max() <= DEFAULT_POLICY.geomask_max_m + 1


def test_the_mask_depends_on_the_key_and_stays_inside():
    x, y = np.array([50.0, 10_000.0]), np.array([50.0, 10_000.0])
    a = geomask_points(x, y, key=b"one", within=square())
    b = geomask_points(x, y, key=b"two", within=square())
    assert not np.allclose(a, b)
    assert shapely.contains_xy(square(), *a).all()


def test_the_geomask_checks_its_inputs():
    with pytest.raises(ValueError, match="same length"):
        geomask_points([1.0], [1.0, 2.0], key=b"k", within=square())
    with pytest.raises(ValueError, match="must not be empty"):
        geomask_points([1.0], [1.0], key=b"", within=square())
