"""Every setting is read in one place, and the shared helpers give the same answers."""

import ast
import threading
from pathlib import Path

import numpy as np
import pytest

from dashboard import maps
from geodata import vocab
from geodata.geography import build_geography
from geodata.projection import to_lonlat, to_metric, transformer
from geodata.settings import DEFAULT_DEMO_RECORDS, load_settings
from geodata.text import normalise
from tests.helpers import toy_wards

ROOT = Path(__file__).resolve().parent.parent
# Secret keys are read from the environment by the release layer, never kept in settings.
# The export marking moves into settings with the export package; until then it is read here.
READS_ENVIRONMENT = {"geodata/settings.py", "geodata/release/keys.py"}


def environment_reads(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        node.lineno for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
    )


def test_only_the_settings_module_reads_the_environment():
    offenders = {}
    for package in ("geodata", "analysis", "dashboard"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in READS_ENVIRONMENT:
                continue
            if lines := environment_reads(path):
                offenders[name] = lines
    assert offenders == {}, f"read these through geodata.settings: {offenders}"


def test_the_check_would_catch_an_environment_read(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nA = os.environ.get('X')\nB = os.getenv('Y')\n")
    assert environment_reads(bad) == [2, 3]


def test_defaults_with_an_empty_environment():
    settings = load_settings({})
    assert settings.demo_records == DEFAULT_DEMO_RECORDS
    assert settings.vocab_file is None
    assert settings.tiles.openstreetmap and settings.tiles.url is None


def test_demo_size_vocabulary_and_tiles_come_from_the_environment(tmp_path):
    settings = load_settings({
        "ATLAS_DEMO_RECORDS": "2_500", "ATLAS_VOCAB_FILE": str(tmp_path / "v.toml"),
        "ATLAS_TILES_OSM": "0", "ATLAS_TILES_URL": "https://tiles.example/{z}/{x}/{y}.png",
        "ATLAS_TILES_NAME": "Force tiles",
    })
    assert settings.demo_records == 2500
    assert settings.vocab_file == tmp_path / "v.toml"
    assert not settings.tiles.openstreetmap
    assert settings.tiles.name == "Force tiles"
    assert settings.tiles.attribution == "Tiles: configured tile server"


def test_a_bad_demo_size_is_refused_by_name():
    with pytest.raises(ValueError, match="ATLAS_DEMO_RECORDS must be a whole number"):
        load_settings({"ATLAS_DEMO_RECORDS": "lots"})


def test_basemaps_follow_the_tile_settings(monkeypatch):
    monkeypatch.setenv("ATLAS_TILES_OSM", "0")
    monkeypatch.setenv("ATLAS_TILES_URL", "https://tiles.example/{z}/{x}/{y}.png")
    monkeypatch.setenv("ATLAS_TILES_ATTRIBUTION", "© Example")
    offered = maps.available_basemaps()
    assert [b.name for b in offered] == [maps.NO_BASEMAP.name, "Configured tiles"]
    assert offered[1].attribution == "© Example"


def test_the_vocabulary_file_setting_is_read(tmp_path, monkeypatch):
    path = tmp_path / "vocab.toml"
    path.write_text('referral_sources = ["Team A", "Team B"]\n', encoding="utf-8")
    monkeypatch.setenv("ATLAS_VOCAB_FILE", str(path))
    assert vocab.load_vocabulary().referral_sources == ("Team A", "Team B")
    monkeypatch.delenv("ATLAS_VOCAB_FILE")
    assert vocab.load_vocabulary() == vocab.Vocabulary()


def test_one_normaliser_for_headers_and_categories():
    assert normalise("  Date of  Referral!") == "date of referral"
    assert normalise("Drugs & County-Lines") == "drugs and county lines"
    assert vocab.match_category("referral", " DOMESTIC  servitude ") == "domestic servitude"


def test_transformers_are_built_once_and_round_trip():
    assert transformer("EPSG:27700", "EPSG:4326") is transformer("EPSG:27700", "EPSG:4326")
    lon, lat = to_lonlat([530000.0], [190000.0])
    assert -0.3 < lon[0] < -0.1 and 51.5 < lat[0] < 51.7
    x, y = to_metric(lon, lat)
    np.testing.assert_allclose([x[0], y[0]], [530000.0, 190000.0], atol=1e-6)


def test_transforms_from_new_threads_run_on_one_thread(monkeypatch):
    # pyproj builds its PROJ object again in every new thread (tens of ms), and Streamlit
    # runs each rerun in a new thread: the transforms must all run on one long-lived thread.
    ran_on = []
    for source, target in (("EPSG:27700", "EPSG:4326"), ("EPSG:4326", "EPSG:27700")):
        t = transformer(source, target)
        monkeypatch.setattr(t, "transform", lambda *a, _run=t.transform, **k: (
            ran_on.append(threading.get_ident()), _run(*a, **k))[1])
    callers, results = [], []

    def call():
        callers.append(threading.get_ident())
        lon, lat = to_lonlat([530000.0], [190000.0])
        results.append(to_metric(lon, lat))

    for _ in range(3):
        thread = threading.Thread(target=call)
        thread.start()
        thread.join()
    assert len(ran_on) == 6 and len(set(ran_on)) == 1 and not set(ran_on) & set(callers)
    for x, y in results:
        np.testing.assert_allclose([x[0], y[0]], [530000.0, 190000.0], atol=1e-6)


def test_ward_names_by_code_follow_the_wards():
    geography = build_geography(toy_wards())
    names = geography.ward_name_by_code
    assert list(names) == list(geography.ward_codes)
    assert [names[c] for c in geography.ward_codes] == list(geography.ward_names)
    with pytest.raises(TypeError):
        names["x"] = "y"  # shared between users through the cache: read-only
