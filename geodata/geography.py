"""Barnet's geography as the atlas works with it: wards, outline and nested grids.

Built once from validated wards (EPSG:27700) and shared by every layer: the release layer
codes records against it, analysis computes over its areas, the dashboard draws it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from geodata.grid import CELL_SIZES, Grid, make_grid
from geodata.schema import WARD_CODE, WARD_NAME
from geodata.wards import borough_outline

if TYPE_CHECKING:
    from libpysal.graph import Graph


@dataclass(frozen=True)
class Geography:
    """Barnet's wards, outline and analysis grids, built once.

    Attributes
    ----------
    wards : geopandas.GeoDataFrame
        Validated wards, EPSG:27700, sorted by code.
    outline : shapely geometry
        The borough, as the union of its wards.
    grids : dict of int to Grid
        One grid per cell size in :data:`geodata.grid.CELL_SIZES`.
    ward_cells : dict of int to numpy.ndarray of bool
        For each grid, which cells (columns) overlap which wards (rows).
    """

    wards: gpd.GeoDataFrame
    outline: object
    grids: dict[int, Grid]
    ward_cells: dict[int, np.ndarray]

    @cached_property
    def ward_weights(self) -> Graph:
        """Contiguity of the wards, tolerant of slivers in generalised boundaries.

        Wards whose outlines, grown by 20 m, intersect are neighbours (binary weights,
        indexed by ward position).
        """
        from libpysal.graph import Graph  # slow to import; only needed here

        return Graph.build_fuzzy_contiguity(self.wards, buffer=20.0)

    @cached_property
    def ward_cell_distance(self) -> dict[int, np.ndarray]:
        """Per cell size: distance (m) from each ward (rows) to each cell centre (columns)."""
        return {
            size: np.array(
                [shapely.distance(ward, shapely.points(grid.centroids()))
                 for ward in self.wards.geometry]
            )
            for size, grid in self.grids.items()
        }

    @cached_property
    def ward_codes(self) -> tuple[str, ...]:
        """Ward codes in index order."""
        return tuple(str(c) for c in self.wards[WARD_CODE])

    @cached_property
    def ward_names(self) -> tuple[str, ...]:
        """Ward names in index order."""
        return tuple(str(n) for n in self.wards[WARD_NAME])

    @cached_property
    def ward_name_by_code(self) -> Mapping[str, str]:
        """Ward name per ward code (the one lookup every page and export uses); read-only."""
        return MappingProxyType(dict(zip(self.ward_codes, self.ward_names, strict=True)))

    @cached_property
    def places(self):
        """Names of every grid cell (ward and postcode sectors): :mod:`geodata.places`."""
        from geodata.places import build_places  # the postcode directory loads on first use

        return build_places(self)

    def ward_of(self, x, y) -> np.ndarray:
        """Return the ward position of each point (-1 outside every ward).

        Parameters
        ----------
        x, y : array-like of float
            EPSG:27700.

        Returns
        -------
        numpy.ndarray of int16
        """
        points = shapely.points(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"))
        point_pos, ward_pos = self.wards.sindex.query(points, predicate="within")
        out = np.full(len(points), -1, dtype="int16")
        out[point_pos] = ward_pos  # a point on a shared edge takes the later ward
        return out


def build_geography(wards: gpd.GeoDataFrame, cell_sizes=CELL_SIZES) -> Geography:
    """Derive the outline and grids from validated wards.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Validated wards in EPSG:27700.
    cell_sizes : sequence of int
        Grid cell sizes in metres.

    Returns
    -------
    Geography
    """
    outline = borough_outline(wards)
    grids = {size: make_grid(outline, size) for size in cell_sizes}
    ward_cells = {}
    for size, grid in grids.items():
        ward_pos, cell_pos = grid.geometry.sindex.query(wards.geometry, predicate="intersects")
        overlap = np.zeros((len(wards), grid.n_cells), dtype=bool)
        overlap[ward_pos, cell_pos] = True
        ward_cells[size] = overlap
    return Geography(wards=wards, outline=outline, grids=grids, ward_cells=ward_cells)


def ward_positions(geography: Geography, ward_codes) -> np.ndarray:
    """Return the index positions of the given ward codes (all wards when empty).

    Parameters
    ----------
    geography : Geography
    ward_codes : sequence of str

    Returns
    -------
    numpy.ndarray of int
    """
    codes = geography.ward_codes
    if not ward_codes:
        return np.arange(len(codes))
    wanted = set(ward_codes)
    return np.array([i for i, c in enumerate(codes) if c in wanted], dtype="int64")
