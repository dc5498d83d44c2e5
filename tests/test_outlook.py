"""The Next week summary (analysis.outlook) on a planted world."""

import datetime as dt

import numpy as np

from analysis.filters import Filters
from analysis.outlook import next_week_summary, place_name
from geodata.geography import build_geography
from geodata.release import WARDS, snap_to_weeks
from tests.helpers import make_records, toy_wards

GEOGRAPHY = build_geography(toy_wards())
START = dt.date(2023, 1, 2)
HOT_WARD = 9
# a ward's Gi* counts its neighbours, so a cluster of wards, not one alone, is a hot spot
HOT = {HOT_WARD, *GEOGRAPHY.ward_weights.neighbors[HOT_WARD]}


def planted_world():
    """Referrals everywhere for 40 weeks; from week 20 many more around ward 9, no outreach."""
    from analysis.dataset import build_atlas_data

    rng = np.random.default_rng(3)
    rows = []
    for week in range(40):
        day = START + dt.timedelta(weeks=week, days=2)
        for ward in range(24):
            n = 4 + (30 if ward in HOT and week >= 20 else 0)
            rows += [("referral", day, "labour", ward,
                      float(rng.uniform(-500, 500)), float(rng.uniform(-500, 500)))
                     for _ in range(n)]
        rows += [("outreach", day, "patrol", w, 0.0, 0.0) for w in range(24) if w not in HOT]
    records = make_records(rows)
    return build_atlas_data(GEOGRAPHY.wards, records, synthetic=True, version="outlook",
                            geomask_key=b"outlook", geography=GEOGRAPHY)


def test_a_ward_hot_since_half_way_and_without_outreach_heads_the_summary():
    data = planted_world()
    filters = Filters(window=snap_to_weeks(START, START + dt.timedelta(weeks=39)))
    summary = next_week_summary(data, filters, cell_size=1000, radius_m=400)
    name = place_name(GEOGRAPHY, WARDS, HOT_WARD)
    assert name in set(summary.rows["place"])
    assert set(summary.rows["place"]) <= {place_name(GEOGRAPHY, WARDS, i) for i in HOT}
    first = summary.rows.iloc[0]
    assert first["category"] == "consecutive hot spot"
    assert "no outreach activity" in first["why"]
    assert summary.sentences[0].startswith(f"Next week, look first at {first['place']}")
    assert "PAI about" in summary.sentences[1]
    ward = summary.wards.set_index("place").loc[name]
    assert ward["category"] == "consecutive hot spot"
    assert set(summary.sensitivity.columns) >= {"4 weeks", "6 weeks", "8 weeks"}
    assert summary.backtest is not None and len(summary.backtest.folds) > 0


def test_too_little_history_says_so():
    data = planted_world()
    filters = Filters(window=snap_to_weeks(START, START + dt.timedelta(weeks=3)))
    summary = next_week_summary(data, filters, cell_size=1000, radius_m=400)
    assert summary.note == (
        "Next week needs at least 16 weeks of referrals (4 periods of 4 weeks) up to the end "
        "of the chosen dates, and there are only 6 weeks: choose dates that end later."
    )
    # said once, in one sentence: the page shows the sentences, nothing else
    assert summary.sentences == (summary.note,)
    assert summary.note.count("Next week needs") == 1 and summary.note.count(".") == 1
    assert summary.rows.empty and summary.backtest is None


def test_too_little_history_for_long_periods_offers_shorter_ones():
    data = planted_world()
    filters = Filters(window=snap_to_weeks(START, START + dt.timedelta(weeks=19)))
    summary = next_week_summary(data, filters, cell_size=1000, radius_m=400, step_bins=3,
                                backtest=False)
    assert summary.note.endswith(
        "and there are only 22 weeks: choose dates that end later, or periods of 4 weeks.")
    assert summary.note.count("Next week needs") == 1
