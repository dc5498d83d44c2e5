"""Folium map builders: a static base map, and the layers swapped on it for each view.

The base map (borough outline, optional tiles, attributions) stays the same between
reruns; the ward or grid choropleth and the outreach layer are feature groups handed to
``st_folium(feature_group_to_add=...)``, so a filter change redraws the layers without
reloading the map. Geometry is simplified and rounded once per geography. Only
allowlisted, escaped fields reach tooltips; no referral location is ever drawn.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template

from analysis.classes import OUTREACH_COLOUR, OUTREACH_EDGE, Classified
from analysis.views import AreaCounts, MapView
from dashboard import assets
from geodata.escaping import escape_text
from geodata.geography import Geography
from geodata.projection import to_lonlat, to_metric
from geodata.schema import CRS_METRIC, CRS_WGS84
from geodata.settings import load_settings

# The short form on the map itself; the full text is shown under every map.
MAP_ATTRIBUTION = "Boundaries: ONS, OGL v3.0. © Crown copyright and database right"
WARD_SIMPLIFY_M = 10.0
CLASS_IN_TOOLTIP_MAX = 200
CANVAS_ABOVE = 1000  # areas; the 250 m grid (about 1,500 cells) is drawn on a canvas
MAP_TITLE = "Map of Barnet wards"
COORD_DECIMALS = 5  # about 1 m
SITE_COLOUR = "#1b1b1b"  # near-black numbered discs: readable on every fill
_SITE_STYLE = (
    f"width:26px;height:26px;border-radius:13px;background:{SITE_COLOUR};color:#fff;"
    "font:bold 14px/26px sans-serif;text-align:center;border:2px solid #fff;"
    "box-shadow:0 0 3px #000"
)
CRIME_COLOUR = "#7570b3"  # purple: the third colour of ColorBrewer Dark2, after orange
CRIME_EDGE = "#3f3a80"


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


class _Attribution(MacroElement):
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


class _KeyboardAccess(MacroElement):
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
            box.setAttribute("aria-label", {{ this.title|tojson }} +
                ". Arrow keys pan, plus and minus zoom; the figures are in the table below.");
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
    folium.GeoJson(
        {"type": "Feature", "geometry": geometry.outline, "properties": {}},
        name="Barnet",
        style_function=lambda _: {"color": "#252525", "weight": 2.5, "fill": False},
        interactive=False,
    ).add_to(m)
    _Attribution(escape_text(MAP_ATTRIBUTION)).add_to(m)
    _LabelZoom(LABEL_MIN_ZOOM).add_to(m)
    _KeyboardAccess(title).add_to(m)
    return m


LABEL_MIN_ZOOM = 11.75  # ward names show from this zoom (the borough fills the map at ~12)
_LABEL_STYLE = (
    "position:absolute;transform:translate(-50%,-50%);width:96px;text-align:center;"
    "font:600 11px/1.15 sans-serif;color:#1b1b1b;pointer-events:none;"
    "text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff"
)


class _LabelZoom(MacroElement):
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


def build_ward_labels_layer(geometry: MapGeometry, positions=None, *,
                            name: str = "Ward outlines and names") -> folium.FeatureGroup:
    """Build ward outlines with each ward's name written on it (shown at a readable zoom).

    The outlines and names take no pointer or keyboard focus: the areas under them keep
    their tooltips, which name the ward too.

    Parameters
    ----------
    geometry : MapGeometry
    positions : sequence of int, optional
        The wards to draw (all when omitted).
    name : str

    Returns
    -------
    folium.FeatureGroup
    """
    if positions is None:
        positions = range(len(geometry.wards))
    positions = [int(p) for p in positions]
    group = folium.FeatureGroup(name=name)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": geometry.wards[p], "properties": {}}
            for p in positions]},
        style_function=lambda _: {"color": "#252525", "weight": 1.6, "fill": False},
        interactive=False,
    ).add_to(group)
    for p in positions:
        if p >= len(geometry.ward_names):
            continue
        label = escape_text(geometry.ward_names[p])
        folium.Marker(
            [round(float(v), COORD_DECIMALS) for v in geometry.ward_points[p]],
            icon=folium.DivIcon(
                html=f'<div style="{_LABEL_STYLE}">{label}</div>',
                icon_size=(0, 0), icon_anchor=(0, 0), class_name="atlas-ward-label",
            ),
            interactive=False, keyboard=False,
        ).add_to(group)
    return group


def build_class_layer(
    shapes: list[dict],
    positions,
    *,
    colours,
    fields: dict[str, list],
    name: str,
    line_weight: float = 1.0,
    emphasise=None,
) -> folium.FeatureGroup:
    """Build a choropleth: each area filled with its class colour, with an escaped tooltip.

    Parameters
    ----------
    shapes : list of dict
        GeoJSON geometry per area in the geography (indexed by ``positions``).
    positions : sequence of int
        The areas to draw.
    colours : sequence of str
        Fill colour per drawn area.
    fields : dict of str to list
        Tooltip label -> one value per drawn area (allowlisted; escaped here).
    name : str
        Layer name.
    line_weight : float
        Outline width in pixels (thinner for fine grids).
    emphasise : sequence of bool, optional
        Areas drawn with a thick black outline (e.g. hot spots that hold at two sizes).

    Returns
    -------
    folium.FeatureGroup
    """
    keys = [f"f{i}" for i in range(len(fields))]
    features = []
    for row, pos in enumerate(positions):
        props = {key: escape_text(values[row]) for key, values in zip(keys, fields.values(),
                                                                       strict=True)}
        props["fill"] = colours[row]
        props["edge"] = 3 if emphasise is not None and emphasise[row] else line_weight
        features.append({"type": "Feature", "geometry": shapes[pos], "properties": props})
    group = folium.FeatureGroup(name=name)
    # Thousands of SVG paths are slow to swap; a canvas draws them at once (still hoverable).
    canvas = {"renderer": JsCode("L.canvas()")} if len(positions) > CANVAS_ABOVE else {}
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.75,
            "color": "#000000" if f["properties"]["edge"] > line_weight else "#4d4d4d",
            "weight": f["properties"]["edge"],
        },
        highlight_function=lambda _: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=keys, aliases=[escape_text(a) for a in fields], sticky=True
        ),
        **canvas,
    ).add_to(group)
    return group


def build_area_layer(
    shapes: list[dict],
    areas: AreaCounts,
    classified: Classified,
    *,
    name: str,
    area_label: str,
    line_weight: float = 1.0,
) -> folium.FeatureGroup:
    """Build the choropleth of released referral counts for wards or grid cells.

    Parameters
    ----------
    shapes : list of dict
        GeoJSON geometry per area in the geography (indexed by ``areas.positions``).
    areas : AreaCounts
        The counts of the view; ``referrals`` must not be ``None``.
    classified : Classified
        Colours and class labels, in the order of ``areas``.
    name : str
        Layer name.
    area_label : str
        What an area is called in tooltips ("Ward", "Cell").
    line_weight : float
        Outline width in pixels (thinner for fine grids).

    Returns
    -------
    folium.FeatureGroup
    """
    fields = {area_label: list(areas.names), "Referrals": list(areas.referrals.labels)}
    if len(areas.codes) <= CLASS_IN_TOOLTIP_MAX:  # for fine grids the legend says it
        fields["Class"] = list(classified.class_labels)
    if areas.outreach is not None:
        fields["Outreach activities"] = [f"{int(o):,}" for o in areas.outreach]
    return build_class_layer(
        shapes, areas.positions, colours=classified.colours, fields=fields, name=name,
        line_weight=line_weight,
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


class LiveAreas(MacroElement):
    """A choropleth drawn from shapes kept in the browser: only classes and labels travel.

    The geometry comes from :func:`shapes_url` (fetched once per page by the map's frame,
    then reused on every rerun); each rerun sends the drawn positions, fill colours,
    outline widths and the (escaped) tooltip fields. Drawn as SVG paths, or on a canvas
    above :data:`CANVAS_ABOVE` areas, with the same styles as :func:`build_class_layer`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var parent = {{ this._parent.get_name() }};
            var url = {{ this.url|tojson }};
            var cache = window.atlasShapes = window.atlasShapes || {};
            if (!cache[url]) {
                var request = new XMLHttpRequest();
                request.open("GET", url, false);  // once per page; then from memory
                request.send();
                cache[url] = JSON.parse(request.responseText);
            }
            var shapes = cache[url];
            var d = {{ this.data|tojson }};
            var features = d.positions.map(function (p, i) {
                return {type: "Feature", geometry: shapes[p], properties: {i: i}};
            });
            var style = function (f) {
                var i = f.properties.i;
                return {fillColor: d.fills[i], fillOpacity: 0.75, weight: d.edges[i],
                        color: d.edges[i] > d.line ? "#000000" : "#4d4d4d"};
            };
            var options = {style: style, onEachFeature: function (f, layer) {
                var i = f.properties.i, rows = "";
                for (var k = 0; k < d.aliases.length; k++) {
                    rows += "<tr><th>" + d.aliases[k] + "</th><td>" + d.values[k][i]
                        + "</td></tr>";
                }
                layer.bindTooltip("<table>" + rows + "</table>", {sticky: true});
                layer.on("mouseover", function () {
                    layer.setStyle({weight: 3, color: "#000000"});
                });
                layer.on("mouseout", function () { layer.setStyle(style(f)); });
            }};
            if (d.canvas) { options.renderer = L.canvas(); }
            L.geoJson({type: "FeatureCollection", features: features}, options).addTo(parent);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, url: str, data: dict) -> None:
        super().__init__()
        self._name = "LiveAreas"
        self.url = url
        self.data = data


