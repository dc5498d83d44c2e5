"""The campaign verdict: rates per week before, during and after, and whether it worked."""

import datetime as dt

import numpy as np
import pytest

from analysis.dataset import build_atlas_data
from analysis.filters import Filters
from analysis.trends import (
    AFTER,
    DURING,
    about,
    campaign_periods,
    campaign_verdict,
    rate_change_p_value,
)
from geodata import demo as demo_module
from geodata.demo import generate_demo
from geodata.geography import build_geography
from geodata.release import (
    largest_noise_variance,
    perturbation_table,
    snap_to_weeks,
    window_of_bins,
)
from geodata.schema import OUTREACH, REFERRAL
from tests.helpers import make_records, toy_wards, with_record_keys

GEOGRAPHY = build_geography(toy_wards())
BEFORE, CAMPAIGN, AFTER_WINDOW = campaign_periods().values()
FAR_AWAY = [("outreach", dt.date(2022, 1, 4), "patrol", 0, 0, 0)]  # nothing near the campaign


def demo_data(seed=7, n=20_000):
    records = with_record_keys(generate_demo(GEOGRAPHY.wards, n_records=n, seed=seed).records)
    return build_atlas_data(GEOGRAPHY.wards, records, synthetic=True, version=f"d{seed}",
                            geomask_key=b"k", geography=GEOGRAPHY)


def change(verdict, measure, area, period):
    (found,) = [c for c in verdict.changes
                if (c.measure, c.area, c.period) == (measure, area, period)]
    return found


@pytest.fixture(scope="module")
def surge():
    return demo_data()


def test_the_demo_campaign_surge_is_found(surge):
    verdict = campaign_verdict(surge, Filters(CAMPAIGN))
    outreach = change(verdict, OUTREACH, "Barnet", DURING)
    assert outreach.finding == "rise" and outreach.then > 2.5 * outreach.before
    assert outreach.sentence.startswith("Outreach activities per week in Barnet rose from about")
    assert outreach.sentence.endswith("during the campaign; a change this large is unlikely "
                                      "by chance.")
    # the demo plants more referrals in the 6 weeks after the campaign, not during it
    referrals = change(verdict, REFERRAL, "Barnet", AFTER)
    assert referrals.finding == "rise"
    assert "unlikely by chance" in referrals.sentence
    assert change(verdict, OUTREACH, "Barnet", AFTER).finding == "could be chance"


def test_rates_come_from_released_counts_and_are_rounded(surge):
    code = GEOGRAPHY.ward_codes[3]
    filters = Filters(CAMPAIGN, wards=(code,), referral_categories=("labour", "sexual"))
    verdict = campaign_verdict(surge, filters)
    assert [(r.measure, r.area) for r in verdict.rates] == [
        (REFERRAL, "Barnet"), (REFERRAL, GEOGRAPHY.ward_names[3]),
        (OUTREACH, "Barnet"), (OUTREACH, GEOGRAPHY.ward_names[3]),
    ]
    borough, ward = verdict.rates[:2]
    for window, count, per_week, label in zip(verdict.periods, borough.counts,
                                              borough.per_week, borough.labels, strict=True):
        assert count == surge.release.total(window, ("labour", "sexual"))
        assert per_week == count / window.n_weeks
        assert label == about(per_week) and label.startswith("about ")
    assert ward.counts == tuple(surge.release.total(w, ("labour", "sexual"), [3])
                                for w in verdict.periods)
    table = verdict.table()
    assert list(table["Area"]) == ["Barnet", GEOGRAPHY.ward_names[3]] * 2
    assert table.iloc[0, 2] == borough.labels[0]
    assert len(verdict.sentences) == 8


def test_no_surge_is_not_called_significant(monkeypatch):
    monkeypatch.setattr(demo_module, "CAMPAIGN_OUTREACH_FACTOR", 1.0)
    monkeypatch.setattr(demo_module, "POST_CAMPAIGN_REFERRAL_FACTOR", 1.0)
    verdict = campaign_verdict(demo_data(), Filters(CAMPAIGN))
    assert {c.finding for c in verdict.changes} == {"could be chance"}
    assert all("could easily be chance" in s for s in verdict.sentences)


@pytest.mark.parametrize(("before", "then", "word", "finding"),
                         [(30, 5, "fell", "fall"), (5, 30, "rose", "rise")])
def test_the_sentence_follows_the_data(before, then, word, finding):
    rows = []
    for week in range(4):  # a steady rate in the 4 weeks before, another during
        day = BEFORE.start + dt.timedelta(weeks=week, days=1)
        rows += [("referral", day, "labour", 2, 0, 0)] * before
        rows += [("outreach", day, "patrol", 2, 0, 0)] * before
    for week in range(2):
        day = CAMPAIGN.start + dt.timedelta(weeks=week, days=1)
        rows += [("referral", day, "labour", 2, 0, 0)] * then
        rows += [("outreach", day, "patrol", 2, 0, 0)] * then
    data = build_atlas_data(GEOGRAPHY.wards, make_records(rows), synthetic=True, version="s",
                            geomask_key=b"k", geography=GEOGRAPHY)
    verdict = campaign_verdict(data, Filters(CAMPAIGN))
    for measure in (REFERRAL, OUTREACH):
        during = change(verdict, measure, "Barnet", DURING)
        assert during.finding == finding
        assert f" {word} from about " in during.sentence
        assert (during.then > during.before) == (word == "rose")
        after = change(verdict, measure, "Barnet", AFTER)  # nothing after: a fall
        assert after.finding == "fall" and " fell from about " in after.sentence


