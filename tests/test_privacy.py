"""Adversarial tests of disclosure control across the pipeline.

Hypothesis draws random record sets and random filters; every referral figure any view
shows must be 0, at least k, or a suppression mark. Differencing attacks (adjacent windows,
a ward set with and without one ward) must not isolate a single referral. No referral
coordinate may reach the map payload or the objects cached for all users.
"""

import datetime as dt
import pickle
import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.dataset import build_atlas_data
from analysis.filters import Filters
from analysis.index import build_geography
from analysis.plan import compute_priorities
from analysis.trends import compare_periods, weekly_series
from analysis.views import compute_map_view
from dashboard import maps
from dashboard.classes import classify_counts
from geodata import vocab
from geodata.disclosure import DEFAULT_POLICY, WeekWindow, snap_to_weeks, week_number
from geodata.schema import BARNET_WARD_CODES, KIND, X, Y
from tests.helpers import MONDAY, consistent_values, make_records, toy_wards

GEOGRAPHY = build_geography(toy_wards())
K = DEFAULT_POLICY.k
SMALL = {str(n) for n in range(1, K)}
FIRST_WEEK = int(week_number(np.datetime64(MONDAY, "D")))

record = st.tuples(
    st.sampled_from(["referral", "referral", "outreach"]),
    st.integers(0, 41),  # day offset: six weeks
    st.sampled_from(vocab.REFERRAL_CATEGORIES[:3]),
    st.integers(0, 23),  # ward
    # off any grid line, so a referral coordinate cannot equal a cell centre by chance
    st.floats(-900, 900).map(lambda v: round(v, 1) + 0.37),
    st.floats(-1500, 1500).map(lambda v: round(v, 1) + 0.61),
)


def build(rows):
    data_rows = [
        (kind, MONDAY + dt.timedelta(days=day),
         category if kind == "referral" else "patrol", ward, dx, dy)
        for kind, day, category, ward, dx, dy in rows
    ]
    records = make_records(data_rows)
    data = build_atlas_data(GEOGRAPHY.wards, records, synthetic=True, version="p",
                            geomask_key=b"k", geography=GEOGRAPHY)
    return records, data


filters_strategy = st.builds(
    lambda first, length, wards, cats, kinds: Filters(
        window=WeekWindow(FIRST_WEEK + first, FIRST_WEEK + first + length),
        wards=tuple(sorted(wards)),
        kinds=kinds,
        referral_categories=tuple(cats),
    ),
    first=st.integers(-1, 5),
    length=st.integers(1, 5),
    wards=st.sets(st.sampled_from(BARNET_WARD_CODES), max_size=5),
    cats=st.sets(st.sampled_from(vocab.REFERRAL_CATEGORIES[:3]), max_size=2),
    kinds=st.sampled_from([("referral", "outreach"), ("referral",)]),
)


def assert_no_small(labels):
    leaked = [label for label in labels if label in SMALL]
    assert not leaked, f"small referral counts shown: {leaked}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(record, min_size=1, max_size=60), filters=filters_strategy,
       cell_size=st.sampled_from([None, 250, 1000]))
def test_no_view_shows_a_small_referral_count(rows, filters, cell_size):
    _, data = build(rows)
    view = compute_map_view(data.index, GEOGRAPHY, filters, cell_size=cell_size)
    assert_no_small([*view.wards.referrals.labels, view.referrals_total])
    if cell_size:
        assert_no_small(view.cells.referrals.labels)
    classes = classify_counts(view.wards.referrals)
    assert not any(re.fullmatch(r"[1-4](–\d+)? referrals", c) for c in classes.class_labels)
    series = weekly_series(data.index, GEOGRAPHY, filters, "referral")
    assert_no_small(series["label"])
    shown = series["count"].dropna()
    assert not ((shown >= 1) & (shown < K)).any()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(record, min_size=5, max_size=80), filters=filters_strategy)
def test_priorities_and_comparisons_show_no_small_count(rows, filters):
    _, data = build(rows)
    result = compute_priorities(data, filters, cell_size=1000, radius_m=400, sites=2)
    for table in (result.ward_gaps, result.cell_gaps):
        assert_no_small(table["referrals"])
        assert not table["reason"].astype(str).str.contains(r"about [1-4] referrals").any()
    halves = (WeekWindow(FIRST_WEEK, FIRST_WEEK + 2), WeekWindow(FIRST_WEEK + 3, FIRST_WEEK + 5))
    table = compare_periods(data.index, GEOGRAPHY, filters, *halves, GEOGRAPHY.ward_weights)
    assert_no_small([*table["first"], *table["second"]])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(record, min_size=1, max_size=60), filters=filters_strategy)
