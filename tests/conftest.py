import os
from pathlib import Path

import pytest

from geodata.wards import save_wards
from tests.helpers import Scene, demo_scene, toy_wards


@pytest.fixture
def wards():
    return toy_wards()


@pytest.fixture(scope="session")
def scene() -> Scene:
    """The demo (3,000 records) on the toy wards, indexed once for the whole run: read-only."""
    return demo_scene()


@pytest.fixture
def atlas_home(tmp_path, monkeypatch):
    """An empty atlas home with the toy wards cached, used through the environment."""
    home = tmp_path / "home"
    save_wards(toy_wards(), home / "wards.geojson")
    monkeypatch.setenv("ATLAS_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ATLAS_GEOMASK_KEY", "test-key")
    return home


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.e2e)


os.environ.setdefault("ATLAS_TILES_OSM", "1")