def test_too_few_records_are_not_tested():
    rows = [("referral", BEFORE.start, "labour", 0, 0, 0)] * 2
    data = build_atlas_data(GEOGRAPHY.wards, make_records(rows), synthetic=True, version="f",
                            geomask_key=b"k", geography=GEOGRAPHY)
    verdict = campaign_verdict(data, Filters(CAMPAIGN, wards=(GEOGRAPHY.ward_codes[0],)))
    assert {c.finding for c in verdict.changes} == {"too few to test"}
    assert all(c.p_value is None for c in verdict.changes)
    assert "too few records to tell a change from chance" in verdict.sentences[0]


def test_several_wards_are_named_and_periods_can_be_given():
    data = build_atlas_data(GEOGRAPHY.wards, make_records(FAR_AWAY), synthetic=True, version="e",
                            geomask_key=b"k", geography=GEOGRAPHY)
    codes = GEOGRAPHY.ward_codes
    first, last = CAMPAIGN.bins()
    periods = (window_of_bins(first - 4, first - 1), CAMPAIGN, window_of_bins(last + 1, last + 1))
    two = campaign_verdict(data, Filters(CAMPAIGN, wards=tuple(codes[:2])), periods)
    assert two.rates[1].area == f"{GEOGRAPHY.ward_names[0]} and {GEOGRAPHY.ward_names[1]}"
    assert two.periods == periods and "8 weeks before" in two.table().columns[2]
    many = campaign_verdict(data, Filters(CAMPAIGN, wards=tuple(codes[:5])))
    assert many.rates[1].area == "the 5 selected wards"
    every = campaign_verdict(data, Filters(CAMPAIGN, wards=tuple(codes)))
    assert [r.area for r in every.rates] == ["Barnet", "Barnet"]  # all wards: the borough
    assert every.sentences[0].startswith("Referrals per week in Barnet stayed at about 0")


def test_the_test_allows_for_the_release_noise():
    # Many small released cells: each count of 1-4 shows as 0 or 5-11. Ignoring that noise,
    # a Poisson test calls half of these no-change draws significant; allowing for the
    # largest noise a cell can carry keeps false alarms under the 5 % the page promises.
    table, noise = perturbation_table(), largest_noise_variance()
    rng = np.random.default_rng(1)
    with_noise, without, tested = 0, 0, 0
    for _ in range(300):
        a = int(table.release(rng.poisson(3, 4), rng.integers(0, 256, 4)).sum())
        b = int(table.release(rng.poisson(3, 2), rng.integers(0, 256, 2)).sum())
        tested += 1
        with_noise += rate_change_p_value(a, 4, b, 2, first_cells=4, second_cells=2,
                                          noise_variance=noise) < 0.05
        without += rate_change_p_value(a, 4, b, 2) < 0.05
    assert with_noise / tested <= 0.06
    assert without / tested > 0.3


def test_the_test_finds_a_real_change_and_is_exact_for_small_counts():
    noise = largest_noise_variance()
    assert noise == 18.0  # a count of 4 is the noisiest cell
    assert rate_change_p_value(400, 4, 300, 2, first_cells=2, second_cells=1,
                               noise_variance=noise) < 1e-6
    assert rate_change_p_value(400, 4, 210, 2, first_cells=2, second_cells=1,
                               noise_variance=noise) > 0.2
    assert rate_change_p_value(0, 4, 0, 2) == 1.0
    # no noise: the chance under one steady rate, summed exactly over Poisson counts
    p = rate_change_p_value(2, 4, 8, 2)
    from scipy import stats

    rate = 10 / 6
    a, b = np.arange(60)[:, None], np.arange(60)[None, :]
    far = np.abs(b / 2 - a / 4) >= abs(8 / 2 - 2 / 4) - 1e-12
    exact = (stats.poisson.pmf(a, rate * 4) * stats.poisson.pmf(b, rate * 2) * far).sum()
    assert p == pytest.approx(exact, rel=1e-9)
    with pytest.raises(ValueError, match="at least one week"):
        rate_change_p_value(1, 0, 1, 2)


def test_the_method_is_in_plain_english():
    data = build_atlas_data(GEOGRAPHY.wards, make_records(FAR_AWAY), synthetic=True, version="e",
                            geomask_key=b"k", geography=GEOGRAPHY)
    method = " ".join(campaign_verdict(data, Filters(CAMPAIGN)).method)
    assert "18 Sep 2023 – 1 Oct 2023" in method and "Sunday 24" in method
    assert "1 time in 20" in method and "fewer than 10 records" in method
    assert snap_to_weeks(dt.date(2023, 9, 24), dt.date(2023, 9, 30)) == CAMPAIGN


def test_the_release_says_how_many_cells_a_figure_adds_up():
    data = build_atlas_data(GEOGRAPHY.wards, make_records(FAR_AWAY), synthetic=True, version="e",
                            geomask_key=b"k", geography=GEOGRAPHY)
    release = data.release
    assert release.n_cells(CAMPAIGN) == 1  # one bin, the borough, all categories
    assert release.n_cells(CAMPAIGN, ("labour", "sexual"), [0, 1]) == 4
    assert release.n_cells(CAMPAIGN, (), list(range(24))) == 1  # every ward: the borough
    assert release.n_cells(BEFORE) == 1  # bins -2..-1: one aligned block of two
    assert release.n_cells(AFTER_WINDOW) == 2  # bins 1..2: two blocks of one