def test_no_referral_location_in_the_map_or_the_shared_caches(rows, filters):
    records, data = build(rows)
    refs = records[records[KIND] == "referral"]
    view = compute_map_view(data.index, GEOGRAPHY, filters, cell_size=250)
    geometry = maps.build_map_geometry(GEOGRAPHY)
    base = maps.build_base_map(geometry)
    maps.build_area_layer(geometry.cells[250], view.cells, classify_counts(view.cells.referrals),
                          name="r", area_label="Cell").add_to(base)
    if view.outreach_total is not None:
        maps.build_outreach_layer(view, geometry).add_to(base)
    html = base.get_root().render()
    points = re.findall(r'"coordinates": \[(-?[\d.]+), (-?[\d.]+)\], "type": "Point"', html)
    if view.outreach_points is None:
        assert not points
    else:  # every point drawn is a geomasked outreach point, never a referral
        assert len(points) == len(view.outreach_points)
    cached = pickle.dumps((data.index, compute_priorities(
        data, filters, cell_size=1000, radius_m=400, sites=2)))
    for x, y in zip(refs[X], refs[Y], strict=True):
        for dtype in ("float64", "float32"):
            for value in (x, y):
                assert np.array(value, dtype=dtype).tobytes() not in cached, (
                    f"referral coordinate {value} in a shared cache"
                )
    assert not np.isfinite(data.index.masked_x[(records[KIND] == "referral").to_numpy()]).any()


# --------------------------------------------------------------------- differencing attacks


def possible(label: str) -> set[int]:
    return set(consistent_values(label, DEFAULT_POLICY, cap=500))


def differences(before: str, after: str) -> set[int]:
    """What an observer can conclude about the records added between two views."""
    return {b - a for a in possible(before) for b in possible(after) if b >= a}


def attack_data(extra_week: bool):
    """Ward 0 has 12 referrals in weeks 1-4 and, optionally, exactly one in week 5."""
    rows = [("referral", MONDAY + dt.timedelta(days=7 * (i % 4)), "labour", 0, i, 0)
            for i in range(12)]
    rows += [("referral", MONDAY + dt.timedelta(days=day), "labour", w, 0, 0)
             for day in (3, 31) for w in range(1, 6) for _ in range(7)]
    if extra_week:
        rows.append(("referral", MONDAY + dt.timedelta(days=30), "labour", 0, 5, 5))
    records = make_records(rows)
    return build_atlas_data(GEOGRAPHY.wards, records, synthetic=True, version="a",
                            geomask_key=b"k", geography=GEOGRAPHY)


@pytest.mark.parametrize("extra_week", [True, False], ids=["one-referral", "none"])
def test_adjacent_windows_do_not_isolate_a_referral(extra_week):
    data = attack_data(extra_week)
    four = Filters(window=WeekWindow(FIRST_WEEK, FIRST_WEEK + 3))
    five = replace(four, window=WeekWindow(FIRST_WEEK, FIRST_WEEK + 4))
    a = compute_map_view(data.index, GEOGRAPHY, four).wards.referrals.labels[0]
    b = compute_map_view(data.index, GEOGRAPHY, five).wards.referrals.labels[0]
    learned = differences(a, b)
    # The observer cannot tell "exactly one referral in week 5" from none or several.
    assert 1 in learned and len(learned) > 2
    totals = [compute_map_view(data.index, GEOGRAPHY, f).referrals_total for f in (four, five)]
    assert len(differences(*totals)) > 2


@pytest.mark.parametrize("extra_week", [True, False], ids=["one-referral", "none"])
def test_a_ward_set_with_and_without_one_ward_does_not_isolate_it(extra_week):
    data = attack_data(extra_week)
    window = WeekWindow(FIRST_WEEK + 4, FIRST_WEEK + 5)  # ward 0 has 0 or 1 referral here
    wards = BARNET_WARD_CODES[:6]
    with_ward = compute_map_view(data.index, GEOGRAPHY, Filters(window, wards=wards))
    without = compute_map_view(data.index, GEOGRAPHY, Filters(window, wards=wards[1:]))
    learned = differences(without.referrals_total, with_ward.referrals_total)
    assert len(learned) > 2
    assert with_ward.wards.referrals.labels[0] in ("0", "<5")


def test_the_shortest_referral_window_is_two_whole_weeks():
    window = snap_to_weeks(dt.date(2023, 9, 27), dt.date(2023, 9, 27))
    assert window.n_weeks == DEFAULT_POLICY.min_window_weeks == 2
    assert (window.start.weekday(), window.end.weekday()) == (0, 6)