def build_live_area_layer(
    shapes: list[dict],
    areas: AreaCounts,
    classified: Classified,
    *,
    name: str,
    area_label: str,
    line_weight: float = 1.0,
) -> folium.FeatureGroup:
    """Build the Map page's choropleth, sending only what changes (see :class:`LiveAreas`).

    Same parameters as :func:`build_area_layer`, which self-contained exports keep using.
    """
    fields = {area_label: list(areas.names), "Referrals": list(areas.referrals.labels)}
    if len(areas.codes) <= CLASS_IN_TOOLTIP_MAX:
        fields["Class"] = list(classified.class_labels)
    if areas.outreach is not None:
        fields["Outreach activities"] = [f"{int(o):,}" for o in areas.outreach]
    data = {
        "positions": [int(p) for p in areas.positions],
        "fills": list(classified.colours),
        "edges": [line_weight] * len(areas.positions),
        "line": line_weight,
        "aliases": [escape_text(a) for a in fields],
        "values": [[escape_text(v) for v in values] for values in fields.values()],
        "canvas": len(areas.positions) > CANVAS_ABOVE,
    }
    group = folium.FeatureGroup(name=name)
    LiveAreas(shapes_url(shapes), data).add_to(group)
    return group


def build_outline_layer(shapes: list[dict], positions, *, name: str) -> folium.FeatureGroup:
    """Build plain outlines (when referrals are filtered out, the wards still show)."""
    group = folium.FeatureGroup(name=name)
    folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": shapes[p], "properties": {}} for p in positions
            ],
        },
        style_function=lambda _: {"color": "#4d4d4d", "weight": 1, "fillOpacity": 0},
        interactive=False,
    ).add_to(group)
    return group


