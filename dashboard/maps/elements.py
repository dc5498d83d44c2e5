"""Leaflet elements written for the atlas: geometry kept in the browser, data sent compactly.

Two costs dominate a filter click on the server (measured in ``bench/``; see the README's
performance section):

- **Geometry sent again.** A folium ``GeoJson`` layer carries its coordinates on every
  rerun. These elements instead fetch the public display geometry once per page from
  the file :func:`dashboard.maps.map_geometry.shapes_url` writes, and each rerun sends
  only positions, colours and escaped labels.
- **Templates compiled again.** branca renders each element's script and then wraps the
  text in a new ``Element``, which compiles it as a Jinja template (lexing every byte of
  the data in it). :class:`ScriptElement` keeps the rendered text as it is.
"""

from __future__ import annotations

import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template

from geodata.escaping import escape_text

# The shapes file is fetched once per page, synchronously so the layer is drawn in the same
# pass as the map, and kept in memory for the reruns that follow.
_SHAPES_JS = """
            var cache = window.atlasShapes = window.atlasShapes || {};
            function shapesAt(url) {
                if (!cache[url]) {
                    var request = new XMLHttpRequest();
                    request.open("GET", url, false);
                    request.send();
                    cache[url] = JSON.parse(request.responseText);
                }
                return cache[url];
            }
"""


def _drawing_with_shapes(body: str) -> Template:
    """Return a script macro running ``body`` with ``parent`` (the layer) and ``shapes``.

    ``shapes`` is the list of geometries in the file at ``this.url``.
    """
    return Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var parent = {{ this._parent.get_name() }};"""
        + _SHAPES_JS
        + """
            var shapes = shapesAt({{ this.url|tojson }});"""
        + body
        + """
        })();
        {% endmacro %}
        """
    )


class _Text(Element):
    """Text that is already rendered: returned as it is, never compiled as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class ScriptElement(MacroElement):
    """A MacroElement with only a ``script`` macro, whose output is not compiled again.

    Renders exactly what :meth:`branca.element.MacroElement.render` renders for such an
    element (streamlit-folium and exports read the same text).
    """

    def render(self, **kwargs) -> None:
        """Add the rendered script to the figure, then render the children."""
        figure = self.get_root()
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Text(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class LiveAreas(ScriptElement):
    """A choropleth drawn from shapes kept in the browser: only classes and labels travel.

    Each rerun sends the drawn positions, fill colours, outline widths and the (escaped)
    tooltip fields. Drawn as SVG paths, or on a canvas when ``data["canvas"]``, with the
    same styles as :func:`dashboard.maps.layers.build_class_layer`.
    """

    _template = _drawing_with_shapes(
        """
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
        """
    )

    def __init__(self, url: str, data: dict) -> None:
        super().__init__()
        self._name = "LiveAreas"
        self.url = url
        self.data = data

    @property
    def spec(self) -> dict:
        """What the live map (:mod:`dashboard.maps.live`) draws this part from."""
        return {"kind": "areas", "url": self.url, **self.data}


class Outlines(ScriptElement):
    """Outlines of some shapes of a shapes file, taking no pointer or keyboard focus."""

    _template = _drawing_with_shapes(
        """
            var features = {{ this.positions|tojson }}.map(function (p) {
                return {type: "Feature", geometry: shapes[p], properties: {}};
            });
            L.geoJson({type: "FeatureCollection", features: features},
                      {style: {{ this.style|tojson }}, interactive: false}).addTo(parent);
        """
    )

    def __init__(self, url: str, positions, *, style: dict) -> None:
        super().__init__()
        self._name = "Outlines"
        self.url = url
        self.positions = [int(p) for p in positions]
        self.style = style

    @property
    def spec(self) -> dict:
        """What the live map (:mod:`dashboard.maps.live`) draws this part from."""
        return {"kind": "outlines", "url": self.url, "positions": self.positions,
                "style": self.style}


class Names(ScriptElement):
    """Text written on the map at points (ward names), taking no pointer or keyboard focus.

    ``names`` must be escaped already; each is placed in a ``div`` with ``style`` inside
    a Leaflet ``divIcon`` of class ``class_name``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var parent = {{ this._parent.get_name() }};
            var d = {{ this.data|tojson }};
            for (var i = 0; i < d.names.length; i++) {
                L.marker(d.points[i], {
                    icon: L.divIcon({html: '<div style="' + d.style + '">' + d.names[i]
                                     + "</div>", iconSize: [0, 0], iconAnchor: [0, 0],
                                     className: d.className}),
                    interactive: false, keyboard: false,
                }).addTo(parent);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, points, names, *, style: str, class_name: str) -> None:
        super().__init__()
        self._name = "Names"
        self.data = {"points": np.asarray(points, dtype=float).tolist(), "names": list(names),
                     "style": style, "className": class_name}

    @property
    def spec(self) -> dict:
        """What the live map (:mod:`dashboard.maps.live`) draws this part from."""
        return {"kind": "names", **self.data}


class CanvasPoints(ScriptElement):
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

    @property
    def spec(self) -> dict:
        """What the live map (:mod:`dashboard.maps.live`) draws this part from."""
        return {"kind": "points", "points": self.points, "style": self.style,
                "tooltip": self.tooltip}


class Circles(ScriptElement):
    """Circles of given pixel radii at points, each with its own (escaped) tooltip.

    For a few dozen symbols (one per ward) sent as three arrays rather than a folium
    element each.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var parent = {{ this._parent.get_name() }};
            var d = {{ this.data|tojson }};
            for (var i = 0; i < d.points.length; i++) {
                var style = Object.assign({radius: d.radii[i]}, d.style);
                L.circleMarker(d.points[i], style)
                    .bindTooltip(d.tooltips[i], {sticky: true}).addTo(parent);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, points, radii, tooltips, *, colour: str, edge: str) -> None:
        super().__init__()
        self._name = "Circles"
        self.data = {
            "points": np.asarray(points, dtype=float).reshape(-1, 2).tolist(),
            "radii": [round(float(r), 2) for r in radii],
            "tooltips": list(tooltips),
            "style": {"color": edge, "weight": 1, "fill": True, "fillColor": colour,
                      "fillOpacity": 0.7},
        }

    @property
    def spec(self) -> dict:
        """What the live map (:mod:`dashboard.maps.live`) draws this part from."""
        return {"kind": "circles", **self.data}
