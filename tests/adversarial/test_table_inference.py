"""Enumeration attack on one small table: a few ward cells and their total.

Before the release layer, the suppression pattern itself leaked: two wards both "<5" with
a total "c" happened only for 4 and 4. Now every cell and the total are released with the
cell-key method, and the total is a cell of its own (its key is mixed from its records'
keys, unrelated to its cells' keys, see geodata/release/cellkey.py). The intruder knows the
perturbation table (it is in the source) but not the keys. For tables drawn with cells
from 0 to 15 (2 and 3 cells; 0 to 7 for 4 cells) they work out the exact posterior of the
first cell (a uniform prior over count vectors, every vector of the other cells summed
out) and guess its most likely value. The test says how often that guess of a small
planted count is right.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geodata.release import (
    DEFAULT_POLICY,
    WARDS,
    ReferralRelease,
    WeekWindow,
    draw_record_keys,
    perturbation_table,
)
from geodata.release.cellkey import cell_keys

K = DEFAULT_POLICY.k
R = DEFAULT_POLICY.key_range
TABLE = perturbation_table(DEFAULT_POLICY)
KEYS = np.arange(R)


def released(n: int) -> np.ndarray:
    return TABLE.release(np.full(R, n), KEYS)


SAMPLES = 1000


def guess_success(m: int, top: int, *, seed: int = 0) -> dict[int, float]:
    """How often the intruder's best guess of cell 1 is right, by its true small value.

    For each true value ``a`` of cell 1, ``SAMPLES`` tables are drawn (the other cells
    uniform on 0..top, fresh keys for every cell and the total); for each, the intruder's
    exact posterior over cell 1 sums over every vector of the other cells.
    """
    rng = np.random.default_rng(seed)
    likelihood = np.stack([np.bincount(released(n), minlength=m * top + 60)[: m * top + 60] / R
                           for n in range(m * top + 1)])  # [count, released value]
    others = np.array(list(itertools.product(range(top + 1), repeat=m - 1)))
    success = {}
    for a in range(1, K):
        hits = 0
        for _ in range(SAMPLES):
            counts = np.r_[a, rng.integers(0, top + 1, m - 1)]
            shown = [int(rng.choice(released(int(c)))) for c in counts]
            total = int(rng.choice(released(int(counts.sum()))))
            # P(others' released values | others' counts), for every vector of the others
            p_rest = np.prod(likelihood[others, np.array(shown[1:])[None, :]], axis=1)
            sums = others.sum(axis=1)
            posterior = [
                likelihood[c1, shown[0]] * (p_rest * likelihood[c1 + sums, total]).sum()
                for c1 in range(top + 1)
            ]
            hits += int(np.argmax(posterior)) == a
        success[a] = hits / SAMPLES
    return success


def test_the_release_is_exactly_this_table_with_a_key_of_its_own_for_the_total():
    rng = np.random.default_rng(5)
    for _ in range(50):
        counts = rng.integers(0, 9, 3)
        wards = np.repeat(np.arange(3), counts)
        keys = draw_record_keys(len(wards), rng=rng)
        release = ReferralRelease(
            weeks=np.full(len(wards), 2803), categories=np.zeros(len(wards), int),
            areas={WARDS: (wards, 3)}, record_keys=keys, category_names=("labour",),
        )
        window = WeekWindow(2803, 2804)
        keyed = cell_keys([keys[wards == i].sum() for i in range(3)])
        assert list(release.counts(WARDS, window).values) == [
            TABLE.release([c], [k])[0] for c, k in zip(counts, keyed, strict=True)
        ]
        assert release.total(window) == TABLE.release([counts.sum()],
                                                      cell_keys([keys.sum()]))[0]


@pytest.mark.parametrize(("m", "top"), [(2, 15), (3, 15), (4, 7)], ids=["2-cells", "3-cells",
                                                                        "4-cells"])
def test_a_small_cell_is_guessed_no_better_than_chance(m, top):
    success = guess_success(m, top)
    print(f"\n{m} cells up to {top}: intruder right for a planted "
          + ", ".join(f"{a}: {p:.0%}" for a, p in success.items()))
    assert success[2] <= 1 / K
    # averaged over every small value, no better than guessing among 0..k-1
    assert np.mean(list(success.values())) <= 1 / K + 0.02
