"""What the map sends to the browser: no referral location, escaped text, bounded size."""

import datetime as dt
import json
import re

import numpy as np
import pytest

from analysis.classes import classify_counts
from analysis.dataset import build_atlas_data
from analysis.filters import Filters
from analysis.views import compute_map_view
from dashboard import maps
from dashboard.maps import live, map_geometry
from geodata.demo import generate_demo
from geodata.geography import build_geography
from geodata.projection import to_lonlat
from geodata.release import snap_to_weeks
from geodata.schema import KIND, WARD_NAME, X, Y
from tests.helpers import with_record_keys

EVERYTHING = Filters(window=snap_to_weeks(dt.date(2023, 1, 2), dt.date(2024, 3, 31)))
def render(data, geometry, filters, cell_size=None, point_cap=2000):
    """Return the view and what the Map page's live map is sent for its layers (JSON)."""
    view = compute_map_view(data, filters, cell_size=cell_size, point_cap=point_cap)
    areas = view.cells if cell_size else view.wards
    shapes = geometry.cells[cell_size] if cell_size else geometry.wards
    layers = [
        maps.build_live_area_layer(
            shapes, areas, classify_counts(areas.referrals), name="r", area_label="Ward"
        )
    ]
    if view.outreach_total is not None:
        layers.append(maps.build_outreach_layer(view, geometry))
    return view, json.dumps(live.layer_specs(layers))


def point_features(sent):
    """The outreach points the map draws (``[lon, lat]`` pairs of its "points" parts)."""
    coords = [point for layer in json.loads(sent) for part in layer["parts"]
              if part["kind"] == "points" for point in part["points"]]
    return np.array(coords, dtype=float).reshape(-1, 2)


@pytest.mark.parametrize("cell_size", [None, 250, 1000], ids=["wards", "grid-250", "grid-1000"])
def test_no_referral_location_reaches_the_map(scene, cell_size):
    data, geometry, records = scene.data, scene.geometry, scene.demo.records
    view, html = render(data, geometry, EVERYTHING, cell_size)
    drawn = {
        (float(a), float(b))
        for a, b in re.findall(r"\[(-?\d+\.\d+), (-?\d+\.\d+)\]", html)
    }
    refs = records[records[KIND] == "referral"]
    lon, lat = to_lonlat(refs[X].to_numpy(), refs[Y].to_numpy())
    for decimals in (5, 6):
        exact = set(zip(np.round(lon, decimals), np.round(lat, decimals), strict=True))
        assert not exact & drawn
    assert not {f"{x:.0f}" for x in refs[X]} & set(re.findall(r"\b5\d{5}\b", html))
    # the only points drawn are the geomasked outreach points
    points = point_features(html)
    masked_lon, masked_lat = to_lonlat(
        view.outreach_points[:, 0], view.outreach_points[:, 1]
    )
    assert len(points) == len(view.outreach_points)
    assert np.allclose(np.sort(points[:, 0]), np.sort(np.round(masked_lon, 5)))
    assert np.allclose(np.sort(points[:, 1]), np.sort(np.round(masked_lat, 5)))


def test_points_are_never_at_true_outreach_locations(scene):
    data, geometry, records = scene.data, scene.geometry, scene.demo.records
    view, _ = render(data, geometry, EVERYTHING)
    out = records[records[KIND] == "outreach"][[X, Y]].to_numpy()
    from scipy.spatial import cKDTree

    # no masked point coincides with a true location (within 1 m)
    nearest, _ = cKDTree(out).query(view.outreach_points)
    assert np.all(nearest > 1.0)
    # every record moved within the donut from its own place (records at one place share
    # one masked point: see test_views)
    assert len(view.outreach_points) == len(out)  # the window holds every record
    policy = data.release.policy
    moved = np.hypot(*(view.outreach_points - out).T)
    assert moved.min() >= policy.geomask_min_m - 1 and moved.max() <= policy.geomask_max_m + 1


def test_hostile_ward_names_are_escaped(scene):
    data = scene.data
    wards = data.geography.wards.copy()
    wards.loc[0, WARD_NAME] = "<script>alert(1)</script>"
    wards.loc[1, WARD_NAME] = "${alert(1)}"
    wards.loc[2, WARD_NAME] = "<img src=x onerror=alert(1)>"
    hostile = build_atlas_data(
        wards, with_record_keys(generate_demo(wards, n_records=200, seed=2).records),
        synthetic=True, version="h", geomask_key=b"k",
    )
    _, html = render(hostile, maps.build_map_geometry(hostile.geography), EVERYTHING)
    assert "<script>alert(1)" not in html
    assert "${alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)" in html  # escaped for the tooltip's HTML


def test_payload_size_does_not_grow_with_records():
    from tests.helpers import toy_wards

    wards = toy_wards()
    geography = build_geography(wards)
    geometry = maps.build_map_geometry(geography)
    sizes = []
    for n in (2_000, 40_000):
        data = build_atlas_data(
            wards, with_record_keys(generate_demo(wards, n_records=n, seed=1).records),
            synthetic=True, version=str(n), geomask_key=b"k", geography=geography,
        )
        # above the point cap outreach is drawn per ward, so the payload is bounded
        _, html = render(data, geometry, EVERYTHING, point_cap=500)
        sizes.append(len(html))
    assert sizes[1] < 1.05 * sizes[0]
    assert sizes[1] < 600_000


