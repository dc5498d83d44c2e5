"""The Map page's live map: a Leaflet map kept in the browser, fed only what a click changes.

``st_folium`` renders its whole base map to HTML again on every rerun and hands the
browser a script to evaluate; on the Map page, where every filter click reruns the page,
that was most of the server's part of a click (docs/architecture.md, "One filter click").
This component (``live_map/``: a page and a script, no build step, Leaflet from the app's
own static files) builds its map once. Each rerun sends JSON: the base map's description
(the same every time, so nothing is redrawn) and, per layer, the data of the elements the
layer builders of :mod:`dashboard.maps.layers` made. The browser keeps a layer whose data
did not change and restyles areas whose shapes are the same.

The layers are the same ``folium.FeatureGroup`` objects the folium maps of the other pages
draw (each element of :mod:`dashboard.maps.elements` gives its ``spec``), so what reaches
the browser, and how it is escaped, is decided in one place.
"""

from __future__ import annotations

from pathlib import Path

import folium
import streamlit.components.v1 as components

from dashboard import assets
from dashboard.maps.basemaps import (
    KEYBOARD_HINT,
    LABEL_MIN_ZOOM,
    MAP_ATTRIBUTION,
    OUTLINE_STYLE,
    Basemap,
)
from dashboard.maps.map_geometry import MapGeometry, fit_view, shapes_url
from geodata.escaping import escape_text

_FRONTEND = Path(__file__).resolve().parent / "live_map"
_component = components.declare_component("live_map", path=str(_FRONTEND))


def base_spec(geometry: MapGeometry, basemap: Basemap, *, title: str) -> dict:
    """Describe, as data, the base map :func:`~dashboard.maps.build_base_map` draws.

    The borough outline, tiles if any, attributions, the accessible name (``title``) and
    the first view.
    """
    centre, zoom = fit_view(geometry.extent)
    tiles = (
        {"url": basemap.tiles, "attribution": escape_text(basemap.attribution)}
        if basemap.tiles else None
    )
    return {
        "outline": shapes_url(geometry.outline_shapes), "outlineStyle": OUTLINE_STYLE,
        "tiles": tiles, "attribution": escape_text(MAP_ATTRIBUTION), "title": title,
        "label": title + KEYBOARD_HINT, "labelMinZoom": LABEL_MIN_ZOOM,
        "centre": centre, "zoom": zoom,
    }


def layer_specs(layers: list[folium.FeatureGroup]) -> list[dict]:
    """Return the data of each layer's elements, in drawing order.

    Raises
    ------
    TypeError
        If a layer holds an element the live map cannot draw (one without ``spec``).
    """
    out = []
    for layer in layers:
        parts = []
        for element in layer._children.values():
            if not hasattr(element, "spec"):
                raise TypeError(f"the live map cannot draw a {type(element).__name__}")
            parts.append(element.spec)
        out.append({"name": layer.layer_name, "parts": parts})
    return out


def live_map(
    geometry: MapGeometry,
    basemap: Basemap,
    layers: list[folium.FeatureGroup],
    *,
    title: str,
    centre: list[float],
    zoom: float,
    height: int,
    report_bounds: bool,
    key: str,
) -> dict | None:
    """Draw the live map; return what it reported (``{"bounds": ...}``) or ``None``.

    Parameters
    ----------
    geometry : MapGeometry
    basemap : Basemap
    layers : list of folium.FeatureGroup
        Built by :mod:`dashboard.maps.layers`.
    title : str
        The map's accessible name.
    centre, zoom
        The view to show; the map moves only when these change, so a planner's own pan
        and zoom are kept across filter clicks that leave them the same.
    height : int
        In pixels.
    report_bounds : bool
        Send the map's bounds back after each move (a rerun each time), in the form
        ``st_folium`` returns them.
    key : str

    Returns
    -------
    dict or None
    """
    return _component(
        assets={"js": assets.leaflet_url("leaflet.js"), "css": assets.leaflet_url("leaflet.css")},
        base=base_spec(geometry, basemap, title=title),
        layers=layer_specs(layers),
        view={"centre": centre, "zoom": zoom},
        height=height,
        reportBounds=report_bounds,
        key=key,
        default=None,
    )
