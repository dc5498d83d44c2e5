"""The base map: borough outline, optional tiles, attribution, keyboard access, label zoom.

The base map stays the same between reruns; the layers are feature groups handed to
``st_folium(feature_group_to_add=...)`` (:mod:`dashboard.maps.layers`).
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from jinja2 import Template

from dashboard import assets
from dashboard.maps.elements import Outlines, ScriptElement
from dashboard.maps.map_geometry import MapGeometry, fit_view, shapes_url
from geodata.escaping import escape_text
from geodata.settings import load_settings

# The short form on the map itself; the full text is shown under every map.
MAP_ATTRIBUTION = "Boundaries: ONS, OGL v3.0. © Crown copyright and database right"
MAP_TITLE = "Map of Barnet wards"
KEYBOARD_HINT = ". Arrow keys pan, plus and minus zoom; the figures are in the table below."
OUTLINE_STYLE = {"color": "#252525", "weight": 2.5, "fill": False}  # the borough's edge


@dataclass(frozen=True)
class Basemap:
    """A tile source (or none)."""

    name: str
    tiles: str | None
    attribution: str


NO_BASEMAP = Basemap("None (works offline)", None, "")


def available_basemaps() -> tuple[Basemap, ...]:
    """Return the basemaps on offer: none, OpenStreetMap, and one from the environment.

    ``ATLAS_TILES_URL`` (with ``ATLAS_TILES_NAME`` and ``ATLAS_TILES_ATTRIBUTION``) adds
    a tile server, e.g. one inside a police network; ``ATLAS_TILES_OSM=0`` removes
    OpenStreetMap.

    Returns
    -------
    tuple of Basemap
    """
    tiles = load_settings().tiles
    maps = [NO_BASEMAP]
    if tiles.openstreetmap:
        maps.append(
            Basemap(
                "OpenStreetMap",
                "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "© OpenStreetMap contributors",
            )
        )
    if tiles.url:
        maps.append(Basemap(tiles.name, tiles.url, tiles.attribution))
    return tuple(maps)


class AtlasMap(folium.Map):
    """A folium map that loads Leaflet from the app itself, not from a CDN."""

    default_js = assets.leaflet_js()
    default_css = assets.leaflet_css()


class _Attribution(ScriptElement):
    """Adds a line to Leaflet's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


class _KeyboardAccess(ScriptElement):
    """Makes the map one tab stop with a name, instead of one tab stop per area.

    Leaflet listens for focus on every area with a tooltip, which makes each one a tab
    stop in Chromium (hundreds on a grid). This gives each area (and marker) ``tabindex=-1``,
    also those added later, so Tab goes from the map (arrow keys pan, + and - zoom) to
    its zoom buttons and on. It also names the frame the map lives in, for screen readers.
    The figures themselves are in the table under the map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var box = map.getContainer();
            box.setAttribute("role", "region");
            box.setAttribute("aria-label", {{ (this.title + this.hint)|tojson }});
            try {
                if (window.frameElement) {
                    window.frameElement.setAttribute("title", {{ this.title|tojson }});
                }
            } catch (e) {}
            function quiet() {
                box.querySelectorAll(
                    ".leaflet-interactive:not([tabindex='-1']),"
                    + ".leaflet-marker-icon:not([tabindex='-1'])"
                ).forEach(function (el) { el.setAttribute("tabindex", "-1"); });
            }
            quiet();
            new MutationObserver(quiet).observe(box, {childList: true, subtree: true});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str) -> None:
        super().__init__()
        self._name = "KeyboardAccess"
        self.title = title
        self.hint = KEYBOARD_HINT



def build_base_map(
    geometry: MapGeometry, basemap: Basemap = NO_BASEMAP, *, title: str = MAP_TITLE
) -> folium.Map:
    """Build the static base map: the borough outline, tiles if any, attributions.

    Parameters
    ----------
    geometry : MapGeometry
    basemap : Basemap
    title : str
        The accessible name of the map and of its frame.

    Returns
    -------
    folium.Map
    """
    centre, zoom = fit_view(geometry.extent)
    m = AtlasMap(
        location=centre,
        zoom_start=zoom,
        zoom_snap=0.25,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,  # SVG: every ward is a DOM element (tests, assistive tech)
    )
    if basemap.tiles:
        m.add_child(
            folium.TileLayer(
                basemap.tiles, attr=escape_text(basemap.attribution), name=basemap.name
            )
        )
    Outlines(shapes_url(geometry.outline_shapes), [0], style=OUTLINE_STYLE).add_to(m)
    _Attribution(escape_text(MAP_ATTRIBUTION)).add_to(m)
    _LabelZoom(LABEL_MIN_ZOOM).add_to(m)
    _KeyboardAccess(title).add_to(m)
    return m


LABEL_MIN_ZOOM = 11.75  # ward names show from this zoom (the borough fills the map at ~12)


class _LabelZoom(ScriptElement):
    """Hides ward names when the map is zoomed out too far for them to be read."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            function update() {
                map.getContainer().classList.toggle(
                    "atlas-labels-hidden", map.getZoom() < {{ this.min_zoom|tojson }});
            }
            if (!document.getElementById("atlas-label-style")) {
                var style = document.createElement("style");
                style.id = "atlas-label-style";
                style.textContent = ".atlas-labels-hidden .atlas-ward-label{display:none}";
                document.head.appendChild(style);
            }
            map.on("zoomend", update);
            update();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, min_zoom: float) -> None:
        super().__init__()
        self._name = "LabelZoom"
        self.min_zoom = min_zoom

