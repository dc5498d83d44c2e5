"""Moving points between British National Grid metres and longitude/latitude.

Building a :class:`pyproj.Transformer` costs tens of milliseconds, so each pair of
coordinate systems gets one per process (:func:`transformer`), shared by every caller.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Transformer

from geodata.schema import CRS_METRIC, CRS_WGS84


@functools.cache
def transformer(source: str, target: str) -> Transformer:
    """Return the (cached) transformer from one CRS to another, in x/y (lon/lat) order.

    Parameters
    ----------
    source, target : str
        Coordinate reference systems, e.g. :data:`geodata.schema.CRS_METRIC`.

    Returns
    -------
    pyproj.Transformer
    """
    return Transformer.from_crs(source, target, always_xy=True)


def to_lonlat(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Turn British National Grid eastings and northings into longitudes and latitudes."""
    lon, lat = transformer(CRS_METRIC, CRS_WGS84).transform(np.asarray(x), np.asarray(y))
    return lon, lat


def to_metric(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Turn longitudes and latitudes into British National Grid eastings and northings."""
    x, y = transformer(CRS_WGS84, CRS_METRIC).transform(np.asarray(lon), np.asarray(lat))
    return x, y
