import datetime as dt

import numpy as np
import pytest
import shapely

from analysis.dataset import build_atlas_data
from analysis.filters import Filters, outreach_mask, preset_window
from analysis.views import compute_map_view
from geodata.errors import FilterError
from geodata.geography import build_geography
from geodata.grid import make_grid
from geodata.release import WARDS, snap_to_weeks
from geodata.schema import BARNET_WARD_CODES
from tests.helpers import MONDAY, make_records, plausible_release, ward_centre

ALL_2023 = snap_to_weeks(dt.date(2023, 1, 2), dt.date(2023, 12, 31))


@pytest.fixture(scope="module")
def geography():
    from tests.helpers import toy_wards

    return build_geography(toy_wards())


def data_from(rows, geography):
    records = make_records(rows)
    return build_atlas_data(
        geography.wards, records, synthetic=True, version="t", geomask_key=b"k",
        geography=geography,
    )


def test_grid_cells_nest_and_cover_the_area():
    area = shapely.box(517_100, 185_500, 529_900, 198_400)
    g250, g1000 = make_grid(area, 250), make_grid(area, 1000)
    assert g250.x0 == g1000.x0 and g250.y0 == g1000.y0
    assert sum(g.area for g in g1000.geometry) == pytest.approx(area.area)
    rng = np.random.default_rng(1)
    x, y = rng.uniform(517_100, 529_900, 1000), rng.uniform(185_500, 198_400, 1000)
    assert (g250.cell_of(x, y) >= 0).all()
    # every 250 m cell lies within exactly one 1 km cell
    c250 = g250.centroids()
    assert (g1000.cell_of(c250[:, 0], c250[:, 1]) >= 0).all()


def test_grid_rejects_bad_cell_size():
    with pytest.raises(ValueError, match="positive number of metres"):
        make_grid(shapely.box(0, 0, 10, 10), 0)


def test_outreach_mask_matches_a_plain_filter(geography):
    rows = [
        ("outreach", MONDAY, "patrol", 0, 0, 0),
        ("outreach", MONDAY + dt.timedelta(days=6), "community engagement", 1, 0, 0),
        ("outreach", MONDAY - dt.timedelta(days=1), "patrol", 1, 0, 0),  # the bin before
        ("outreach", MONDAY + dt.timedelta(days=13), "patrol", 1, 0, 0),  # same bin, week 2
        ("outreach", MONDAY + dt.timedelta(days=14), "patrol", 1, 0, 0),  # the bin after
        ("referral", MONDAY, "labour", 0, 0, 0),
    ]
    data = data_from(rows, geography)
    assert len(data.outreach) == 5  # referrals never enter the outreach index
    # one day snaps to the fixed 2-week bin holding it (18 Sep - 1 Oct 2023), not to the
    # two weeks ending with it
    one_day = Filters(window=snap_to_weeks(MONDAY, MONDAY))
    assert (one_day.window.start, one_day.window.n_weeks) == (MONDAY, 2)
    assert outreach_mask(data.outreach, geography, one_day).tolist() == [
        True, True, False, True, False,
    ]
    patrol = Filters(window=ALL_2023, outreach_categories=("patrol",))
    assert outreach_mask(data.outreach, geography, patrol).tolist() == [
        True, False, True, True, True,
    ]
    # the ward is the masked point's ward (the masked points stay inside these large wards)
    ward_b = Filters(window=ALL_2023, wards=(BARNET_WARD_CODES[1],))
    assert data.outreach.ward.tolist() == [0, 1, 1, 1, 1]
    assert outreach_mask(data.outreach, geography, ward_b).tolist() == [
        False, True, True, True, True,
    ]
    no_outreach = Filters(window=ALL_2023, kinds=("referral",))
    assert not outreach_mask(data.outreach, geography, no_outreach).any()


def test_filters_reject_unknown_values():
    with pytest.raises(FilterError, match="Unknown record kind 'victim'"):
        Filters(window=ALL_2023, kinds=("victim",))
    with pytest.raises(FilterError, match="Unknown referral category: juggling"):
        Filters(window=ALL_2023, referral_categories=("juggling",))


