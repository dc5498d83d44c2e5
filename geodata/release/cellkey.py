"""The cell-key method: how one count is turned into its released value.

This is the method of flexible table builders (ABS TableBuilder; ONS, Census 2021 custom
tables). Every record carries a random 32-bit key, fixed when it is imported and stored with
it. The key of a cell (a set of records: one ward, one block of weeks, one category) comes
from the sum of its records' keys: as in ABS's method, the same records always give the same
cell key, and a cell that differs by even one record gets an unrelated one. Unlike the
plain sum modulo ``key_range``, the sum (modulo 2**32) is passed through a bijective integer
mixer before it is cut to ``key_range``: with the plain sum the key of a total is the sum of
its cells' keys, and the adversarial tests measured that this link lets an intruder who
sees the cells and the total guess a small cell more often than by chance. A perturbation
table, built once from the policy, maps (count, cell key) to the released value:

- 0 stays 0;
- a count ``n`` from 1 to ``k - 1`` becomes 0, or one of ``k .. k + 2s`` evenly
  (``s = small_spread``), with probability ``n / (k + s)`` in all: it is never released as
  itself, is right on average, and a released ``k`` or ``k + 1`` does not single out ``k - 1``;
- a count of ``k`` or more gets an adjustment from ``policy.noise`` (symmetric, so right on
  average); a result that would fall in 1 .. ``k - 1`` is split the same way.

"With probability" here means: over the cell keys, which are uniform, because the record
keys are random and secret. So the same records always give the same released value, and
two cells that differ by even one record get independent adjustments.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from geodata.release.policy import DEFAULT_POLICY, ReleasePolicy

RECORD_KEY_BITS = 32


def draw_record_keys(n: int, *, rng=None) -> np.ndarray:
    """Draw random record keys, uniform on ``0 .. 2**32 - 1``.

    Parameters
    ----------
    n : int
        How many keys.
    rng : numpy.random.Generator, optional
        Defaults to a generator seeded from the operating system's secure source: keys
        must not be predictable from the code.

    Returns
    -------
    numpy.ndarray of int64
    """
    rng = rng if rng is not None else np.random.default_rng(secrets.randbits(128))
    return rng.integers(0, 2**RECORD_KEY_BITS, size=n, dtype="int64")


def cell_keys(key_sums, policy: ReleasePolicy = DEFAULT_POLICY) -> np.ndarray:
    """Return the cell keys of cells whose records' keys add up to ``key_sums``.

    The sum is taken modulo 2**32 and mixed with MurmurHash3's 32-bit finaliser (a
    bijection whose every output bit depends on every input bit), then cut to
    ``0 .. key_range - 1``.

    Parameters
    ----------
    key_sums : array-like of int
        Sums of record keys (exact integers).
    policy : ReleasePolicy

    Returns
    -------
    numpy.ndarray of int64
    """
    h = (np.asarray(key_sums, dtype="int64") % 2**RECORD_KEY_BITS).astype("uint32")
    with np.errstate(over="ignore"):
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return (h % np.uint32(policy.key_range)).astype("int64")


def _row(n: int, policy: ReleasePolicy) -> dict[int, float]:
    """Return the released-value distribution of a true count ``n``."""
    k = policy.k

    spread = range(k, k + 2 * policy.small_spread + 1)
    middle = k + policy.small_spread

    def split(value: int, p: float, into: dict[int, float]) -> None:
        # 0, or evenly one of k .. k + 2 * spread (whose mean is `middle`): right on average
        for v in spread:
            into[v] = into.get(v, 0.0) + p * value / middle / len(spread)
        into[0] = into.get(0, 0.0) + p * (1 - value / middle)

    out: dict[int, float] = {}
    if n == 0:
        return {0: 1.0}
    if n < k:
        split(n, 1.0, out)
        return out
    for d, p in enumerate(policy.noise, start=-policy.max_noise):
        value = n + d
        if value < k:
            split(value, p, out)
        else:
            out[value] = out.get(value, 0.0) + p
    return out


def _lookup(distribution: dict[int, float], key_range: int) -> np.ndarray:
    """Map each cell key to a released value by inverting the cumulative distribution."""
    values = np.array(sorted(distribution), dtype="int64")
    cumulative = np.cumsum([distribution[v] for v in values])
    u = (np.arange(key_range) + 0.5) / key_range
    return values[np.minimum(np.searchsorted(cumulative, u, side="right"), len(values) - 1)]


@dataclass(frozen=True)
class PerturbationTable:
    """Released values by (count, cell key).

    Attributes
    ----------
    small : numpy.ndarray of int64
        ``small[n, key]`` for counts ``n < k + max_noise``.
    adjustment : numpy.ndarray of int64
        ``adjustment[key]`` added to any larger count.
    policy : ReleasePolicy
    """

    small: np.ndarray
    adjustment: np.ndarray
    policy: ReleasePolicy

    def release(self, counts, cell_keys) -> np.ndarray:
        """Return the released values of cells with these true counts and cell keys.

        Parameters
        ----------
        counts : array-like of int
            True counts, non-negative.
        cell_keys : array-like of int
            Cell keys, ``0 .. key_range - 1``.

        Returns
        -------
        numpy.ndarray of int64
        """
        n = np.asarray(counts, dtype="int64")
        key = np.asarray(cell_keys, dtype="int64")
        limit = len(self.small)
        small = self.small[np.minimum(n, limit - 1), key]
        return np.where(n < limit, small, n + self.adjustment[key])


def largest_noise_variance(policy: ReleasePolicy = DEFAULT_POLICY) -> float:
    """Return the largest variance the release adds to one cell, over every true count.

    Tests on released counts allow for this much noise per released cell they add up (a
    count of 4 is the noisiest: it shows as 0 or as 5 to 11); larger counts move by the
    policy's adjustment only.

    Examples
    --------
    >>> largest_noise_variance()
    18.0
    """
    variances = []
    for n in range(policy.k + policy.max_noise + 1):
        row = _row(n, policy)
        mean = sum(v * p for v, p in row.items())
        variances.append(sum((v - mean) ** 2 * p for v, p in row.items()))
    return round(max(variances), 9)


@lru_cache(maxsize=4)
def perturbation_table(policy: ReleasePolicy = DEFAULT_POLICY) -> PerturbationTable:
    """Build (once per policy) the perturbation table.

    Parameters
    ----------
    policy : ReleasePolicy

    Returns
    -------
    PerturbationTable

    Examples
    --------
    >>> table = perturbation_table()
    >>> sorted(set(table.small[2].tolist()))  # a count of 2 is never released as 2
    [0, 5, 6, 7, 8, 9, 10, 11]
    """
    limit = policy.k + policy.max_noise
    small = np.stack([_lookup(_row(n, policy), policy.key_range) for n in range(limit)])
    adjustment = _lookup(_row(limit, policy), policy.key_range) - limit
    return PerturbationTable(small=small, adjustment=adjustment, policy=policy)
