"""Two worlds that differ only in the planted secret must look the same through every view.

The intruder's attacks in the issue (the smoothed surface's bandwidth inverted from the
method text, rank orders across sweeps of radius and outreach categories, the period
comparison's "too few to test" threshold, the map's counts, classes and legend, every
export) all work by computing something from the exact count in the planted cell. Here the
planted fortnight/ward/category holds 0 referrals in one world and 2 in the other (or 2 and
3, or 1 and 4), with record keys such that the release gives the planted cells the same
value in both. Every output of the functions the pages and exports call, over those sweeps,
must then be identical: whatever an intruder computes from them cannot tell the worlds
apart. Any figure computed from exact counts (as the bandwidth and the gap order were
before the release layer) makes these tests fail.
"""

import datetime as dt
import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from analysis.priorities_view import compute_priorities
from analysis.trends import block_series, campaign_periods, campaign_verdict, compare_periods
from analysis.views import compute_map_view
from exports import prepare_snapshot, printed, tables
from geodata.release import window_of_bins
from tests.adversarial.scene import (
    GEOGRAPHY,
    TARGET_WARD,
    TARGET_WINDOW,
    TWINS,
    look_alike,
    target_filters,
    world,
)

EXPORTED_AT = dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC)
def neighbours():
    codes = GEOGRAPHY.ward_codes
    return (codes[TARGET_WARD],), (codes[TARGET_WARD], codes[TARGET_WARD + 1])


def map_outputs(data):
    out = []
    for wards in ((), *neighbours()):
        for cell_size in (None, 250, 500, 1000):
            view = compute_map_view(data, target_filters(wards=wards), cell_size=cell_size)
            out.append((view.wards.table(), view.cells.table() if view.cells else None,
                        view.referrals_total, view.outreach_total, view.wards_with_activity,
                        None if view.outreach_points is None else view.outreach_points.tobytes()))
    return out


def priority_outputs(data):
    out = []
    for cell_size, radius, outreach in ((250, 200, ()), (500, 1000, ("patrol",)),
                                        (1000, 600, ())):
        filters = target_filters(outreach_categories=outreach)
        result = compute_priorities(data, filters, cell_size=cell_size, radius_m=radius,
                                    sites=3)
        out.append((result.hotspot_classes, result.stable, result.ward_hotspot_classes,
                    result.ward_gaps, result.cell_gaps, result.sites.chosen,
                    result.sites.covered, result.sites.current, result.sites.per_site,
                    result.density.bandwidth_m, result.density.classes))
    return out


def trend_outputs(data):
    first, last = TARGET_WINDOW.bins()
    wide = target_filters(window=window_of_bins(first - 6, last + 3))
    before = window_of_bins(first - 2, first - 1)
    periods = campaign_periods()
    return [
        block_series(data, wide, "referral"),
        block_series(data, replace(wide, wards=neighbours()[1]), "referral"),
        compare_periods(data, target_filters(), before, TARGET_WINDOW, GEOGRAPHY.ward_weights),
        compare_periods(data, target_filters(), TARGET_WINDOW, periods["campaign week"],
                        GEOGRAPHY.ward_weights),
        # the campaign verdict with the planted fortnight as "during": its rates, tests,
        # "too few to test" threshold and sentences, for the borough and the ward(s)
        *(campaign_verdict(data, target_filters(wards=wards),
                           (before, TARGET_WINDOW, window_of_bins(last + 1, last + 2)))
          for wards in ((), *neighbours())),
        campaign_verdict(data, target_filters(referral_categories=())),
    ]


def export_outputs(data):
    out = []
    for cell_size, detail in ((None, False), (500, True)):
        snap = prepare_snapshot(data, target_filters(wards=neighbours()[1]),
                                         cell_size=cell_size, exported_at=EXPORTED_AT,
                                         outreach_detail=detail)
        out += [tables.export_csv(snap), tables.export_geojson(snap, GEOGRAPHY)]
        pdf = printed.render_pdf(snap, GEOGRAPHY, ward_pages=True, data=data)
        out.append([page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages])
    return out


@pytest.mark.parametrize("twins", list(TWINS))
def test_map_views_cannot_tell_the_worlds_apart(twins):
    assert look_alike(map_outputs, twins)


@pytest.mark.parametrize("twins", ["0-or-2", "2-or-3"])
def test_priorities_sweeps_cannot_tell_the_worlds_apart(twins):
    # bandwidth inversion, gap ranks over radius / cell size / outreach categories,
    # hot spots and recommended sites
    assert look_alike(priority_outputs, twins)


@pytest.mark.parametrize("twins", list(TWINS))
def test_trends_and_test_thresholds_cannot_tell_the_worlds_apart(twins):
    assert look_alike(trend_outputs, twins)


def test_exports_cannot_tell_the_worlds_apart():
    assert look_alike(export_outputs, "2-or-3")


def test_the_worlds_do_differ_where_the_planted_records_meet_others():
    # The twins are real: with all categories, the planted records share a cell with
    # other referrals, so that cell's released value is drawn afresh. This is noise,
    # which the differencing tests measure.
    results = []
    for seed in range(8):
        a, b = world(2, key_seed=seed), world(3, key_seed=seed)
        filters = target_filters(referral_categories=())
        results.append(compute_map_view(a, filters).wards.referrals.values[TARGET_WARD]
                       != compute_map_view(b, filters).wards.referrals.values[TARGET_WARD])
    assert any(results)
