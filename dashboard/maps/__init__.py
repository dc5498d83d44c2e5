"""Folium maps for the dashboard: a static base map and the layers swapped on it per view.

- :mod:`dashboard.maps.map_geometry`: display geometry (simplified, WGS84, rounded, once
  per geography), the file the browser keeps it in, and fitting a view to an extent;
- :mod:`dashboard.maps.basemaps`: the base map (outline, tiles, attribution, keyboard);
- :mod:`dashboard.maps.layers`: the layers (choropleths, ward names, outreach, context,
  recommended sites);
- :mod:`dashboard.maps.live`: the Map page's live map, which keeps its Leaflet map between
  reruns and is sent only the layers' data.

The Priorities and Next week maps hand the same layers to
``st_folium(feature_group_to_add=...)``. Pages import from here.
"""

from dashboard.maps.basemaps import (
    LABEL_MIN_ZOOM,
    MAP_ATTRIBUTION,
    NO_BASEMAP,
    AtlasMap,
    Basemap,
    available_basemaps,
    build_base_map,
)
from dashboard.maps.layers import (
    CANVAS_ABOVE,
    CLASS_IN_TOOLTIP_MAX,
    CRIME_COLOUR,
    CRIME_EDGE,
    OUTREACH_COLOUR,
    SITE_COLOUR,
    build_class_layer,
    build_live_area_layer,
    build_outline_layer,
    build_outreach_layer,
    build_sites_layer,
    build_ward_labels_layer,
    build_ward_symbols,
)
from dashboard.maps.live import live_map
from dashboard.maps.map_geometry import (
    COORD_DECIMALS,
    MapGeometry,
    build_map_geometry,
    extent_from_bounds,
    fit_view,
    shapes_url,
)

__all__ = [
    "CANVAS_ABOVE", "CLASS_IN_TOOLTIP_MAX", "COORD_DECIMALS", "CRIME_COLOUR", "CRIME_EDGE",
    "LABEL_MIN_ZOOM", "MAP_ATTRIBUTION", "NO_BASEMAP", "OUTREACH_COLOUR", "SITE_COLOUR",
    "AtlasMap", "Basemap", "MapGeometry", "available_basemaps",
    "build_base_map", "build_class_layer", "build_live_area_layer", "build_map_geometry",
    "build_outline_layer", "build_outreach_layer", "build_sites_layer",
    "build_ward_labels_layer", "build_ward_symbols", "extent_from_bounds", "fit_view",
    "live_map", "shapes_url",
]
