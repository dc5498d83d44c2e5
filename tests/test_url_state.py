import datetime as dt

import pytest

from dashboard.url_state import DEFAULT_STATE, ViewState, parse_query, to_filters, to_query
from geodata.schema import BARNET_WARD_CODES

CODES = BARNET_WARD_CODES


@pytest.mark.parametrize(
    "state",
    [
        DEFAULT_STATE,
        ViewState(preset="campaign week", wards=CODES[:3], kinds=("referral",)),
        ViewState(
            preset="custom", start=dt.date(2023, 9, 1), end=dt.date(2023, 10, 15),
            referral_categories=("labour", "sexual"), outreach_categories=("patrol",),
            layer="grid-250",
        ),
        ViewState(crime=("Burglary", "Drugs"), indicator="Born in Romania", measure="rate"),
        ViewState(crime=()),
    ],
    ids=["default", "campaign-wards", "custom-everything", "context-layers", "all-crime"],
)
def test_round_trip(state):
    query = to_query(state)
    assert all(isinstance(v, str) for v in query.values())
    parsed, notices = parse_query(query, ward_codes=CODES, crime_types=("Burglary", "Drugs"),
                                  indicators=("Born in Romania",))
    assert parsed == state and notices == []


def test_default_view_has_an_empty_query():
    assert to_query(DEFAULT_STATE) == {}


@pytest.mark.parametrize(
    ("params", "field", "notice"),
    [
        ({"dates": "yesterday"}, "preset", "unknown date preset"),
        ({"wards": "E05013628,E09999999"}, "wards", "ward code(s) in the link (wards)"),
        ({"kinds": "victims"}, "kinds", "unknown record kind"),
        ({"rcat": "labour,juggling"}, "referral_categories", "referral category"),
        ({"layer": "grid-7"}, "layer", "unknown map layer"),
        ({"ind": "Nonsense"}, "indicator", "unknown indicator"),
        ({"measure": "speed"}, "measure", "unknown measure"),
        ({"dates": "custom", "from": "2023-13-01", "to": "2023-10-01"}, "preset", "ISO dates"),
        ({"dates": "custom", "from": "2023-10-02", "to": "2023-10-01"}, "preset", "is before"),
    ],
    ids=["preset", "ward", "kind", "category", "layer", "indicator", "measure", "bad-date",
         "reversed-dates"],
)
def test_invalid_values_fall_back_with_a_notice(params, field, notice):
    state, notices = parse_query(params, ward_codes=CODES)
    assert len(notices) == 1 and notice in notices[0]
    assert "showing" in notices[0] or "kept the others" in notices[0]  # says what is shown
    if field == "wards":
        assert state.wards == ("E05013628",)  # the valid part is kept
    elif field == "referral_categories":
        assert state.referral_categories == ("labour",)
    else:
        assert getattr(state, field) == getattr(DEFAULT_STATE, field)


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        (dt.date(2023, 9, 20), dt.date(2023, 9, 27), dt.date(2023, 9, 18), dt.date(2023, 10, 1)),
        # a week in the second half of a bin is not widened backwards into the bin before
        (dt.date(2023, 9, 27), dt.date(2023, 9, 28), dt.date(2023, 9, 18), dt.date(2023, 10, 1)),
        # two days across a bin boundary take both bins
        (dt.date(2023, 10, 1), dt.date(2023, 10, 2), dt.date(2023, 9, 18), dt.date(2023, 10, 15)),
        (dt.date(2023, 9, 17), dt.date(2023, 9, 17), dt.date(2023, 9, 4), dt.date(2023, 9, 17)),
    ],
    ids=["within-one-bin", "second-week-of-a-bin", "across-a-boundary", "bin-before-anchor"],
)
def test_to_filters_snaps_custom_dates_to_fixed_bins(start, end, first, last):
    state = ViewState(preset="custom", start=start, end=end)
    filters = to_filters(state, first_day=dt.date(2023, 1, 2), last_day=dt.date(2024, 3, 31))
    assert (filters.window.start, filters.window.end) == (first, last)


HOSTILE = {
    "image": "![x](http://127.0.0.1:9/x.png)",
    "link": "[sign in again](http://127.0.0.1:9/login)",
    "directive": ":red[alarm]",
    "latex": "$x$",
}


@pytest.mark.parametrize("key", ["dates", "wards", "kinds", "rcat", "ocat", "layer", "crime",
                                 "ind", "measure", "from"])
@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_notices_never_quote_the_link(key, value):
    params = {"dates": "custom", "from": "2023-09-01", "to": "2023-10-01", key: value}
    state, notices = parse_query(params, ward_codes=CODES, crime_types=("Drugs",),
                                 indicators=("Born in Romania",))
    assert len(notices) == 1 and f"({key}" in notices[0]  # names the parameter
    assert value not in notices[0]
    for part in ("127.0.0.1", "sign in", "x.png", "red[", "$"):
        assert part not in notices[0]