def test_base_map_loads_leaflet_from_the_app_only(scene):
    geometry = scene.geometry
    html = maps.build_base_map(geometry).get_root().render()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("../../app/static/vendor/") for u in urls)
    assert "tile.openstreetmap.org" not in html
    tiled = maps.build_base_map(geometry, maps.available_basemaps()[1]).get_root().render()
    assert "tile.openstreetmap.org" in tiled and "OpenStreetMap contributors" in tiled


def test_map_geometry_is_small():
    from tests.helpers import toy_wards

    geometry = maps.build_map_geometry(build_geography(toy_wards()))
    assert len(json.dumps(geometry.wards)) < 130_000


@pytest.mark.parametrize("cell_size", [None, 250], ids=["wards", "grid-250"])
def test_the_live_layer_sends_classes_not_coordinates(scene, cell_size, tmp_path, monkeypatch):
    data, geometry = scene.data, scene.geometry
    monkeypatch.setattr(map_geometry, "GEOMETRY_DIR", tmp_path / "geometry")
    map_geometry._shapes_file.cache_clear()
    map_geometry._SHAPE_URLS.clear()
    view = compute_map_view(data, EVERYTHING, cell_size=cell_size, point_cap=0)
    areas = view.cells if cell_size else view.wards
    shapes = geometry.cells[cell_size] if cell_size else geometry.wards
    classified = classify_counts(areas.referrals)
    layer = maps.build_live_area_layer(shapes, areas, classified, name="r", area_label="Area")
    (spec,) = live.layer_specs([layer])[0]["parts"]
    # no coordinates at all travel with a click: only positions, colours and labels
    assert not re.findall(r"-?\d+\.\d{4,}", json.dumps(spec))
    assert spec["positions"] == [int(p) for p in areas.positions]
    assert spec["fills"] == list(classified.colours)
    assert spec["values"][1] == list(areas.referrals.labels)  # released labels only
    # folium cannot draw it: only the live map does
    with pytest.raises(TypeError, match="drawn by the live map only"):
        layer.add_to(maps.build_base_map(geometry)).get_root().render()
    # the shapes file holds the display geometry, exactly, and nothing else; the only
    # other file is the borough outline the base map draws
    written = {f.name: json.loads(f.read_text()) for f in (tmp_path / "geometry").glob("*.json")}
    name = maps.shapes_url(shapes).rsplit("/", 1)[1]
    assert written.pop(name) == json.loads(json.dumps(shapes))
    assert list(written.values()) == [json.loads(json.dumps([geometry.outline]))]


def test_the_live_map_is_sent_the_data_of_the_same_layers(scene, tmp_path, monkeypatch):
    from dataclasses import replace

    import folium

    data, geometry = scene.data, scene.geometry
    monkeypatch.setattr(map_geometry, "GEOMETRY_DIR", tmp_path / "geometry")
    view = compute_map_view(data, EVERYTHING, outreach_detail=False)  # a viewer's
    hostile = replace(view.wards, names=tuple("<img src=x onerror=alert(1)>" for _ in
                                              view.wards.names))
    classified = classify_counts(hostile.referrals)
    layers = [
        maps.build_live_area_layer(geometry.wards, hostile, classified, name="Referrals",
                                   area_label="Ward"),
        maps.build_ward_labels_layer(geometry, view.wards.positions),
        maps.build_outreach_layer(view, geometry),
    ]
    specs = live.layer_specs(layers)
    assert [s["name"] for s in specs] == ["Referrals", "Ward outlines and names", "Outreach"]
    assert [[p["kind"] for p in s["parts"]] for s in specs] == [
        ["areas"], ["outlines", "names"], ["circles"]]
    areas = specs[0]["parts"][0]
    assert areas["positions"] == [int(p) for p in hostile.positions]
    assert areas["fills"] == list(classified.colours)
    assert areas["values"][1] == list(hostile.referrals.labels)  # released labels only
    sent = json.dumps(specs)
    assert "<img" not in sent and "&lt;img src=x onerror=alert(1)&gt;" in sent
    # geometry is fetched from the app's static files, never sent with a click
    assert areas["url"].startswith("../../app/static/geometry/")
    assert not re.findall(r"-?\d+\.\d{6,}", json.dumps(areas))

    base = live.base_spec(geometry, maps.NO_BASEMAP, title="A map")
    assert base["tiles"] is None and base["title"] == "A map"
    osm = live.base_spec(geometry, maps.available_basemaps()[1], title="A map")
    assert osm["tiles"]["url"].startswith("https://tile.openstreetmap.org/")

    marker = folium.FeatureGroup(name="pins")
    folium.Marker([51.6, -0.2]).add_to(marker)
    with pytest.raises(TypeError, match="cannot draw a Marker"):
        live.layer_specs([marker])
