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

The Map page's own layers (:class:`LiveElement`: areas, outreach points and ward circles)
are drawn only by its live map (:mod:`dashboard.maps.live`), from their ``spec``; the
outlines and names are drawn by both kinds of map.
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


class LiveElement(Element):
    """Data for the Map page's live map (:mod:`dashboard.maps.live`), which draws it.

    Such an element is kept in a ``folium.FeatureGroup`` like the others, so that the
    layer builders serve both kinds of map; folium cannot draw it.
    """

    kind = ""

    def __init__(self) -> None:
        super().__init__()
        self._name = type(self).__name__

    @property
    def spec(self) -> dict:
        """What the live map draws this part from."""
        return {"kind": self.kind, **self.data}

    def render(self, **kwargs) -> str:
        """Refuse: only the live map draws this element."""
        raise TypeError(f"a {self._name} is drawn by the live map only (dashboard.maps.live)")


class LiveAreas(LiveElement):
    """A choropleth drawn from shapes kept in the browser: only classes and labels travel.

    Each rerun sends the drawn positions, fill colours, outline widths and the (escaped)
    tooltip fields; the browser draws them as SVG paths, or on a canvas when
    ``data["canvas"]``, with the styles of :func:`dashboard.maps.layers.build_class_layer`.
    """

    kind = "areas"

    def __init__(self, url: str, data: dict) -> None:
        super().__init__()
        self.data = {"url": url, **data}


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


class CanvasPoints(LiveElement):
    """Circles at many points, drawn on one canvas and sent as a bare array.

    Up to a couple of thousand outreach points would otherwise be as many SVG elements,
    each written out as a GeoJSON feature: slow to send and slow to swap on every filter
    click. Here the points travel as ``[lon, lat]`` pairs (GeoJSON order, rounded), with
    one (escaped) tooltip for them all.
    """

    kind = "points"

    def __init__(self, coords, *, radius: float, colour: str, edge: str, tooltip: str) -> None:
        super().__init__()
        self.data = {
            "points": np.asarray(coords, dtype=float).tolist(),
            "style": {"radius": radius, "color": edge, "weight": 1, "fill": True,
                      "fillColor": colour, "fillOpacity": 0.85},
            "tooltip": escape_text(tooltip),
        }


class Circles(LiveElement):
    """Circles of given pixel radii at points, each with its own (escaped) tooltip.

    For a few dozen symbols (one per ward) sent as three arrays rather than an element
    each.
    """

    kind = "circles"

    def __init__(self, points, radii, tooltips, *, colour: str, edge: str) -> None:
        super().__init__()
        self.data = {
            "points": np.asarray(points, dtype=float).reshape(-1, 2).tolist(),
            "radii": [round(float(r), 2) for r in radii],
            "tooltips": list(tooltips),
            "style": {"color": edge, "weight": 1, "fill": True, "fillColor": colour,
                      "fillOpacity": 0.7},
        }
