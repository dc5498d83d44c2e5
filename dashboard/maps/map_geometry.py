"""The display geometry of a geography, and fitting a map's view to an extent.

Geometry is simplified in metres, reprojected to WGS84 and rounded once per geography
(:func:`build_map_geometry`). The live layers fetch it from a content-hashed file under the
app's static folder (:func:`shapes_url`) rather than receiving it on every rerun. These are
public boundaries (wards, grid cells, the borough), never records.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from dashboard import assets
from geodata.geography import Geography
from geodata.projection import to_lonlat, to_metric
from geodata.schema import CRS_METRIC, CRS_WGS84

WARD_SIMPLIFY_M = 10.0
COORD_DECIMALS = 5  # about 1 m


def extent_from_bounds(bounds: dict | None) -> tuple[float, float, float, float] | None:
    """Turn the bounds st_folium returns (lat/lon corners) into an EPSG:27700 extent.

    Parameters
    ----------
    bounds : dict or None
        ``{"_southWest": {"lat", "lng"}, "_northEast": {"lat", "lng"}}``.

    Returns
    -------
    tuple of float or None
        ``minx, miny, maxx, maxy``, or ``None`` when the bounds are missing.
    """
    try:
        sw, ne = bounds["_southWest"], bounds["_northEast"]
        xs, ys = to_metric([sw["lng"], ne["lng"]], [sw["lat"], ne["lat"]])
    except (KeyError, TypeError):
        return None
    minx, miny, maxx, maxy = min(xs), min(ys), max(xs), max(ys)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])) or minx >= maxx or miny >= maxy:
        return None
    return float(minx), float(miny), float(maxx), float(maxy)


def fit_view(
    bounds_metric, *, width_px: int = 700, height_px: int = 560
) -> tuple[list[float], float]:
    """Return the centre (lat, lon) and zoom that fit an EPSG:27700 extent in the map.

    Parameters
    ----------
    bounds_metric : sequence of float
        ``minx, miny, maxx, maxy`` in metres.
    width_px, height_px : int
        The map's size on screen.

    Returns
    -------
    tuple
        ``[lat, lon]`` and a zoom level in quarter steps, between 10 and 16.
    """
    minx, miny, maxx, maxy = bounds_metric
    lon, lat = to_lonlat((minx + maxx) / 2, (miny + maxy) / 2)
    # Web Mercator ground resolution at zoom 0 is 156,543 m per pixel at the equator.
    per_px0 = 156_543.03 * np.cos(np.radians(lat))
    span = max((maxx - minx) / (0.9 * width_px), (maxy - miny) / (0.9 * height_px), 1.0)
    zoom = float(np.clip(np.floor(4 * np.log2(per_px0 / span)) / 4, 10, 16))
    return [float(lat), float(lon)], zoom


def _to_map_coords(geoms: gpd.GeoSeries, simplify_m: float = 0.0) -> list[dict]:
    """Simplify in metres, reproject to WGS84, round, and return GeoJSON geometries."""
    if simplify_m:
        geoms = geoms.simplify(simplify_m, preserve_topology=True)
    wgs = geoms.to_crs(CRS_WGS84).to_numpy()
    rounded = shapely.transform(wgs, lambda c: np.round(c, COORD_DECIMALS))
    return [shapely.geometry.mapping(g) for g in rounded]


@dataclass(frozen=True)
class MapGeometry:
    """Display geometry for one geography, in WGS84, built once.

    Attributes
    ----------
    wards : list of dict
        GeoJSON geometry per ward, simplified and rounded.
    outline : dict
        The borough outline.
    cells : dict of int to list of dict
        GeoJSON geometry per grid cell, by cell size.
    ward_points : numpy.ndarray
        A (lat, lon) point inside each ward, for ward-level symbols.
    extent : tuple of float
        The borough's extent in EPSG:27700 (minx, miny, maxx, maxy).
    ward_names : tuple of str
        Ward names in index order (for labels).
    """

    wards: list[dict]
    outline: dict
    cells: dict[int, list[dict]]
    ward_points: np.ndarray
    extent: tuple[float, float, float, float]
    ward_names: tuple[str, ...] = ()

    @functools.cached_property
    def outline_shapes(self) -> list[dict]:
        """The borough outline as a one-shape list, for :func:`shapes_url`."""
        return [self.outline]


def build_map_geometry(geography: Geography) -> MapGeometry:
    """Prepare the display geometry of a geography (simplified, WGS84, rounded).

    Parameters
    ----------
    geography : Geography

    Returns
    -------
    MapGeometry
    """
    wards = geography.wards.geometry
    points = wards.representative_point().to_crs(CRS_WGS84)
    outline = gpd.GeoSeries([geography.outline], crs=CRS_METRIC)
    return MapGeometry(
        wards=_to_map_coords(wards, WARD_SIMPLIFY_M),
        outline=_to_map_coords(outline, WARD_SIMPLIFY_M)[0],
        cells={
            size: _to_map_coords(grid.geometry, WARD_SIMPLIFY_M)
            for size, grid in geography.grids.items()
        },
        ward_points=np.column_stack([points.y.to_numpy(), points.x.to_numpy()]),
        extent=tuple(float(v) for v in geography.outline.bounds),
        ward_names=geography.ward_names,
    )


# Display geometry is written once per geography under the app's static folder and fetched
# once by the map's frame; each filter click then sends only what changes per area.
GEOMETRY_DIR = assets.STATIC_DIR / "geometry"
_GEOMETRY_FROM_COMPONENT = "../../app/static/geometry"


@functools.lru_cache(maxsize=16)
def _shapes_file(text: str) -> str:
    GEOMETRY_DIR.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(text.encode()).hexdigest()[:24] + ".json"
    target = GEOMETRY_DIR / name
    if not target.exists():
        partial = target.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    return f"{_GEOMETRY_FROM_COMPONENT}/{name}"


def shapes_url(shapes: list[dict]) -> str:
    """Return the URL (from the map's frame) of a JSON file holding these shapes.

    The shapes are public boundaries (wards, grid cells), never records. The file name is a
    hash of its content, so the browser may keep it as long as it likes.
    """
    key = id(shapes)
    cached = _SHAPE_URLS.get(key)
    if cached is None or cached[0] is not shapes:
        cached = (shapes, _shapes_file(json.dumps(shapes, separators=(",", ":"))))
        _SHAPE_URLS[key] = cached
    return cached[1]


_SHAPE_URLS: dict[int, tuple[list[dict], str]] = {}

