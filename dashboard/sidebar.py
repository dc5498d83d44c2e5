"""The filter sidebar shared by every page, kept in step with the URL."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analysis.dataset import AtlasData
from analysis.filters import DATE_PRESETS, PRESET_CUSTOM, Filters
from analysis.views import synthetic_in_view
from dashboard import components
from dashboard.maps import Basemap, available_basemaps
from dashboard.url_state import (
    LAYERS,
    MEASURES,
    ViewState,
    parse_query,
    to_filters,
    to_query,
)
from geodata import vocab
from geodata.escaping import escape_markdown
from geodata.release import DEFAULT_POLICY
from geodata.schema import OUTREACH, REFERRAL
from geodata.wardvalues import POPULATION

KEYS = {
    "preset": "f_preset",
    "dates": "f_dates",
    "wards": "f_wards",
    REFERRAL: "f_kind_referral",
    OUTREACH: "f_kind_outreach",
    "rcat": "f_rcat",
    "ocat": "f_ocat",
    "layer": "f_layer",
    "crime_on": "f_crime_on",
    "crime_types": "f_crime_types",
    "indicator": "f_indicator",
    "measure": "f_measure",
    "basemap": "f_basemap",
}
_NOTICES = "_url_notices"
_NO_INDICATOR = "none"


def _layer_label(layer: str) -> str:
    return "Wards" if layer == "wards" else f"Grid, {layer.split('-')[1]} m cells"


def _seed_from_url(data: AtlasData) -> None:
    """On a session's first run, put the URL's view into the widgets' state."""
    if KEYS["preset"] in st.session_state:
        return
    first, last = data.first_day or dt.date.today(), data.last_day or dt.date.today()
    state, notices = parse_query(
        st.query_params.to_dict(),
        ward_codes=data.geography.ward_codes,
        crime_types=data.crime.crime_types if data.crime else (),
        indicators=data.indicator_names(),
        span=(first, last),  # the date picker refuses a default outside its range
    )
    st.session_state[KEYS["preset"]] = state.preset
    st.session_state[KEYS["dates"]] = (state.start or first, state.end or last)
    st.session_state[KEYS["wards"]] = list(state.wards)
    st.session_state[KEYS[REFERRAL]] = REFERRAL in state.kinds
    st.session_state[KEYS[OUTREACH]] = OUTREACH in state.kinds
    st.session_state[KEYS["rcat"]] = list(state.referral_categories)
    st.session_state[KEYS["ocat"]] = list(state.outreach_categories)
    st.session_state[KEYS["layer"]] = state.layer
    st.session_state[KEYS["crime_on"]] = state.crime is not None
    st.session_state[KEYS["crime_types"]] = list(state.crime or ())
    st.session_state[KEYS["indicator"]] = state.indicator or _NO_INDICATOR
    st.session_state[KEYS["measure"]] = state.measure
    st.session_state[_NOTICES] = notices


def render_filters(data: AtlasData, *, layers: bool = True) -> tuple[ViewState, Filters]:
    """Draw the filters in the sidebar and return the chosen view.

    Parameters
    ----------
    data : AtlasData
        For the ward list and the span of dates.
    layers : bool
        Whether to offer the map-layer choice (map pages only).

    Returns
    -------
    ViewState
        The choices, also written to the URL.
    Filters
        The same, as analysis filters in whole ISO weeks.
    """
    _seed_from_url(data)
    first, last = data.first_day or dt.date.today(), data.last_day or dt.date.today()
    names = data.geography.ward_name_by_code
    with st.sidebar:
        st.header("Filters")
        preset = st.selectbox(
            "Dates", [*DATE_PRESETS, PRESET_CUSTOM], key=KEYS["preset"],
            format_func=str.capitalize,
        )
        start = end = None
        if preset == PRESET_CUSTOM:
            picked = st.date_input(
                "From and to", key=KEYS["dates"], min_value=first, max_value=last,
                format="DD/MM/YYYY",
            )
            if isinstance(picked, tuple | list) and len(picked) == 2:
                start, end = picked
        wards = st.multiselect(
            "Wards", data.geography.ward_codes, key=KEYS["wards"],
            format_func=lambda c: names.get(c, c), placeholder="All wards",
        )
        st.write("Show")
        show_ref = st.checkbox("Referrals", key=KEYS[REFERRAL])
        show_out = st.checkbox("Outreach", key=KEYS[OUTREACH])
        rcat = st.multiselect(
            "Referral types", vocab.REFERRAL_CATEGORIES, key=KEYS["rcat"],
            placeholder="All types", disabled=not show_ref,
        )
        ocat = st.multiselect(
            "Outreach activities", vocab.OUTREACH_CATEGORIES, key=KEYS["ocat"],
            placeholder="All activities", disabled=not show_out,
        )
        layer, crime, indicator, measure = "wards", None, None, "count"
        if layers:
            layer = st.radio("Map by", LAYERS, key=KEYS["layer"], format_func=_layer_label)
            if data.ward_figures(POPULATION) and layer == "wards":
                measure = st.radio(
                    "Colour wards by", MEASURES, key=KEYS["measure"], horizontal=True,
                    format_func=lambda m: "referrals" if m == "count" else "per 1,000 residents",
                )
            if data.crime is not None:
                crime = _crime_choice(data.crime.crime_types)
            if data.indicator_names():
                picked = st.selectbox(
                    "Context indicator", [_NO_INDICATOR, *data.indicator_names()],
                    key=KEYS["indicator"],
                )
                indicator = None if picked == _NO_INDICATOR else picked
    kinds = tuple(k for k, on in ((REFERRAL, show_ref), (OUTREACH, show_out)) if on)
    state = ViewState(
        preset=preset if (preset != PRESET_CUSTOM or start) else DATE_PRESETS[-1],
        start=start,
        end=end,
        wards=tuple(wards),
        kinds=kinds,
        referral_categories=tuple(rcat),
        outreach_categories=tuple(ocat),
        layer=layer,
        crime=crime,
        indicator=indicator,
        measure=measure,
    )
    query = to_query(state)
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)
    for notice in st.session_state.pop(_NOTICES, []):
        st.warning(escape_markdown(notice))
    filters = to_filters(state, first_day=first, last_day=last)
    if synthetic_in_view(data, filters):
        components.render_synthetic_banner()
    with st.sidebar:
        st.caption(f"Counting whole blocks of {DEFAULT_POLICY.bin_weeks} ISO weeks: "
                   f"{filters.window.describe()}.")
    return state, filters


def _crime_choice(crime_types: tuple[str, ...]) -> tuple[str, ...] | None:
    on = st.checkbox("Police.uk crime (context)", key=KEYS["crime_on"])
    types = st.multiselect(
        "Crime types", crime_types, key=KEYS["crime_types"], placeholder="All crime types",
        disabled=not on,
    )
    return tuple(types) if on else None


def render_basemap_choice() -> Basemap:
    """Offer the basemaps in the sidebar and return the chosen one (default: none)."""
    options = available_basemaps()
    with st.sidebar:
        name = st.selectbox(
            "Basemap", [b.name for b in options], key=KEYS["basemap"],
            help="'None' needs no network. Tile servers receive the area you look at.",
        )
    return next(b for b in options if b.name == name)
