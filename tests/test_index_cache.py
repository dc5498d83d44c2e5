"""The record index kept on disk per data version (geodata.release.persist)."""

import stat

import numpy as np
import pytest

from geodata.geography import build_geography
from geodata.release import WARDS, load_release, window_of_bins
from geodata.store import Store
from tests.helpers import MONDAY, make_records, toy_wards

KEY = b"index-test-key"


def _frame(n: int, seed: int):
    rng = np.random.default_rng(seed)
    rows = [("referral" if i % 3 else "outreach", MONDAY, "labour" if i % 3 else "patrol",
             int(rng.integers(24)), float(rng.uniform(-50, 50)), float(rng.uniform(-50, 50)))
            for i in range(n)]
    frame = make_records(rows, key_seed=seed)
    frame["source_id_hash"] = [f"h{seed}-{i}" for i in range(n)]
    return frame


def _add(store, frame):
    return store.add_dataset(name="t.csv", kind="referral", rows=frame, imported_by="t",
                             rows_read=len(frame), rows_rejected=0)


@pytest.fixture
def setup(tmp_path):
    geography = build_geography(toy_wards())
    store = Store(f"sqlite:///{tmp_path / 'atlas.sqlite'}")
    return geography, store, tmp_path / "index"


def _figures(release, outreach):
    window = window_of_bins(*release.released_span(), release.policy)
    return (list(release.counts(WARDS, window).labels), list(release.counts(250, window).labels),
            release.total(window), outreach.ward.tolist(), outreach.x.tolist(),
            outreach.cells[250].tolist())


def test_a_restart_loads_the_saved_index_instead_of_reading_the_records(setup, monkeypatch):
    geography, store, folder = setup
    _add(store, _frame(300, 1))
    first = load_release(store, geography, geomask_key=KEY, demo_records=0, index_dir=folder)
    files = list(folder.glob("*.npz"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    def no_reading(*args, **kwargs):
        raise AssertionError("the records were read again")

    monkeypatch.setattr(Store, "load_records", no_reading)
    second = load_release(store, geography, geomask_key=KEY, demo_records=0, index_dir=folder)
    assert second[2] == first[2]
    assert _figures(*second[:2]) == _figures(*first[:2])


def test_new_data_another_key_or_another_geography_rebuild_it(setup):
    geography, store, folder = setup
    _add(store, _frame(200, 2))
    load_release(store, geography, geomask_key=KEY, demo_records=0, index_dir=folder)
    old = {p.name for p in folder.glob("*.npz")}
    _add(store, _frame(50, 3))  # a new data version
    fresh = load_release(store, geography, geomask_key=KEY, demo_records=0, index_dir=folder)
    now = {p.name for p in folder.glob("*.npz")}
    assert len(now) == 1 and now != old  # the old index is gone
    rebuilt = load_release(store, geography, geomask_key=KEY, demo_records=0)
    assert _figures(*fresh[:2]) == _figures(*rebuilt[:2])
    other_key = load_release(store, geography, geomask_key=b"another", demo_records=0,
                             index_dir=folder)
    assert {p.name for p in folder.glob("*.npz")} != now
    assert other_key[1].x.tolist() != fresh[1].x.tolist()  # masked with its own key


def test_a_damaged_index_is_rebuilt_not_trusted(setup):
    geography, store, folder = setup
    _add(store, _frame(120, 4))
    first = load_release(store, geography, geomask_key=KEY, demo_records=0, index_dir=folder)
    (path,) = folder.glob("*.npz")
    path.write_bytes(b"not an npz")
    again = load_release(store, geography, geomask_key=KEY, demo_records=0, index_dir=folder)
    assert _figures(*again[:2]) == _figures(*first[:2])