def test_presets_are_relative_to_the_latest_data():
    last = dt.date(2024, 3, 27)  # a Wednesday
    four = preset_window("last 4 weeks", last)
    assert four.n_weeks == 4 and four.end == dt.date(2024, 3, 31)
    # 13 weeks widened to whole fixed 2-week bins (anchored on Monday 18 Sep 2023)
    quarter = preset_window("last quarter", last)
    assert quarter.n_weeks == 14 and quarter.end == dt.date(2024, 3, 31)
    for window in (four, quarter):
        assert (window.start - MONDAY).days % 14 == 0
    campaign = preset_window("campaign week", last)
    assert campaign.start == dt.date(2023, 9, 18) and campaign.end == dt.date(2023, 10, 1)
    with pytest.raises(FilterError, match="Unknown date preset"):
        preset_window("next year", last)


def test_ward_view_counts_are_released(geography):
    rows = [("referral", MONDAY, "labour", 0, i, 0) for i in range(12)]
    rows += [("referral", MONDAY, "sexual", 1, 0, 0)] * 2
    rows += [("outreach", MONDAY, "patrol", 2, 0, 0)] * 3
    data = data_from(rows, geography)
    view = compute_map_view(data, Filters(ALL_2023))
    released = data.release.counts(WARDS, ALL_2023)
    assert view.wards.codes == BARNET_WARD_CODES
    assert view.wards.referrals.values.tolist() == released.values.tolist()
    assert view.wards.referrals.labels == released.labels
    shown = view.wards.referrals.values
    assert plausible_release(12, shown[0])  # a small adjustment
    assert plausible_release(2, shown[1]) and shown[1] != 2  # never shown as itself
    assert (shown[2:] == 0).all()
    assert not ((shown >= 1) & (shown <= 4)).any()
    # the total is the borough's own released cell, not the sum of the wards
    total = data.release.total(ALL_2023)
    assert view.referrals_total == f"{total:,}"
    assert plausible_release(14, total)
    assert view.outreach_total == 3
    assert view.wards_with_activity == 1 + int(shown[1] > 0) + 1
    # three visits to one place: three records at one masked point
    assert view.outreach_points.shape == (3, 2)
    assert len({tuple(p) for p in view.outreach_points}) == 1


def test_ward_selection_restricts_the_view(geography):
    rows = [("referral", MONDAY, "labour", w, 0, 0) for w in range(24) for _ in range(6)]
    picked = BARNET_WARD_CODES[3:6]
    data = data_from(rows, geography)
    view = compute_map_view(data, Filters(ALL_2023, wards=picked))
    assert view.wards.codes == picked
    released = data.release.counts(WARDS, ALL_2023).values[3:6]
    assert view.wards.referrals.values.tolist() == released.tolist()
    # a selection of wards is the sum of their released cells
    assert view.referrals_total == f"{released.sum():,}"
    assert view.referrals_total == f"{data.release.total(ALL_2023, (), [3, 4, 5]):,}"


def test_grid_view_only_covers_selected_wards(geography):
    rows = [("referral", MONDAY, "labour", 0, 0, 0)] * 6 + [("referral", MONDAY, "labour", 9, 0, 0)]
    data = data_from(rows, geography)
    view = compute_map_view(data, Filters(ALL_2023, wards=(BARNET_WARD_CODES[0],)), cell_size=500)
    released = data.release.counts(500, ALL_2023).values
    cells = view.cells.referrals.values
    assert cells.tolist() == released[view.cells.positions].tolist()
    home = geography.grids[500].cell_of(*map(np.atleast_1d, ward_centre(0)))[0]
    assert home in view.cells.positions  # six records in one cell: released near 6
    assert plausible_release(6, released[home])
    assert not ((cells >= 1) & (cells <= 4)).any()
    far = geography.grids[500].cell_of(*map(np.atleast_1d, ward_centre(9)))[0]
    assert far not in view.cells.positions
    all_cells = compute_map_view(data, Filters(ALL_2023), cell_size=500)
    assert len(all_cells.cells.codes) > len(view.cells.codes)
    assert far in all_cells.cells.positions
    with pytest.raises(ValueError, match="cell_size must be one of"):
        compute_map_view(data, Filters(ALL_2023), cell_size=300)


