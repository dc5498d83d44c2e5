"""Point-in-polygon: which ward each point lies in."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geodata.schema import CRS_METRIC, WARD_CODE


def ward_index_of(x: np.ndarray, y: np.ndarray, wards: gpd.GeoDataFrame) -> np.ndarray:
    """Return, for each point, the row of the ward it lies in, or -1 outside every ward.

    Parameters
    ----------
    x, y : numpy.ndarray
        Easting and northing in EPSG:27700.
    wards : geopandas.GeoDataFrame
        Validated wards in EPSG:27700.

    Returns
    -------
    numpy.ndarray of int32
        Positional ward index; a point on a shared edge goes to the first ward found.

    Raises
    ------
    ValueError
        When the wards are not in EPSG:27700.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> from shapely import box
    >>> w = gpd.GeoDataFrame({"ward_code": ["A", "B"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:27700")
    >>> ward_index_of(np.array([0.5, 1.5, 5.0]), np.array([0.5, 0.5, 5.0]), w).tolist()
    [0, 1, -1]
    """
    if wards.crs is None or wards.crs.to_string() != CRS_METRIC:
        raise ValueError(
            f"wards must be in {CRS_METRIC}, not {wards.crs}; call wards.to_crs('{CRS_METRIC}')"
        )
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    result = np.full(len(x), -1, dtype="int32")
    finite = np.isfinite(x) & np.isfinite(y)
    # Inside a ward (not on its edge): tested on the coordinates directly, ward by ward,
    # for the points within the ward's bounding box, against a prepared copy of the ward.
    geoms = shapely.from_wkb(shapely.to_wkb(wards.geometry.to_numpy()))
    shapely.prepare(geoms)
    for i, (geom, (x0, y0, x1, y1)) in enumerate(zip(geoms, shapely.bounds(geoms),
                                                     strict=True)):
        near = np.flatnonzero(
            (result < 0) & finite & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        )
        if len(near):
            result[near[shapely.contains_xy(geom, x[near], y[near])]] = i
    # The rest lie outside every ward or on an edge: the first ward touching the point.
    rest = np.flatnonzero(finite & (result < 0))
    if len(rest):
        points = shapely.points(x[rest], y[rest])
        point_pos, ward_pos = wards.sindex.query(points, predicate="intersects")
        first = np.unique(point_pos, return_index=True)[1]
        result[rest[point_pos[first]]] = ward_pos[first]
    return result


def ward_codes_of(x: np.ndarray, y: np.ndarray, wards: gpd.GeoDataFrame) -> np.ndarray:
    """Return the ward code of each point, or ``None`` outside every ward.

    Parameters
    ----------
    x, y : numpy.ndarray
        Easting and northing in EPSG:27700.
    wards : geopandas.GeoDataFrame
        Validated wards in EPSG:27700.

    Returns
    -------
    numpy.ndarray of object
    """
    index = ward_index_of(x, y, wards)
    codes = np.asarray(wards[WARD_CODE].to_numpy(), dtype=object)
    out = np.full(len(index), None, dtype=object)
    inside = index >= 0
    out[inside] = codes[index[inside]]
    return out