SPAN = (dt.date(2023, 1, 2), dt.date(2024, 3, 31))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2022-12-01", "2023-12-31", (dt.date(2023, 1, 2), dt.date(2023, 12, 31))),
        ("0001-01-01", "9999-12-31", SPAN),
        ("2024-03-01", "2025-01-01", (dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
        ("2030-01-01", "2030-02-01", None),
        ("1900-01-01", "1900-02-01", None),
    ],
    ids=["starts-before", "year-1-to-9999", "ends-after", "after", "before"],
)
def test_custom_dates_outside_the_data_are_clamped_or_dropped(start, end, expected):
    state, notices = parse_query({"dates": "custom", "from": start, "to": end},
                                 ward_codes=CODES, span=SPAN)
    assert len(notices) == 1 and "outside the data" in notices[0]
    if expected is None:
        assert state.preset == DEFAULT_STATE.preset and state.start is None
    else:
        assert state.preset == "custom" and (state.start, state.end) == expected
    to_filters(state, first_day=SPAN[0], last_day=SPAN[1])  # and the filters can be built


def test_custom_dates_inside_the_data_need_no_notice():
    state, notices = parse_query({"dates": "custom", "from": "2023-09-01", "to": "2023-10-01"},
                                 ward_codes=CODES, span=SPAN)
    assert notices == [] and state.start == dt.date(2023, 9, 1)


# The shared view (dashboard/view_state.py): where a run takes its view from, and the widgets.

from dashboard.view_state import KEYS, from_url, view_from_widgets, widget_values  # noqa: E402

FIRST, LAST = dt.date(2023, 1, 2), dt.date(2023, 12, 31)
PLANNED = ViewState(preset="campaign week", wards=CODES[:2], kinds=("referral",),
                    referral_categories=("labour",), layer="grid-500", measure="count")


@pytest.mark.parametrize(
    ("stored", "last", "url", "history", "expected"),
    [
        (None, None, {}, False, True),  # first run of a session: a shared link
        (PLANNED, {"dates": "campaign-week"}, {}, False, False),  # a page link dropped the query
        (PLANNED, {"dates": "campaign-week"}, {"dates": "all"}, False, False),  # not Back: keep
        (PLANNED, {"dates": "campaign-week"}, {"dates": "campaign-week"}, True, False),
        (PLANNED, {"dates": "campaign-week"}, {}, True, True),  # Back to the default view
        (PLANNED, {}, {"wards": CODES[0]}, True, True),  # Forward to a link with a ward
    ],
    ids=["first-run", "page-link", "rerun", "back-same-url", "back-to-default", "forward"],
)
def test_the_view_comes_from_the_url_only_on_a_first_run_or_back(stored, last, url, history,
                                                                 expected):
    assert from_url(stored=stored, last_query=last, url=url, history=history) is expected


@pytest.mark.parametrize("map_controls", [True, False])
def test_widgets_round_trip_the_view(map_controls):
    values = widget_values(PLANNED, first=FIRST, last=LAST)
    assert view_from_widgets(values, ViewState(), map_controls=True) == PLANNED
    # Without the Map's controls drawn, the layer and context come from the previous view.
    shared_only = {k: v for k, v in values.items() if k not in
                   {KEYS[name] for name in ("layer", "crime_on", "crime_types", "indicator",
                                            "measure")}}
    view = view_from_widgets(shared_only if not map_controls else values, PLANNED,
                             map_controls=map_controls)
    assert view == PLANNED


def test_map_controls_not_drawn_keep_the_previous_layer_and_context():
    before = ViewState(layer="grid-250", crime=("Drugs",), indicator="Born in Romania",
                       measure="rate")
    values = widget_values(ViewState(preset="last 4 weeks", wards=CODES[3:4]),
                           first=FIRST, last=LAST)
    view = view_from_widgets(values, before, map_controls=False)
    assert (view.preset, view.wards) == ("last 4 weeks", CODES[3:4])
    assert (view.layer, view.crime, view.indicator, view.measure) == (
        "grid-250", ("Drugs",), "Born in Romania", "rate")


def test_custom_dates_from_the_widgets():
    custom = ViewState(preset="custom", start=dt.date(2023, 9, 4), end=dt.date(2023, 9, 24))
    values = widget_values(custom, first=FIRST, last=LAST)
    assert values[KEYS["from"]] == dt.date(2023, 9, 4) and values[KEYS["to"]] == dt.date(
        2023, 9, 24)
    assert view_from_widgets(values, ViewState(), map_controls=False) == custom
    # A preset view still gives the date fields the data's span, for when Custom is picked.
    preset = widget_values(ViewState(), first=FIRST, last=LAST)
    assert (preset[KEYS["from"]], preset[KEYS["to"]]) == (FIRST, LAST)


@pytest.mark.parametrize(
    ("start", "end"),
    [(dt.date(2023, 9, 24), dt.date(2023, 9, 4)), (None, dt.date(2023, 9, 4)), (None, None)],
    ids=["reversed", "no-start", "empty"],
)
def test_unusable_custom_dates_count_as_all_dates(start, end):
    values = widget_values(ViewState(), first=FIRST, last=LAST)
    values.update({KEYS["preset"]: "custom", KEYS["from"]: start, KEYS["to"]: end})
    view = view_from_widgets(values, ViewState(), map_controls=False)
    assert (view.preset, view.start, view.end) == ("all dates", None, None)
    assert "dates" not in to_query(view)


def test_unticking_both_kinds_is_kept_and_written():
    values = widget_values(ViewState(), first=FIRST, last=LAST)
    values.update({KEYS["referral"]: False, KEYS["outreach"]: False})
    view = view_from_widgets(values, ViewState(), map_controls=False)
    assert view.kinds == () and to_query(view)["kinds"] == ""
