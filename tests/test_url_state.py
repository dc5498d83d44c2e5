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
