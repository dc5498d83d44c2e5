"""Moving points between British National Grid metres and longitude/latitude.

Building a :class:`pyproj.Transformer` costs tens of milliseconds, so each pair of
coordinate systems gets one per process (:func:`transformer`), shared by every caller.

pyproj keeps the PROJ object behind a transformer per thread and builds it again in each
new thread (about 50 ms here). Streamlit runs every rerun in a new thread, so a filter click
paid that again each time. :func:`to_lonlat` and :func:`to_metric` therefore run their
transforms on one long-lived thread, where it is built once.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

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


_PROJ_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atlas-proj")


def _transform(source: str, target: str, a: ArrayLike, b: ArrayLike
               ) -> tuple[np.ndarray, np.ndarray]:
    run = transformer(source, target).transform
    return _PROJ_THREAD.submit(run, np.asarray(a), np.asarray(b)).result()


def to_lonlat(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Turn British National Grid eastings and northings into longitudes and latitudes."""
    return _transform(CRS_METRIC, CRS_WGS84, x, y)


def to_metric(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Turn longitudes and latitudes into British National Grid eastings and northings."""
    return _transform(CRS_WGS84, CRS_METRIC, lon, lat)
