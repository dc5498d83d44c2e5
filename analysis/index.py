"""The per-process index of records: integer codes that make every rerun a numpy mask.

Built once per data version, the index holds, per record, its kind, day and ISO week,
category, ward and grid cells as small integers. Referral locations are kept only as ward
and cell codes, never as coordinates; outreach points are kept geomasked. So the index may
sit in a cache shared between users, and filtering or aggregating never needs a spatial
join.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.grid import CELL_SIZES, Grid, make_grid
from geodata import vocab
from geodata.disclosure import DEFAULT_POLICY, DisclosurePolicy, geomask_points, week_number
from geodata.schema import (
    CATEGORY,
    DATE,
    KIND,
    KINDS,
    OUTREACH,
    RECORD_ID,
    WARD_CODE,
    WARD_NAME,
    X,
    Y,
)
from geodata.wards import borough_outline

KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}
# What the index is built from (the store need not read more).
INDEX_COLUMNS = (RECORD_ID, KIND, DATE, CATEGORY, X, Y, WARD_CODE)


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
        One grid per cell size in :data:`analysis.grid.CELL_SIZES`.
    ward_cells : dict of int to numpy.ndarray of bool
        For each grid, which cells (columns) overlap which wards (rows).
    """

    wards: gpd.GeoDataFrame
    outline: object
    grids: dict[int, Grid]
    ward_cells: dict[int, np.ndarray]

    @cached_property
    def ward_weights(self):
        """Contiguity of the wards (libpysal W), for ward hot spots and neighbours."""
        from analysis.hotspots import ward_weights

        return ward_weights(self.wards)

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


@dataclass(frozen=True)
class RecordIndex:
    """Every record as integer codes (see the module docstring).

    Attributes
    ----------
    kind : numpy.ndarray of int8
        0 referral, 1 outreach (:data:`KIND_CODES`).
    day : numpy.ndarray of int32
        Days since 1970-01-01.
    week : numpy.ndarray of int32
        ISO week number (:func:`geodata.disclosure.week_number`).
    category : numpy.ndarray of int8
        Position in the kind's controlled list (:func:`geodata.vocab.categories_for`).
    ward : numpy.ndarray of int16
        Position of the ward in :attr:`Geography.wards`.
    cells : dict of int to numpy.ndarray of int32
        Kept-cell position in each grid, by cell size.
    masked_x, masked_y : numpy.ndarray of float32
        Geomasked outreach points; NaN for referrals.
    """

    kind: np.ndarray
    day: np.ndarray
    week: np.ndarray
    category: np.ndarray
    ward: np.ndarray
    cells: dict[int, np.ndarray]
    masked_x: np.ndarray
    masked_y: np.ndarray

    def __len__(self) -> int:
        """Return the number of records."""
        return len(self.kind)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        arrays = [self.kind, self.day, self.week, self.category, self.ward]
        arrays += [self.masked_x, self.masked_y, *self.cells.values()]
        return int(sum(a.nbytes for a in arrays))

    def day_range(self) -> tuple[int, int] | None:
        """Return the first and last day number, or ``None`` when there are no records."""
        if not len(self.day):
            return None
        return int(self.day.min()), int(self.day.max())


def build_index(
    records: pd.DataFrame,
    geography: Geography,
    *,
    geomask_key: bytes,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> RecordIndex:
    """Turn canonical records into a :class:`RecordIndex`.

    Parameters
    ----------
    records : pandas.DataFrame
        Canonical records (``record_id, kind, date, category, x, y, ward_code``...), with
        coordinates in EPSG:27700. It is not modified.
    geography : Geography
        The wards and grids to code records against.
    geomask_key : bytes
        Secret key for the outreach geomask.
    policy : DisclosurePolicy

    Returns
    -------
    RecordIndex

    Raises
    ------
    ValueError
        When a record has a kind, category or ward the atlas does not know: records must
        be validated on import before they are indexed.
    """
    kinds = records[KIND].to_numpy()
    kind_code = _codes(kinds, KIND_CODES, "kind")
    category = _category_codes(kinds, records[CATEGORY].to_numpy())
    ward_pos = {code: i for i, code in enumerate(geography.ward_codes)}
    ward = _codes(records[WARD_CODE].to_numpy(), ward_pos, "ward_code").astype("int16")
    days = records[DATE].to_numpy().astype("datetime64[D]")
    x = records[X].to_numpy(dtype="float64")
    y = records[Y].to_numpy(dtype="float64")
    cells = {size: grid.cell_of(x, y) for size, grid in geography.grids.items()}
    for size, cell in cells.items():
        if np.any(cell < 0):
            raise ValueError(f"{int((cell < 0).sum())} record(s) fall outside the {size} m grid")
    masked_x = np.full(len(records), np.nan, dtype="float32")
    masked_y = np.full(len(records), np.nan, dtype="float32")
    is_outreach = kind_code == KIND_CODES[OUTREACH]
    if is_outreach.any():
        mx, my = geomask_points(
            x[is_outreach],
            y[is_outreach],
            records[RECORD_ID].to_numpy()[is_outreach],
            key=geomask_key,
            within=geography.outline,
            policy=policy,
        )
        masked_x[is_outreach], masked_y[is_outreach] = mx, my
    return RecordIndex(
        kind=kind_code.astype("int8"),
        day=days.astype("int64").astype("int32"),
        week=week_number(days),
        category=category,
        ward=ward,
        cells=cells,
        masked_x=masked_x,
        masked_y=masked_y,
    )


def _codes(values: np.ndarray, table: dict, what: str) -> np.ndarray:
    codes = pd.Series(values).map(table)
    if codes.isna().any():
        bad = sorted({str(v) for v in pd.Series(values)[codes.isna()]})[:5]
        raise ValueError(f"unknown {what} value(s): {', '.join(bad)}")
    return codes.to_numpy(dtype="int64")


def _category_codes(kinds: np.ndarray, categories: np.ndarray) -> np.ndarray:
    out = np.full(len(kinds), -1, dtype="int8")
    for kind in KINDS:
        rows = kinds == kind
        lookup = {c: i for i, c in enumerate(vocab.categories_for(kind))}
        out[rows] = _codes(categories[rows], lookup, f"{kind} category")
    return out


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