def test_outreach_points_are_masked_per_place_and_capped(geography):
    rows = [("outreach", MONDAY + dt.timedelta(days=i % 14), "patrol", 5, 0, 0) for i in range(30)]
    rows += [("outreach", MONDAY, "patrol", 5, 600, 0)] * 2  # a second place
    data = data_from(rows, geography)
    view = compute_map_view(data, Filters(ALL_2023))
    points = view.outreach_points
    assert points.shape == (32, 2)
    # every visit to one place lands on the same masked point, so they cannot be averaged
    assert len({tuple(p) for p in points[:30]}) == 1
    assert len({tuple(p) for p in points[30:]}) == 1
    policy = data.release.policy
    for point, (dx, dy) in ((points[0], (0, 0)), (points[30], (600, 0))):
        x, y = ward_centre(5)
        moved = np.hypot(point[0] - (x + dx), point[1] - (y + dy))
        assert policy.geomask_min_m - 0.1 <= moved <= policy.geomask_max_m + 0.1
    capped = compute_map_view(data, Filters(ALL_2023), point_cap=10)
    assert capped.outreach_points is None and capped.outreach_total == 32


def test_release_holds_no_referral_coordinates(geography):
    rows = [("referral", MONDAY, "labour", 0, 3.25, 7.75), ("outreach", MONDAY, "patrol", 0, 0, 0)]
    data = data_from(rows, geography)
    assert len(data.outreach) == 1  # only the outreach record has a (masked) point
    x, y = ward_centre(0)
    secret = {x + 3.25, y + 7.75}
    held = []
    for slot in type(data.release).__slots__:
        value = getattr(data.release, slot)
        arrays = value.values() if isinstance(value, dict) else [value]
        for item in arrays:
            for part in item if isinstance(item, tuple) else (item,):
                if isinstance(part, np.ndarray):
                    held += part.ravel().tolist()
    assert held and not secret & set(held)
    view = compute_map_view(data, Filters(ALL_2023, kinds=("referral",)))
    assert view.outreach_points is None and view.outreach_total is None


def test_index_rejects_unknown_ward(geography):
    records = make_records([("referral", MONDAY, "labour", 0, 0, 0)])
    records.loc[0, "ward_code"] = "E05999999"
    with pytest.raises(ValueError, match="unknown ward_code value"):
        build_atlas_data(geography.wards, records, synthetic=False, version="x",
                         geomask_key=b"k", geography=geography)


def test_the_demo_banner_follows_the_synthetic_records_in_view(geography):
    from analysis.views import synthetic_in_view
    from geodata.schema import IS_SYNTHETIC

    rows = [("referral", MONDAY, "labour", 0, 0, 0), ("outreach", MONDAY, "patrol", 0, 0, 0),
            ("referral", MONDAY, "labour", 5, 0, 0)]
    records = make_records(rows)
    records[IS_SYNTHETIC] = [True, True, False]  # a real dataset next to the demo
    data = build_atlas_data(geography.wards, records, synthetic=True, version="s",
                            geomask_key=b"k", geography=geography)
    window = snap_to_weeks(MONDAY, MONDAY)
    codes = geography.ward_codes
    assert synthetic_in_view(data, Filters(window=window))
    assert synthetic_in_view(data, Filters(window=window, wards=(codes[0],)))
    assert not synthetic_in_view(data, Filters(window=window, wards=(codes[5],)))
    later = snap_to_weeks(MONDAY + dt.timedelta(weeks=8), MONDAY + dt.timedelta(weeks=8))
    assert not synthetic_in_view(data, Filters(window=later))
