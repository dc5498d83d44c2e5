"""The layers drawn on the base map: choropleths, ward names, outreach, context, sites.

Only allowlisted, escaped fields reach tooltips; no referral location is ever drawn.
The Map page's live layers keep geometry in the browser (:func:`build_live_area_layer`);
the Priorities and Next week maps (:func:`build_class_layer`) embed it.
"""

from __future__ import annotations

import folium
import numpy as np
from folium.utilities import JsCode

from analysis.classes import OUTREACH_COLOUR, OUTREACH_EDGE, Classified
from analysis.views import AreaCounts, MapView
from dashboard.maps.elements import CanvasPoints, Circles, LiveAreas, Names, Outlines
from dashboard.maps.map_geometry import COORD_DECIMALS, MapGeometry, shapes_url
from geodata.escaping import escape_text
from geodata.projection import to_lonlat

CLASS_IN_TOOLTIP_MAX = 200
CANVAS_ABOVE = 1000  # areas; the 250 m grid (about 1,500 cells) is drawn on a canvas
SITE_COLOUR = "#1b1b1b"  # near-black numbered discs: readable on every fill
_SITE_STYLE = (
    f"width:26px;height:26px;border-radius:13px;background:{SITE_COLOUR};color:#fff;"
    "font:bold 14px/26px sans-serif;text-align:center;border:2px solid #fff;"
    "box-shadow:0 0 3px #000"
)
CRIME_COLOUR = "#7570b3"  # purple: the third colour of ColorBrewer Dark2, after orange
CRIME_EDGE = "#3f3a80"
_LABEL_STYLE = (
    "position:absolute;transform:translate(-50%,-50%);width:96px;text-align:center;"
    "font:600 11px/1.15 sans-serif;color:#1b1b1b;pointer-events:none;"
    "text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff"
)


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
    named = [p for p in positions if p < len(geometry.ward_names)]
    group = folium.FeatureGroup(name=name)
    Outlines(shapes_url(geometry.wards), positions,
             style={"color": "#252525", "weight": 1.6, "fill": False}).add_to(group)
    Names(np.round(geometry.ward_points[named], COORD_DECIMALS),
          [escape_text(geometry.ward_names[p]) for p in named],
          style=_LABEL_STYLE, class_name="atlas-ward-label").add_to(group)
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


def _area_fields(areas: AreaCounts, classified: Classified, area_label: str
                 ) -> dict[str, list]:
    """Return the tooltip fields of a choropleth: label -> one value per area."""
    fields = {area_label: list(areas.names), "Referrals": list(areas.referrals.labels)}
    if len(areas.codes) <= CLASS_IN_TOOLTIP_MAX:  # for fine grids the legend says it
        fields["Class"] = list(classified.class_labels)
    if areas.outreach is not None:
        fields["Outreach activities"] = [f"{int(o):,}" for o in areas.outreach]
    return fields


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

    Parameters
    ----------
    shapes : list of dict
        GeoJSON geometry per area in the geography (indexed by ``areas.positions``); the
        browser fetches them once from :func:`~dashboard.maps.map_geometry.shapes_url`.
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
    fields = _area_fields(areas, classified, area_label)
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
    Outlines(shapes_url(shapes), positions,
             style={"color": "#4d4d4d", "weight": 1, "fillOpacity": 0}).add_to(group)
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
    counts = np.asarray(counts, dtype=float)
    shown = np.flatnonzero(counts > 0)
    biggest = max(float(np.max(counts, initial=0)), 1.0)
    Circles(
        np.round(geometry.ward_points[np.asarray(areas.positions)[shown]], COORD_DECIMALS),
        4 + 16 * np.sqrt(counts[shown] / biggest),
        [f"{escape_text(areas.names[i])}: {int(counts[i]):,} {escape_text(noun)}"
         for i in shown],
        colour=colour, edge=edge,
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
