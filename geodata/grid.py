"""Regular square grids over Barnet in British National Grid."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geodata.schema import CRS_METRIC

CELL_SIZES = (250, 500, 1000)
DEFAULT_CELL_SIZE = 500
_ORIGIN_STEP = 1000.0  # grids of every size share an origin on a whole kilometre, so they nest


@dataclass(frozen=True)
class Grid:
    """A square grid clipped to an area: the cells that touch it, numbered 0..n-1.

    Attributes
    ----------
    cell_size : float
        Side of a cell in metres.
    x0, y0 : float
        Lower-left corner of cell (0, 0) of the full grid.
    n_cols, n_rows : int
        Size of the full rectangular grid.
    full_codes : numpy.ndarray
        For each kept cell, its code ``row * n_cols + col`` in the full grid.
    geometry : geopandas.GeoSeries
        Each kept cell clipped to the area, EPSG:27700.
    """

    cell_size: float
    x0: float
    y0: float
    n_cols: int
    n_rows: int
    full_codes: np.ndarray
    geometry: gpd.GeoSeries

    @property
    def n_cells(self) -> int:
        """How many cells touch the area."""
        return len(self.full_codes)

    def cell_of(self, x, y) -> np.ndarray:
        """Return the kept-cell position of each point, or -1 outside the kept cells.

        Parameters
        ----------
        x, y : array-like of float
            Coordinates in EPSG:27700.

        Returns
        -------
        numpy.ndarray of int32
        """
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        col = np.floor((x - self.x0) / self.cell_size).astype("int64")
        row = np.floor((y - self.y0) / self.cell_size).astype("int64")
        inside = (col >= 0) & (col < self.n_cols) & (row >= 0) & (row < self.n_rows)
        lookup = np.full(self.n_cols * self.n_rows, -1, dtype="int32")
        lookup[self.full_codes] = np.arange(self.n_cells, dtype="int32")
        out = np.full(len(x), -1, dtype="int32")
        out[inside] = lookup[row[inside] * self.n_cols + col[inside]]
        return out

    def centroids(self) -> np.ndarray:
        """Return the centre of each kept (unclipped) cell as an (n, 2) array."""
        row, col = np.divmod(self.full_codes, self.n_cols)
        return np.column_stack(
            [
                self.x0 + (col + 0.5) * self.cell_size,
                self.y0 + (row + 0.5) * self.cell_size,
            ]
        )


def make_grid(area, cell_size: float) -> Grid:
    """Lay a square grid over an area and keep the cells that overlap it.

    Parameters
    ----------
    area : shapely.Polygon or shapely.MultiPolygon
        In EPSG:27700 (e.g. Barnet's outline).
    cell_size : float
        Side of a cell in metres; must be positive.

    Returns
    -------
    Grid

    Raises
    ------
    ValueError
        For a non-positive cell size or an empty area.

    Examples
    --------
    >>> g = make_grid(shapely.box(0, 0, 1000, 500), 250)
    >>> g.n_cells, g.cell_of([10, 990, 5000], [10, 10, 10]).tolist()
    (8, [0, 3, -1])
    """
    if not cell_size > 0:
        raise ValueError(f"cell_size must be a positive number of metres, not {cell_size!r}")
    if area is None or area.is_empty:
        raise ValueError("the area to cover is empty")
    minx, miny, maxx, maxy = area.bounds
    x0 = np.floor(minx / _ORIGIN_STEP) * _ORIGIN_STEP
    y0 = np.floor(miny / _ORIGIN_STEP) * _ORIGIN_STEP
    n_cols = int(np.ceil((maxx - x0) / cell_size))
    n_rows = int(np.ceil((maxy - y0) / cell_size))
    row, col = np.divmod(np.arange(n_cols * n_rows), n_cols)
    squares = shapely.box(
        x0 + col * cell_size,
        y0 + row * cell_size,
        x0 + (col + 1) * cell_size,
        y0 + (row + 1) * cell_size,
    )
    shapely.prepare(area)
    touching = shapely.intersects(area, squares)
    clipped = shapely.intersection(squares[touching], area)
    keep = shapely.area(clipped) > 0
    codes = np.flatnonzero(touching)[keep]
    return Grid(
        cell_size=float(cell_size),
        x0=float(x0),
        y0=float(y0),
        n_cols=n_cols,
        n_rows=n_rows,
        full_codes=codes,
        geometry=gpd.GeoSeries(clipped[keep], crs=CRS_METRIC),
    )
