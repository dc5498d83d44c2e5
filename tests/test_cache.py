"""The app's caches: the working data is keyed by its version, never hashed by contents."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from analysis.filters import Filters
from dashboard import cache
from geodata.release import snap_to_weeks

EVERYTHING = Filters(window=snap_to_weeks(dt.date(2023, 1, 2), dt.date(2024, 3, 31)))


@pytest.fixture
def counted(monkeypatch):
    """Count the computations (each returns its number; the page test computes for real)."""
    calls = []

    def compute(data, *args, **kwargs):
        calls.append(data.version)
        return len(calls)

    monkeypatch.setattr(cache, "compute_priorities", compute)
    cache.priorities.clear()
    yield calls
    cache.priorities.clear()


def ask(data, venues=None, population=None, cell_size=1000):
    return cache.priorities(data, EVERYTHING, cell_size, 400.0, 2, None, venues, population or {})


def test_same_version_is_computed_once_even_from_another_object(scene, counted):
    first = ask(scene.data)
    twin = dataclasses.replace(scene.data)  # a new object, as after a cache reload
    assert ask(twin) == first == 1
    assert counted == [scene.data.version]


def test_a_new_data_version_or_new_inputs_compute_again(scene, counted):
    ask(scene.data)
    ask(dataclasses.replace(scene.data, version="after-an-import"))
    venues = pd.DataFrame({"name": ["Library"], "x": [524_000.0], "y": [191_000.0]})
    ask(scene.data, venues=venues)
    ask(scene.data, venues=venues.assign(name=["Church hall"]))
    ask(scene.data, population={scene.data.geography.ward_codes[0]: 9_000.0})
    ask(scene.data, cell_size=500)
    assert counted == [scene.data.version, "after-an-import"] + [scene.data.version] * 4