def build_outreach_layer(view: MapView, geometry: MapGeometry) -> folium.FeatureGroup:
    """Build the outreach layer: masked points under the cap, ward symbols above it.

    Parameters
    ----------
    view : MapView
    geometry : MapGeometry

    Returns
    -------
    folium.FeatureGroup
    """
    group = folium.FeatureGroup(name="Outreach")
    if view.outreach_points is not None:
        lon, lat = to_lonlat(view.outreach_points[:, 0], view.outreach_points[:, 1])
        coords = np.round(np.column_stack([lon, lat]), COORD_DECIMALS)
        CanvasPoints(
            coords, radius=4, colour=OUTREACH_COLOUR, edge=OUTREACH_EDGE,
            tooltip="Outreach activity (location masked by 100–400 m)",
        ).add_to(group)
    elif view.wards.outreach is not None:
        _add_ward_symbols(
            group, view.wards.outreach, view.wards, geometry,
            colour=OUTREACH_COLOUR, edge=OUTREACH_EDGE, noun="outreach activities",
        )
    return group


class CanvasPoints(MacroElement):
    """Circles at many points, drawn on one shared canvas and sent as a bare array.

    Up to a couple of thousand outreach points would otherwise be as many SVG elements,
    each written out as a GeoJSON feature: slow to send and slow to swap on every filter
    click. Here the points travel as ``[lon, lat]`` pairs (GeoJSON order, rounded) and are
    drawn by one canvas renderer kept on the map, with one tooltip for them all.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            window.atlasPointCanvas = window.atlasPointCanvas || L.canvas({padding: 0.3});
            var style = {{ this.style|tojson }};
            style.renderer = window.atlasPointCanvas;
            var points = {{ this.points|tojson }};
            for (var i = 0; i < points.length; i++) {
                L.circleMarker([points[i][1], points[i][0]], style)
                    .bindTooltip({{ this.tooltip|tojson }}, {sticky: true})
                    .addTo(map);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, coords, *, radius: float, colour: str, edge: str, tooltip: str) -> None:
        super().__init__()
        self._name = "CanvasPoints"
        self.points = np.asarray(coords, dtype=float).tolist()
        self.style = {"radius": radius, "color": edge, "weight": 1, "fill": True,
                      "fillColor": colour, "fillOpacity": 0.85}
        self.tooltip = escape_text(tooltip)


def build_ward_symbols(
    counts: np.ndarray,
    areas: AreaCounts,
    geometry: MapGeometry,
    *,
    name: str,
    colour: str,
    edge: str,
    noun: str,
) -> folium.FeatureGroup:
    """Build circles on the selected wards whose area grows with a count.

    Parameters
    ----------
    counts : numpy.ndarray
        One count per area of ``areas`` (wards).
    areas : AreaCounts
        The selected wards.
    geometry : MapGeometry
    name, colour, edge, noun : str
        Layer name, fill and outline colours, and what is counted (for tooltips).

    Returns
    -------
    folium.FeatureGroup
    """
    group = folium.FeatureGroup(name=name)
    _add_ward_symbols(group, counts, areas, geometry, colour=colour, edge=edge, noun=noun)
    return group


def _add_ward_symbols(group, counts, areas, geometry, *, colour, edge, noun) -> None:
    biggest = max(int(np.max(counts, initial=0)), 1)
    for i, pos in enumerate(areas.positions):
        count = int(counts[i])
        if not count:
            continue
        folium.CircleMarker(
            location=geometry.ward_points[pos].tolist(),
            radius=float(4 + 16 * np.sqrt(count / biggest)),
            color=edge, weight=1, fill=True, fill_color=colour, fill_opacity=0.7,
            tooltip=f"{escape_text(areas.names[i])}: {count:,} {escape_text(noun)}",
        ).add_to(group)


def build_sites_layer(points, names, *, radius_m: float) -> folium.FeatureGroup:
    """Build numbered markers for recommended sites, each with its walking radius.

    Parameters
    ----------
    points : numpy.ndarray
        (K, 2) site locations in EPSG:27700 (grid centres or venues, never records).
    names : sequence of str
    radius_m : float

    Returns
    -------
    folium.FeatureGroup
    """
    group = folium.FeatureGroup(name="Recommended sites")
    if not len(points):
        return group
    lons, lats = to_lonlat(points[:, 0], points[:, 1])
    for number, (lon, lat, site) in enumerate(zip(lons, lats, names, strict=True), 1):
        location = [round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)]
        tooltip = f"Site {number}: {escape_text(site)}"
        folium.Circle(
            location, radius=radius_m, color=SITE_COLOUR, weight=2, fill=False,
            dash_array="6 4", tooltip=tooltip,
        ).add_to(group)
        folium.Marker(
            location,
            icon=folium.DivIcon(
                html=f'<div style="{_SITE_STYLE}" aria-label="Recommended site {number}">'
                f"{number}</div>",
                icon_size=(26, 26),
                icon_anchor=(13, 13),
                class_name="atlas-site",
            ),
            tooltip=tooltip,
        ).add_to(group)
    return group
