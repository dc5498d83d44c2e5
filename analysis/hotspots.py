"""Hot spots: Getis-Ord Gi* on referral counts, with permutation inference and FDR control.

The statistic compares the count in each area plus its neighbours with what a random
arrangement of the same counts would give. Significance comes from 999 conditional
permutations (esda), as a two-sided normal p-value from the permutation distribution, and
the false discovery rate is controlled at each confidence level (90, 95, 99 %), as in
ArcGIS's Hot Spot Analysis. Classes run from -3 (cold, 99 %) to +3 (hot, 99 %).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import esda
import numpy as np
from libpysal.graph import Graph
from scipy import stats

from geodata.grid import Grid

DEFAULT_PERMUTATIONS = 999
DEFAULT_SEED = 20230924
CONFIDENCE_LEVELS = (0.90, 0.95, 0.99)
CLASS_LABELS = {
    3: "hot spot, 99 % confidence",
    2: "hot spot, 95 % confidence",
    1: "hot spot, 90 % confidence",
    0: "not significant",
    -1: "cold spot, 90 % confidence",
    -2: "cold spot, 95 % confidence",
    -3: "cold spot, 99 % confidence",
}


@dataclass(frozen=True)
class HotspotResult:
    """Gi* for every area.

    Attributes
    ----------
    z : numpy.ndarray
        Gi* z-scores (standardised against the permutation distribution).
    p : numpy.ndarray
        Two-sided p-values from the permutation distribution.
    classes : numpy.ndarray of int8
        -3..3, after false-discovery-rate control (0: not significant).
    permutations : int
    seed : int
    """

    z: np.ndarray
    p: np.ndarray
    classes: np.ndarray
    permutations: int
    seed: int

    @property
    def labels(self) -> tuple[str, ...]:
        """The class of each area in words."""
        return tuple(CLASS_LABELS[int(c)] for c in self.classes)

    def hot(self, confidence: float = 0.90) -> np.ndarray:
        """Return which areas are hot spots at (at least) this confidence."""
        return self.classes >= 1 + CONFIDENCE_LEVELS.index(confidence)


def classify_significance(z: np.ndarray, p: np.ndarray, *, fdr: bool = True) -> np.ndarray:
    """Turn z-scores and p-values into classes -3..3, controlling the false discovery rate.

    Parameters
    ----------
    z, p : numpy.ndarray
    fdr : bool
        Apply Benjamini-Hochberg at each confidence level (else compare p directly).

    Returns
    -------
    numpy.ndarray of int8

    Examples
    --------
    >>> classify_significance(np.array([4.0, -2.0, 0.1]), np.array([1e-5, 0.04, 0.9]),
    ...                       fdr=False).tolist()
    [3, -2, 0]
    """
    adjusted = stats.false_discovery_control(p, method="bh") if fdr and len(p) else p
    classes = np.zeros(len(z), dtype="int8")
    for level, confidence in enumerate(CONFIDENCE_LEVELS, start=1):
        significant = adjusted <= 1 - confidence
        classes[significant] = (level * np.sign(z[significant])).astype("int8")
    return classes


def compute_hotspots(
    counts,
    weights: Graph,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    fdr: bool = True,
) -> HotspotResult:
    """Run Gi* on counts and classify hot and cold spots.

    Parameters
    ----------
    counts : array-like
        One count per area, including the zeros.
    weights : libpysal.graph.Graph
        Binary neighbours of each area, in the order of ``counts`` (see
        :func:`grid_weights`, :func:`lattice_weights` and
        :attr:`geodata.geography.Geography.ward_weights`); each area also counts as its
        own neighbour (the star).
    permutations : int
        Conditional permutations for inference.
    seed : int
        Fixes the permutations: same data, same result.
    fdr : bool
        Control the false discovery rate.

    Returns
    -------
    HotspotResult

    Raises
    ------
    ValueError
        When the counts and weights disagree in length or permutations is not positive.
    """
    y = np.asarray(counts, dtype="float64")
    if len(y) != weights.n:
        raise ValueError(f"{len(y)} counts for {weights.n} areas in the weights")
    if permutations < 1:
        raise ValueError(f"permutations must be at least 1, not {permutations!r}")
    if y.sum() == 0 or np.all(y == y[0]):
        zeros = np.zeros(len(y))
        return HotspotResult(zeros, np.ones(len(y)), zeros.astype("int8"), permutations, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = esda.G_Local(
            y, weights, transform="B", permutations=permutations, star=True, seed=seed,
            n_jobs=1, keep_simulations=True,
        )
    z = np.nan_to_num(np.asarray(g.z_sim, dtype="float64"))
    p = 2 * stats.norm.sf(np.abs(z))
    return HotspotResult(z, p, classify_significance(z, p, fdr=fdr), permutations, seed)


def grid_weights(grid: Grid, cells: np.ndarray | None = None) -> Graph:
    """Return queen-style neighbours of grid cells (the eight around each cell).

    Parameters
    ----------
    grid : Grid
    cells : numpy.ndarray, optional
        Positions of the cells to include (default: all kept cells).

    Returns
    -------
    libpysal.graph.Graph
        Binary, indexed by position in ``cells`` (0, 1, ...). A selection of wards that
        do not touch gives several components, and a lone cell has no neighbours.
    """
    codes = grid.full_codes if cells is None else grid.full_codes[cells]
    return _grid_weights(grid.cell_size, np.asarray(codes, dtype="int64").tobytes(), grid.n_cols)


def lattice_weights(n_rows: int, n_cols: int) -> Graph:
    """Return queen neighbours on a regular lattice of cells, numbered row by row.

    Parameters
    ----------
    n_rows, n_cols : int

    Returns
    -------
    libpysal.graph.Graph
        Binary, indexed 0 .. ``n_rows * n_cols - 1``.

    Examples
    --------
    >>> w = lattice_weights(3, 3)
    >>> w.neighbors[0], len(w.neighbors[4])
    ((1, 3, 4), 8)
    """
    codes = np.arange(n_rows * n_cols, dtype="int64")
    return _grid_weights(1.0, codes.tobytes(), n_cols)


@lru_cache(maxsize=8)
def _grid_weights(cell_size: float, codes: bytes, n_cols: int) -> Graph:
    full = np.frombuffer(codes, dtype="int64")
    row, col = np.divmod(full, n_cols)
    centres = np.column_stack([col, row]).astype("float64") * cell_size
    return Graph.build_distance_band(centres, threshold=cell_size * 1.5, binary=True)


def enable_kernel_cache(folder) -> bool:
    """Keep esda's compiled permutation kernels on disk in ``folder`` (numba's cache).

    esda compiles its kernels without numba's ``cache=True``, so every new process would
    compile them again (tens of seconds on a busy two-core machine). Turning the cache on
    for each of them but one (``_PER_PROCESS``, below), with the cache kept in ``folder``,
    means only the first start ever compiles them. The files hold machine code for the
    kernels, nothing about the records.

    Parameters
    ----------
    folder : Path or str
        Where the compiled kernels are kept (inside the atlas home).

    Returns
    -------
    bool
        Whether the cache could be turned on.
    """
    import numba
    from esda import crand, getisord, significance
    from numba.core.registry import CPUDispatcher

    try:
        Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in Path(folder).glob(f"*/*.{_PER_PROCESS}-*.nb[ci]"):  # from earlier versions
            stale.unlink(missing_ok=True)
    except OSError:
        return False
    numba.config.CACHE_DIR = str(folder)  # type: ignore[attr-defined]  # set at run time
    for module in (crand, getisord, significance):
        for name, value in vars(module).items():
            cache = getattr(value, "_cache", None)  # numba's dispatcher keeps it private
            if (isinstance(value, CPUDispatcher) and type(cache).__name__ == "NullCache"
                    and name != _PER_PROCESS):
                value.enable_caching()
    return True


# esda's compute_chunk takes the statistic as a function argument, and numba keys such a
# compiled version by the function object's address: no other process ever finds it again.
# Cached, every start added another 650 KB to the cache, and once the cache's index held
# versions whose function object was gone, saving it could raise ReferenceError
# ("underlying object has vanished"): it stopped the warm-up, and the Priorities page
# compiles the same kernel. It is compiled once per process instead, by the warm-up.
_PER_PROCESS = "compute_chunk"


def warm_up() -> None:
    """Compile esda's permutation kernels once (numba JIT) so the first page is quick."""
    compute_hotspots(np.arange(9.0), lattice_weights(3, 3), permutations=9)
