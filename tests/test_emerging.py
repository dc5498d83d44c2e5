"""Emerging hot spots on planted space-time data (analysis.emerging)."""

import math

import numpy as np
import pytest
from scipy import stats

from analysis.emerging import (
    NONE,
    categorise,
    emerging_hotspots,
    gi_star,
    mann_kendall,
    sensitivity_table,
    step_windows,
)
from analysis.hotspots import lattice_weights
from geodata.release import DEFAULT_POLICY

SIDE, STEPS = 12, 12
WEIGHTS = lattice_weights(SIDE, SIDE)


def block(row, col):
    return [(row + i) * SIDE + col + j for i in (-1, 0, 1) for j in (-1, 0, 1)]


def planted(profile, seed=1):
    """Poisson(5) noise everywhere; a 3x3 cluster at (4, 4) with ``profile`` extra per step."""
    cube = np.random.default_rng(seed).poisson(5, (STEPS, SIDE * SIDE)).astype(float)
    for i in block(4, 4):
        cube[:, i] += profile
    return cube


CENTRE = 4 * SIDE + 4


def category(profile, **kw):
    return emerging_hotspots(planted(np.asarray(profile, float)), WEIGHTS, **kw).categories[CENTRE]


def test_a_cluster_appearing_in_the_last_step_is_new():
    assert category([0] * 11 + [20]) == "new hot spot"


def test_a_cluster_starting_half_way_is_consecutive():
    assert category([0] * 6 + [20] * 6) == "consecutive hot spot"


def test_a_growing_cluster_is_intensifying():
    assert category(np.linspace(15, 45, STEPS)) == "intensifying hot spot"


def test_a_cluster_present_throughout_is_persistent():
    assert category([20] * STEPS) == "persistent hot spot"


def test_a_fading_cluster_is_diminishing():
    assert category(np.linspace(45, 15, STEPS)) == "diminishing hot spot"


def test_a_cluster_that_stopped_is_historical():
    assert category([20] * 11 + [0]) == "historical hot spot"


def test_a_hole_is_a_persistent_cold_spot():
    cube = np.random.default_rng(2).poisson(20, (STEPS, SIDE * SIDE)).astype(float)
    for i in block(4, 4):
        cube[:, i] = 0
    assert emerging_hotspots(cube, WEIGHTS).categories[CENTRE] == "persistent cold spot"


def test_uniform_noise_yields_no_category_at_the_fdr_level():
    with_fdr = without = 0
    for seed in range(10):
        cube = np.random.default_rng(seed).poisson(5, (STEPS, SIDE * SIDE))
        with_fdr += sum(c != NONE for c in emerging_hotspots(cube, WEIGHTS).categories)
        without += sum(c != NONE for c in emerging_hotspots(cube, WEIGHTS, fdr=False).categories)
    # 1,440 areas over ten worlds: FDR control leaves at most a stray one; without it,
    # one area in ten is flagged in some step
    assert with_fdr <= 2
    assert without >= 50


def test_mann_kendall_matches_a_hand_computation():
    z = [0.5, 1.9, 1.2, 2.8, 3.1, 2.9, 4.0]
    n = len(z)
    s = sum(np.sign(z[j] - z[i]) for i in range(n) for j in range(i + 1, n))
    assert s == 17  # 19 rises, 2 falls (1.9 > 1.2, 3.1 > 2.9)
    var = n * (n - 1) * (2 * n + 5) / 18
    p = 2 * stats.norm.sf((s - 1) / math.sqrt(var))
    direction, p_computed = mann_kendall(z)
    assert p_computed == pytest.approx(p)
    assert p < 0.05 and direction == 1
    # hot in every step (so at least 90 %) and rising: intensifying; the same hot steps
    # with a flat trend: persistent
    assert categorise([1, 2, 2, 3, 3, 3, 3], direction) == "intensifying hot spot"
    flat = [2.0, 2.5, 1.9, 2.4, 2.0, 2.6, 2.1]
    assert mann_kendall(flat)[0] == 0
    assert categorise([1, 2, 2, 3, 3, 3, 3], mann_kendall(flat)[0]) == "persistent hot spot"


def test_the_categories_follow_the_published_rules():
    assert categorise([0, 1, 0, 0, 1, 0, 2], 0) == "sporadic hot spot"
    assert categorise([0, -1, 0, 0, 1, 0, 2], 0) == "oscillating hot spot"
    assert categorise([1, 0, 0, 0, 0, 1, 2], 0) == "sporadic hot spot"  # hot before the run
    assert categorise([0, 0, 0, 0, 0, 1, 2], 0) == "consecutive hot spot"
    assert categorise([0, 0, 0, 0, 0, 0, -2], 0) == "new cold spot"
    assert categorise([-1] * 10, -1) == "intensifying cold spot"  # colder and colder
    assert categorise([-1] * 10, 1) == "diminishing cold spot"
    assert categorise([0] * 10, 0) == NONE


def test_gi_star_matches_the_textbook_formula_for_one_area():
    x = np.random.default_rng(4).poisson(5, SIDE * SIDE).astype(float)
    z, _ = gi_star(x, WEIGHTS)
    i = CENTRE
    neighbours = [i, *WEIGHTS.neighbors[i]]
    n, mean, s = len(x), x.mean(), x.std()
    wi = len(neighbours)
    expected = (x[neighbours].sum() - mean * wi) / (s * math.sqrt((n * wi - wi**2) / (n - 1)))
    assert z[i] == pytest.approx(expected)


def test_the_neighbourhood_time_step_pools_earlier_steps():
    # a cluster in one step only: with a 3-step neighbourhood, the two steps after it see it
    profile = np.zeros(STEPS)
    profile[8] = 20
    alone = emerging_hotspots(planted(profile), WEIGHTS)
    pooled = emerging_hotspots(planted(profile), WEIGHTS, neighbourhood_steps=3)
    assert alone.classes[9:, CENTRE].max() == 0
    assert (pooled.classes[8:11, CENTRE] > 0).all()


def test_too_few_steps_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 4 time steps"):
        emerging_hotspots(np.ones((2, SIDE * SIDE)), WEIGHTS)


def test_steps_end_with_the_window_and_are_whole():
    windows = step_windows(10, 21, 3, DEFAULT_POLICY)
    assert [w.bins() for w in windows] == [(10, 12), (13, 15), (16, 18), (19, 21)]
    assert [w.n_weeks for w in windows] == [6] * 4
    assert [w.bins() for w in step_windows(10, 20, 4, DEFAULT_POLICY)] == [(13, 16), (17, 20)]


def test_the_sensitivity_table_shows_each_step_length():
    cubes = {4: planted(np.r_[[0] * 6, [20] * 6]), 8: planted(np.r_[[0] * 11, [20]])}
    results = {w: emerging_hotspots(c, WEIGHTS) for w, c in cubes.items()}
    table = sensitivity_table(results, [f"area {i}" for i in range(SIDE * SIDE)])
    row = table[table["place"] == f"area {CENTRE}"].iloc[0]
    assert row["4 weeks"] == "consecutive hot spot" and row["8 weeks"] == "new hot spot"
    assert not row["same"]
