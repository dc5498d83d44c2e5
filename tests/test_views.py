import datetime as dt

import numpy as np
import pytest
import shapely

from analysis.dataset import build_atlas_data
from analysis.filters import Filters, preset_window, record_mask
from analysis.index import build_geography
from analysis.views import compute_map_view
from geodata.disclosure import snap_to_weeks
from geodata.errors import FilterError
from geodata.grid import make_grid
from geodata.schema import BARNET_WARD_CODES
from tests.helpers import MONDAY, make_records

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


def test_mask_matches_a_plain_filter(geography):
    rows = [
        ("referral", MONDAY, "labour", 0, 0, 0),
        ("referral", MONDAY + dt.timedelta(days=6), "sexual", 1, 0, 0),
        ("referral", MONDAY - dt.timedelta(days=1), "labour", 1, 0, 0),  # week before
        ("referral", MONDAY + dt.timedelta(days=7), "labour", 1, 0, 0),  # week after
        ("outreach", MONDAY, "patrol", 0, 0, 0),
    ]
    data = data_from(rows, geography)
    one_day = Filters(window=snap_to_weeks(MONDAY, MONDAY))  # widened backwards to 2 weeks
    assert one_day.window.n_weeks == 2
    mask = record_mask(data.index, geography, one_day, "referral")
    assert mask.tolist() == [True, True, True, False, False]
    labour = Filters(window=ALL_2023, referral_categories=("labour",))
    assert record_mask(data.index, geography, labour, "referral").tolist() == [
        True, False, True, True, False,
    ]
    ward_b = Filters(window=ALL_2023, wards=(BARNET_WARD_CODES[1],))
    assert record_mask(data.index, geography, ward_b, "referral").tolist() == [
        False, True, True, True, False,
    ]
    no_referrals = Filters(window=ALL_2023, kinds=("outreach",))
    assert not record_mask(data.index, geography, no_referrals, "referral").any()


def test_filters_reject_unknown_values():
    with pytest.raises(FilterError, match="Unknown record kind 'victim'"):
        Filters(window=ALL_2023, kinds=("victim",))
    with pytest.raises(FilterError, match="Unknown referral category: juggling"):
        Filters(window=ALL_2023, referral_categories=("juggling",))


def test_presets_are_relative_to_the_latest_data():
    last = dt.date(2024, 3, 27)  # a Wednesday
    four = preset_window("last 4 weeks", last)
    assert four.n_weeks == 4 and four.end == dt.date(2024, 3, 31)
    assert preset_window("last quarter", last).n_weeks == 13
    campaign = preset_window("campaign week", last)
    assert campaign.start == dt.date(2023, 9, 18) and campaign.end == dt.date(2023, 10, 1)
    with pytest.raises(FilterError, match="Unknown date preset"):
        preset_window("next year", last)


def test_ward_view_counts_are_disclosed(geography):
    rows = [("referral", MONDAY, "labour", 0, i, 0) for i in range(12)]
    rows += [("referral", MONDAY, "sexual", 1, 0, 0)] * 2
    rows += [("outreach", MONDAY, "patrol", 2, 0, 0)] * 3
    view = compute_map_view(data_from(rows, geography).index, geography, Filters(ALL_2023))
    labels = dict(zip(view.wards.codes, view.wards.referrals.labels, strict=True))
    assert labels[BARNET_WARD_CODES[0]] == "10"  # 12 rounded
    assert labels[BARNET_WARD_CODES[1]] == "<5"
    assert labels[BARNET_WARD_CODES[2]] == "0"
    assert view.referrals_total == "15"  # 14 rounded
    assert view.outreach_total == 3
    assert view.wards_with_activity == 3
    assert view.outreach_points.shape == (3, 2)


def test_ward_selection_restricts_the_view(geography):
    rows = [("referral", MONDAY, "labour", w, 0, 0) for w in range(24) for _ in range(6)]
    picked = BARNET_WARD_CODES[3:6]
    view = compute_map_view(
        data_from(rows, geography).index, geography, Filters(ALL_2023, wards=picked)
    )
    assert view.wards.codes == picked
    assert view.referrals_total == "20"  # 18 rounded


def test_grid_view_only_covers_selected_wards(geography):
    rows = [("referral", MONDAY, "labour", 0, 0, 0)] * 6 + [("referral", MONDAY, "labour", 9, 0, 0)]
    data = data_from(rows, geography)
    view = compute_map_view(
        data.index, geography, Filters(ALL_2023, wards=(BARNET_WARD_CODES[0],)), cell_size=500
    )
    cell_counts = view.cells.referrals.labels
    assert "5" in cell_counts  # six records in one cell, rounded
    assert set(cell_counts) <= {"0", "5"}
    all_cells = compute_map_view(data.index, geography, Filters(ALL_2023), cell_size=500)
    assert len(all_cells.cells.codes) > len(view.cells.codes)


def test_outreach_points_are_masked_and_capped(geography):
    rows = [("outreach", MONDAY, "patrol", 5, 0, 0)] * 30
    data = data_from(rows, geography)
    view = compute_map_view(data.index, geography, Filters(ALL_2023))
    true_xy = np.array([[data.geography.wards.geometry[5].centroid.x] * 2])
    moved = np.hypot(view.outreach_points[:, 0] - true_xy[0, 0], view.outreach_points[:, 1]
                     - data.geography.wards.geometry[5].centroid.y)
    assert moved.min() >= 99.9
    capped = compute_map_view(data.index, geography, Filters(ALL_2023), point_cap=10)
    assert capped.outreach_points is None and capped.outreach_total == 30


def test_index_holds_no_referral_coordinates(geography):
    rows = [("referral", MONDAY, "labour", 0, 3.25, 7.75), ("outreach", MONDAY, "patrol", 0, 0, 0)]
    index = data_from(rows, geography).index
    assert np.isnan(index.masked_x[0]) and np.isnan(index.masked_y[0])
    floats = [a for a in vars(index).values() if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    assert all(np.isnan(a[0]) for a in floats)


def test_index_rejects_unknown_ward(geography):
    records = make_records([("referral", MONDAY, "labour", 0, 0, 0)])
    records.loc[0, "ward_code"] = "E05999999"
    with pytest.raises(ValueError, match="unknown ward_code value"):
        build_atlas_data(geography.wards, records, synthetic=False, version="x",
                         geomask_key=b"k", geography=geography)
