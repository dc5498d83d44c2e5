import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geodata.wards import save_wards  # noqa: E402
from tests.helpers import toy_wards  # noqa: E402


@pytest.fixture
def wards():
    return toy_wards()


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
