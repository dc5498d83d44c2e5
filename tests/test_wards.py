import json
import zipfile

import geopandas as gpd
import pytest
from shapely import Point, Polygon

from geodata.cli import main
from geodata.errors import BoundaryError, DownloadError
from geodata.schema import BARNET_WARD_CODES, CRS_METRIC, WARD_CODE, WARD_NAME
from geodata.settings import load_settings, ons_wards_query_url
from geodata.wards import (
    fetch_wards,
    load_wards_file,
    normalise_wards,
    save_wards,
)
from tests.helpers import geojson_bytes, http_server, toy_ward_layer


@pytest.mark.parametrize("year", ["22", "24"], ids=["WD22", "WD24"])
def test_normalises_any_year_suffix(year):
    wards = normalise_wards(toy_ward_layer(year), source="test")
    assert list(wards.columns) == [WARD_CODE, WARD_NAME, "geometry"]
    assert wards.crs.to_string() == CRS_METRIC
    assert tuple(wards[WARD_CODE]) == BARNET_WARD_CODES
    # names are kept as the source spells them; joins use codes
    assert "Totteridge & Woodside" in set(wards[WARD_NAME])


def test_national_layer_is_filtered_to_barnet():
    layer = toy_ward_layer()
    other = layer.iloc[:3].copy()
    other["WD22CD"] = ["E05000001", "E05000002", "E05000003"]
    other["LAD22CD"] = "E09000001"
    combined = gpd.GeoDataFrame(
        gpd.pd.concat([layer, other], ignore_index=True), crs=layer.crs
    )
    assert len(normalise_wards(combined, source="national.gpkg")) == 24


def test_input_is_not_modified():
    layer = toy_ward_layer()
    before = layer.copy()
    normalise_wards(layer, source="x")
    assert layer.equals(before)


BOWTIE = Polygon([(-0.2, 51.6), (-0.19, 51.61), (-0.19, 51.6), (-0.2, 51.61)])


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda g: g.set_crs(None, allow_override=True), "no coordinate reference system"),
        (lambda g: g.drop(columns=["WD22CD"]), r"No ward code \(WD22CD"),
        (lambda g: g.iloc[:23], "Found 23 ward"),
        (
            lambda g: g.assign(WD22CD=["E05009999"] + list(g["WD22CD"][1:])),
            "not Barnet's current",
        ),
        (lambda g: g.assign(WD22CD=[g["WD22CD"][1]] + list(g["WD22CD"][1:])), "more than once"),
        (
            lambda g: g.set_geometry([BOWTIE, *g.geometry[1:]], crs=g.crs),
            "Invalid polygon",
        ),
        (
            lambda g: g.set_geometry([Point(-0.2, 51.6)] + list(g.geometry[1:]), crs=g.crs),
            "not polygons",
        ),
        (
            # British National Grid coordinates labelled as WGS84 end up far from Barnet
            lambda g: g.to_crs(CRS_METRIC).set_crs("EPSG:4326", allow_override=True),
            "do not lie in Barnet",
        ),
    ],
    ids=[
        "no-crs",
        "no-code-field",
        "wrong-count",
        "unknown-code",
        "duplicate-code",
        "bowtie",
        "point",
        "mislabelled-crs",
    ],
)
def test_bad_layers_are_rejected_with_a_reason(mutate, match):
    with pytest.raises(BoundaryError, match=match) as info:
        normalise_wards(mutate(toy_ward_layer()), source="wards.geojson")
    assert "wards.geojson" in info.value.message
    assert info.value.fix


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [("geojson", "GeoJSON"), ("gpkg", "GPKG"), ("zip", "ESRI Shapefile")],
    ids=["geojson", "geopackage", "zipped-shapefile"],
)
def test_loads_every_boundary_file_format(tmp_path, suffix, driver):
    layer = toy_ward_layer()
    if suffix == "zip":
        shp_dir = tmp_path / "shp"
        shp_dir.mkdir()
        layer.to_file(shp_dir / "wards.shp", driver=driver)
        path = tmp_path / "wards.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for part in shp_dir.iterdir():
                zf.write(part, part.name)
    else:
        path = tmp_path / f"wards.{suffix}"
        layer.to_file(path, driver=driver)
    wards = load_wards_file(path)
    assert tuple(wards[WARD_CODE]) == BARNET_WARD_CODES


def test_unreadable_and_missing_files_get_clear_messages(tmp_path):
    with pytest.raises(BoundaryError, match="does not exist"):
        load_wards_file(tmp_path / "nope.geojson")
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not json")
    with pytest.raises(BoundaryError, match="could not be read"):
        load_wards_file(junk)
    table = tmp_path / "table.csv"
    table.write_text("a,b\n1,2\n")
    with pytest.raises(BoundaryError, match="no shapes"):
        load_wards_file(table)


