"""Outreach places, viewers' exports and the minimum date window, played as an intruder.

- Averaging the geomask: fifty weekly visits to one shelter must not average back to it.
- Outreach per grid cell must come from the masked positions, not the true ones.
- A viewer's briefing pack (every page, the ward pages too) and exports carry no outreach
  points, masked or not.
- No view counts referrals for less than one fixed block of weeks.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import exports as snapshot
from analysis.dataset import build_atlas_data
from analysis.filters import DATE_PRESETS, Filters, preset_window
from analysis.trends import block_series
from analysis.views import compute_map_view
from geodata.release import DEFAULT_POLICY, geomask_points, snap_to_weeks
from tests.adversarial.scene import GEOGRAPHY, TARGET_WINDOW, target_filters, world
from tests.helpers import make_records, ward_centre

SHELTER_WARD = 14


def shelter_world(visits: int = 100, dx: float = 123.4, dy: float = -311.7):
    """Weekly visits to one shelter, and a few other outreach records and referrals."""
    start = dt.date(2023, 1, 2)
    rows = [("outreach", start + dt.timedelta(days=7 * (i % 52)), "shelter/hostel visit",
             SHELTER_WARD, dx, dy) for i in range(visits)]
    rows += [("referral", start + dt.timedelta(days=3 * i), "labour", i % 24, 0.0, 0.0)
             for i in range(60)]
    records = make_records(rows)
    data = build_atlas_data(GEOGRAPHY.wards, records, synthetic=True, version="shelter",
                            geomask_key=b"intruder-test", geography=GEOGRAPHY)
    cx, cy = ward_centre(SHELTER_WARD)
    return data, np.array([cx + dx, cy + dy])


def test_averaging_many_visits_to_one_place_does_not_find_it():
    data, shelter = shelter_world()
    window = snap_to_weeks(dt.date(2023, 1, 2), dt.date(2023, 12, 31))
    view = compute_map_view(data, Filters(window=window, kinds=("outreach",)))
    points = view.outreach_points
    assert len(points) == 100
    # every visit shares one masked point, so their mean is that point, not the shelter
    assert np.hypot(*(points.mean(axis=0) - shelter)) >= DEFAULT_POLICY.geomask_min_m - 1


@pytest.mark.parametrize("jitter_m", [5.0, 10.0], ids=["5m", "10m"])
def test_averaging_jittered_visits_to_one_place_does_not_find_it(jitter_m):
    # visits recorded a few metres apart each time (GPS, geocoding) share one displacement
    rng = np.random.default_rng(int(jitter_m))
    far = []
    for key in range(20):
        cx, cy = ward_centre(SHELTER_WARD)
        place = np.array([cx + 123.4, cy - 311.7])
        xy = place + rng.normal(0, jitter_m, (100, 2))
        mx, my = geomask_points(xy[:, 0], xy[:, 1], key=f"k{key}".encode(),
                                within=GEOGRAPHY.outline)
        far.append(np.hypot(mx.mean() - place[0], my.mean() - place[1]))
    assert min(far) >= DEFAULT_POLICY.geomask_min_m - 3 * jitter_m


def test_outreach_per_grid_cell_counts_the_masked_positions():
    data, shelter = shelter_world()
    window = snap_to_weeks(dt.date(2023, 1, 2), dt.date(2023, 12, 31))
    size = 250
    grid = GEOGRAPHY.grids[size]
    true_cell = int(grid.cell_of(*shelter[:, None])[0])
    masked = np.array([data.outreach.x[0], data.outreach.y[0]])
    masked_cell = int(grid.cell_of(*masked[:, None])[0])
    assert true_cell != masked_cell  # 100-400 m away: another 250 m cell here
    view = compute_map_view(data, Filters(window=window, kinds=("outreach",)), cell_size=size)
    by_cell = dict(zip(view.cells.positions.tolist(), view.cells.outreach.tolist(),
                       strict=True))
    assert by_cell.get(masked_cell) == 100
    assert by_cell.get(true_cell, 0) == 0


def test_a_viewers_grid_has_no_outreach_per_cell():
    data = world(2)
    viewer = compute_map_view(data, target_filters(), cell_size=250, outreach_detail=False)
    analyst = compute_map_view(data, target_filters(), cell_size=250)
    assert viewer.cells.outreach is None and viewer.outreach_points is None
    assert analyst.cells.outreach is not None and viewer.wards.outreach is not None
    assert "outreach" not in viewer.cells.table().columns


def test_a_viewers_pack_and_exports_have_no_outreach_points():
    data = world(2)
    wards = GEOGRAPHY.ward_codes[8:11]
    snap = snapshot.prepare_snapshot(data, target_filters(wards=wards), outreach_detail=False)
    assert snap.view.outreach_points is None
    pages = snapshot.ward_snapshots(snap, data)
    assert len(pages) == 3
    assert all(page.view.outreach_points is None for page in pages)
    # an analyst's pack does draw them, on the overview and on the ward pages
    analyst = snapshot.prepare_snapshot(data, target_filters(wards=wards))
    assert analyst.view.outreach_points is not None
    assert any(p.view.outreach_points is not None for p in snapshot.ward_snapshots(analyst, data))
    html = snapshot.render(snap, "html", data).decode()
    for x, y in analyst.view.outreach_points[:20]:
        assert f"{x:.1f}" not in html and f"{y:.1f}" not in html


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(2015, 1, 1), dt.date(2035, 1, 1)), st.integers(0, 30))
def test_no_date_window_is_shorter_than_a_block(start, days):
    window = snap_to_weeks(start, start + dt.timedelta(days=days))
    assert window.n_weeks >= DEFAULT_POLICY.bin_weeks
    assert window.n_weeks % DEFAULT_POLICY.bin_weeks == 0


@pytest.mark.parametrize("preset", DATE_PRESETS)
def test_presets_are_whole_blocks(preset):
    window = preset_window(preset, dt.date(2024, 3, 27), first_day=dt.date(2023, 1, 4))
    assert window == snap_to_weeks(window.start, window.end)
    assert window.n_weeks >= DEFAULT_POLICY.bin_weeks


def test_the_trends_series_never_counts_a_single_week():
    data = world(2)
    first, last = TARGET_WINDOW.bins()
    series = block_series(data, target_filters(window=TARGET_WINDOW), "referral")
    mondays = sorted(set(series["week"]))
    assert len(mondays) == last - first + 1 == 1
    wide = block_series(data, target_filters(window=snap_to_weeks(
        dt.date(2023, 9, 1), dt.date(2023, 12, 20))), "referral")
    steps = np.diff(sorted(set(wide["week"])))
    assert all(step == dt.timedelta(weeks=DEFAULT_POLICY.bin_weeks) for step in steps)
