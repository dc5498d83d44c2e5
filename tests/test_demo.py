import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geodata import vocab
from geodata.cli import main
from geodata.demo import SYNTHETIC_MARK, demo_import_frame, generate_demo
from geodata.locate import ward_codes_of
from geodata.schema import CAMPAIGN_END, CAMPAIGN_START, CATEGORY, DATE, KIND, WARD_CODE, X, Y
from geodata.settings import load_settings
from geodata.wards import save_wards


@pytest.fixture(scope="module")
def demo():
    from tests.helpers import toy_wards

    return generate_demo(toy_wards(), n_records=20_000, seed=7)


def test_same_seed_same_records_and_other_seed_differs(wards):
    a = generate_demo(wards, n_records=500, seed=3).records
    b = generate_demo(wards, n_records=500, seed=3).records
    c = generate_demo(wards, n_records=500, seed=4).records
    pd.testing.assert_frame_equal(a, b)
    assert not a[[X, Y]].equals(c[[X, Y]])


@pytest.mark.parametrize("n", [1, 2, 999, 1000], ids=["one", "two", "999", "1000"])
def test_size_is_a_parameter(wards, n):
    assert len(generate_demo(wards, n_records=n, seed=1).records) == n


@pytest.mark.parametrize("n", [0, -5, 2.5], ids=["zero", "negative", "fraction"])
def test_size_must_be_positive_whole(wards, n):
    with pytest.raises(ValueError, match="n_records must be a positive whole number"):
        generate_demo(wards, n_records=n)


def test_every_record_lies_in_the_ward_it_names(demo, wards):
    r = demo.records
    assert (ward_codes_of(r[X].to_numpy(), r[Y].to_numpy(), wards) == r[WARD_CODE]).all()


def test_categories_come_from_the_controlled_lists(demo):
    for kind, group in demo.records.groupby(KIND):
        assert set(group[CATEGORY]) <= set(vocab.categories_for(kind))
        assert len(set(group[CATEGORY])) >= 5


def test_referrals_cluster_rather_than_spread_uniformly(demo):
    r = demo.records[demo.records[KIND] == "referral"]
    cells = np.floor(r[X] / 1000).astype(int) * 1000 + np.floor(r[Y] / 1000).astype(int)
    counts = cells.value_counts()
    # Index of dispersion: about 1 for a uniform (Poisson) field, far above for clusters.
    assert counts.var() / counts.mean() > 10


def test_weekly_rhythm(demo):
    r = demo.records
    days = pd.to_datetime(r[DATE])
    weekday = days.dt.day_of_week
    referrals = r[KIND] == "referral"
    per_weekday = weekday[referrals].value_counts().sort_index()
    assert per_weekday.loc[0:4].mean() > 1.8 * per_weekday.loc[5:6].mean()
    outreach = weekday[~referrals].value_counts().sort_index()
    assert outreach.loc[6] > outreach.loc[0]  # Sunday faith-venue visits


def test_campaign_week_brings_a_surge_of_outreach(demo):
    r = demo.records
    day = pd.to_datetime(r[DATE]).dt.date
    outreach = r[KIND] == "outreach"
    in_week = ((day >= CAMPAIGN_START) & (day <= CAMPAIGN_END) & outreach).sum()
    around = (
        (day >= CAMPAIGN_START - dt.timedelta(weeks=4))
        & (day < CAMPAIGN_START)
        & outreach
    ).sum() / 4
    assert in_week > 4 * around
    assert CAMPAIGN_START.weekday() == 6  # the campaign began on a Sunday


def test_planted_under_served_clusters_have_referrals_but_little_outreach(demo):
    r = demo.records
    assert {c.name for c in demo.under_served} == {"Colindale", "Cricklewood", "Whetstone"}
    ratios = {}
    for cluster in demo.planted:
        near = np.hypot(r[X] - cluster.x, r[Y] - cluster.y) < cluster.radius_m / 2
        refs = (near & (r[KIND] == "referral")).sum()
        outs = (near & (r[KIND] == "outreach")).sum()
        ratios[cluster.name] = (refs, outs / max(refs, 1))
    for cluster in demo.under_served:
        refs, ratio = ratios[cluster.name]
        assert refs > 100
        assert ratio < 0.35
    served = [ratios[c.name][1] for c in demo.planted if not c.under_served]
    assert np.median(served) > 0.6


def test_import_frame_is_marked_synthetic(demo):
    frame = demo_import_frame(demo)
    assert list(frame.columns) == [
        "source_id", "kind", "date", "category", "source", "easting", "northing",
        "age_group", "nationality_group", "synthetic",
    ]
    assert (frame["synthetic"] == SYNTHETIC_MARK).all()
    assert frame["date"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


def test_cli_writes_the_demo_csv(tmp_path, wards, capsys):
    settings = load_settings({"ATLAS_HOME": str(tmp_path)})
    save_wards(wards, settings.wards_cache)
    out = tmp_path / "demo.csv"
    assert main(["demo", "--records", "300", "--seed", "5", "--out", str(out)], settings) == 0
    frame = pd.read_csv(out)
    assert len(frame) == 300 and (frame["synthetic"] == SYNTHETIC_MARK).all()
    assert "Colindale" in capsys.readouterr().out


def test_cli_demo_without_boundaries_explains(tmp_path, capsys):
    settings = load_settings({"ATLAS_HOME": str(tmp_path)})
    assert main(["demo", "--out", str(tmp_path / "d.csv")], settings) == 2
    assert "wards --fetch" in capsys.readouterr().err  # says how to get boundaries
