"""The offline HTML export: one self-contained file with the map, the legend and the figures.

The page is a jinja2 template (``templates/snapshot.html.j2``) rendered with autoescape on,
and every text from data or from the author is also escaped for JavaScript template
strings (:func:`geodata.escaping.escape_text`). The areas travel as JSON inside a
``<script type="application/json">`` block (:func:`_script_json` escapes ``<``, ``>``, ``&``
and ``$``), and
the page's own script reads them and sets every label with ``textContent``. Leaflet's
script and stylesheet are inlined from the XStatic-Leaflet package; the basemap is left
out (it would need the network). Only the released layers are drawn.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jinja2
import numpy as np
import shapely
import xstatic.pkg.leaflet as xs_leaflet
from markupsafe import Markup

from analysis.classes import OUTREACH_COLOUR, OUTREACH_EDGE
from exports.snapshot import Snapshot
from exports.tables import area_properties, figures_table
from geodata.escaping import escape_text
from geodata.projection import to_lonlat
from geodata.schema import CRS_WGS84

SIMPLIFY_M = 10.0
DECIMALS = 5  # about 1 m


def _finalize(value):
    """Escape every inserted text for HTML and JavaScript template strings."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return Markup(escape_text(value))


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
    )


@functools.cache
def _leaflet() -> tuple[Markup, Markup]:
    """Leaflet's JavaScript and CSS, to inline (vendored by XStatic-Leaflet)."""
    folder = Path(xs_leaflet.BASE_DIR)
    return (
        Markup((folder / "leaflet.js").read_text(encoding="utf-8")),
        Markup((folder / "leaflet.css").read_text(encoding="utf-8")),
    )


def _lonlat_geometries(geometries) -> list[dict]:
    simplified = geometries.simplify(SIMPLIFY_M, preserve_topology=True)
    wgs = simplified.to_crs(CRS_WGS84).to_numpy()
    rounded = shapely.transform(wgs, lambda c: np.round(c, DECIMALS))
    return [shapely.geometry.mapping(g) for g in rounded]


def _outreach_features(snapshot: Snapshot, geography) -> tuple[str, list[dict]]:
    """Return the outreach symbols: masked points (analysts) or one circle per ward."""
    view = snapshot.view
    if view.outreach_points is not None:
        lon, lat = to_lonlat(view.outreach_points[:, 0], view.outreach_points[:, 1])
        return "points", [
            {"lat": round(float(a), DECIMALS), "lon": round(float(o), DECIMALS)}
            for o, a in zip(lon, lat, strict=True)
        ]
    if view.wards.outreach is None:
        return "none", []
    points = geography.wards.geometry.iloc[view.wards.positions].representative_point()
    points = points.to_crs(CRS_WGS84)
    biggest = max(int(view.wards.outreach.max(initial=0)), 1)
    return "wards", [
        {"lat": round(float(p.y), DECIMALS), "lon": round(float(p.x), DECIMALS),
         "count": int(n), "radius": round(4 + 16 * float(np.sqrt(n / biggest)), 1),
         "name": name}
        for p, n, name in zip(points, view.wards.outreach, view.wards.names, strict=True)
        if n > 0
    ]


# JSON's own escapes for the characters that could end the script block or start markup,
# and for "$", so no text from data reads as a JavaScript template string either.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                              "$": "\\u0024", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _script_json(payload: dict) -> Markup:
    """Serialise the map's data for a ``<script type="application/json">`` block."""
    return Markup(json.dumps(payload, sort_keys=True).translate(_SCRIPT_SAFE))


def render_html(snapshot: Snapshot, geography) -> bytes:
    """Render the view as one self-contained HTML file that works offline.

    Parameters
    ----------
    snapshot : Snapshot
    geography : Geography

    Returns
    -------
    bytes
    """
    shapes = snapshot.area_shapes(geography)
    properties = area_properties(snapshot)
    colours = snapshot.classified.colours if snapshot.classified is not None else None
    features = [
        {"type": "Feature", "geometry": g,
         "properties": {**p, "fill": colours[i] if colours else None}}
        for i, (g, p) in enumerate(zip(_lonlat_geometries(shapes), properties, strict=True))
    ]
    wards = geography.wards
    labels = wards.geometry.representative_point().to_crs(CRS_WGS84)
    ward_labels = [
        {"lat": round(p.y, DECIMALS), "lon": round(p.x, DECIMALS), "name": str(name)}
        for p, name in zip(labels, wards.ward_name, strict=True)
    ]
    mode, outreach = _outreach_features(snapshot, geography)
    minx, miny, maxx, maxy = snapshot.extent
    (west, east), (south, north) = to_lonlat([minx, maxx], [miny, maxy])
    payload = {
        "areas": {"type": "FeatureCollection", "features": features},
        "outlines": _lonlat_geometries(wards.geometry),
        "labels": ward_labels,
        "outreach": {"mode": mode, "items": outreach, "colour": OUTREACH_COLOUR,
                     "edge": OUTREACH_EDGE},
        "bounds": [[south, west], [north, east]],
        "areaLabel": snapshot.area_label,
    }
    js, css = _leaflet()
    template = _environment().get_template("snapshot.html.j2")
    page = template.render(
        snapshot=snapshot,
        header=snapshot.header_lines()[1:],
        notes=snapshot.notes.split("\n") if snapshot.notes else [],
        legend=snapshot.classified.legend if snapshot.classified is not None else (),
        outreach_legend=snapshot.outreach_legend(),
        masking_note=snapshot.masking_note(),
        outreach_colour=OUTREACH_COLOUR,
        outreach_edge=OUTREACH_EDGE,
        policy=snapshot.policy.describe(),
        table=figures_table(snapshot),
        payload=_script_json(payload),
        leaflet_js=js,
        leaflet_css=css,
    )
    return page.encode("utf-8")