def test_geojson_in_british_national_grid_with_a_crs_member(tmp_path):
    layer = toy_ward_layer(crs=CRS_METRIC)
    data = json.loads(layer.to_json(drop_id=True))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    path = tmp_path / "upload.geojson"
    path.write_text(json.dumps(data))
    wards = load_wards_file(path)
    assert len(wards) == 24 and wards.crs.to_string() == CRS_METRIC


def test_cache_round_trip(tmp_path):
    wards = normalise_wards(toy_ward_layer(), source="x")
    save_wards(wards, tmp_path / "cache" / "wards.geojson")
    again = load_wards_file(tmp_path / "cache" / "wards.geojson")
    assert tuple(again[WARD_CODE]) == tuple(wards[WARD_CODE])
    assert again.geometry.area.sum() == pytest.approx(wards.geometry.area.sum(), rel=1e-6)


def test_default_query_url_follows_the_service_year():
    url = ons_wards_query_url("Wards_December_2025_Boundaries_UK_BGC")
    assert "Wards_December_2025_Boundaries_UK_BGC/FeatureServer/0/query" in url
    assert "where=LAD25CD%3D%27E09000003%27" in url
    assert url.endswith("outSR=4326&f=geojson")


# --------------------------------------------------------------------- download


def test_fetch_follows_arcgis_paging():
    layer = toy_ward_layer("24")
    pages = {0: layer.iloc[:10], 10: layer.iloc[10:20], 20: layer.iloc[20:]}

    def answer(path):
        offset = int(path.split("resultOffset=")[1]) if "resultOffset=" in path else 0
        more = offset + 10 < 24
        return 200, geojson_bytes(pages[offset], exceededTransferLimit=more)

    with http_server(answer) as base:
        wards = fetch_wards(f"{base}/query?where=x&f=geojson", timeout=5)
    assert tuple(wards[WARD_CODE]) == BARNET_WARD_CODES


@pytest.mark.parametrize(
    ("status", "body", "match"),
    [
        (500, b"oops", "HTTP 500"),
        (200, b"{not json", "not JSON"),
        (200, b'{"type": "FeatureCollection", "features": []}', "empty result"),
        (
            200,
            b'{"error": {"code": 400, "message": "Invalid query parameters", '
            b'"details": ["Unable to perform query"]}}',
            "reported an error 400: Invalid query parameters",
        ),
        (200, b'[1, 2, 3]', "not a GeoJSON object"),
        (200, b'{"type": "Feature"}', "no 'features' list"),
    ],
    ids=["http-500", "malformed-json", "empty-result", "arcgis-error", "json-array", "no-features"],
)
def test_fetch_failures_say_what_went_wrong(status, body, match):
    with http_server(lambda path: (status, body)) as base:
        with pytest.raises(DownloadError, match=match) as info:
            fetch_wards(f"{base}/query", timeout=5)
    assert info.value.fix


def test_fetch_times_out():
    with http_server(lambda path: (200, None)) as base:
        with pytest.raises(DownloadError, match="did not answer within 0.5 seconds"):
            fetch_wards(f"{base}/query", timeout=0.5)


def test_fetch_unreachable_host():
    with pytest.raises(DownloadError, match="could not be reached"):
        fetch_wards("http://127.0.0.1:9/query", timeout=2)


def test_fetch_answer_that_is_not_barnet():
    layer = toy_ward_layer().iloc[:5]
    with http_server(lambda path: (200, geojson_bytes(layer))) as base:
        with pytest.raises(BoundaryError, match="Found 5 ward"):
            fetch_wards(f"{base}/query", timeout=5)


# --------------------------------------------------------------------- command line


def test_cli_wards_from_file_and_fetch(tmp_path, capsys):
    settings = load_settings({"ATLAS_HOME": str(tmp_path / "home")})
    path = tmp_path / "wards.geojson"
    toy_ward_layer().to_file(path, driver="GeoJSON")
    assert main(["wards", "--from", str(path)], settings) == 0
    assert settings.wards_cache.exists()
    assert main(["wards", "--ensure"], settings) == 0
    assert "cached" in capsys.readouterr().out

    settings.wards_cache.unlink()
    with http_server(lambda p: (200, geojson_bytes(toy_ward_layer("24")))) as base:
        assert main(["wards", "--fetch", "--url", f"{base}/query"], settings) == 0
    assert len(load_wards_file(settings.wards_cache)) == 24


def test_cli_reports_errors_without_traceback(tmp_path, capsys):
    settings = load_settings({"ATLAS_HOME": str(tmp_path / "home")})
    with http_server(lambda p: (503, b"")) as base:
        assert main(["wards", "--fetch", "--url", f"{base}/q"], settings) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "HTTP 503" in err and "Traceback" not in err
    assert not settings.wards_cache.exists()
