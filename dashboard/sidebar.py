"""The filter sidebar shared by every page, drawn once per run by the entry point.

The view it shows is kept (across pages, and in the URL) by :mod:`dashboard.view_state`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from analysis.dataset import AtlasData
from analysis.filters import DATE_PRESETS, PRESET_CUSTOM
from analysis.views import synthetic_in_view
from dashboard import components, view_state
from dashboard.maps import Basemap, available_basemaps
from dashboard.url_state import LAYERS, MEASURES, ViewState, to_filters
from dashboard.view_state import KEYS, NO_INDICATOR
from geodata import vocab
from geodata.escaping import escape_markdown
from geodata.release import DEFAULT_POLICY
from geodata.schema import OUTREACH, REFERRAL
from geodata.ward_figures import POPULATION

# Streamlit applies a typed date only when the date field loses focus. This applies it once
# a whole date (with a four-digit year) has been typed and typing has paused: the calendar
# is closed and the focused part of the field blurred, which commits the date, and focused
# again at once, so the keyboard user stays where they were.
#
# A page link pressed while a date is being typed would race that commit: the page change
# could reach the server before the typed date, or the date's rerun after the page change
# (which then ran the old page). So a press on a sidebar page link while a date field has
# focus commits the date first, holds the link's click until the date is in the URL (the run
# with it has finished; at most a few seconds, for a date the field refuses) and then
# replays the click.
_COMMIT_TYPED_DATES = """<script>
(function () {
  if (window.atlasCommitTypedDates) { return; }
  window.atlasCommitTypedDates = true;
  var FIELD = '[data-testid="stSidebar"] [data-testid="stDateInputField"]';
  var LINK = '[data-testid="stSidebarNav"] a';
  var timer = null;
  var held = null;       // {field, param, date}: a date committed for a pressed page link
  var replaying = false;

  function typedDate(field) {
    var parts = {};
    var segments = field.querySelectorAll('[role="spinbutton"]');
    for (var i = 0; i < segments.length; i++) {
      if (!segments[i].hasAttribute("aria-valuenow")) { return null; }
      parts[segments[i].getAttribute("data-type")] = segments[i].textContent.trim();
    }
    if (!/^[0-9]{4}$/.test(parts.year || "")) { return null; }
    var pad = function (v) { return ("0" + v).slice(-2); };
    return parts.year + "-" + pad(parts.month) + "-" + pad(parts.day);
  }

  function paramOf(field) {
    var segment = field.querySelector('[role="spinbutton"]');
    var label = segment ? (segment.getAttribute("aria-label") || "") : "";
    return /To$/.test(label) ? "to" : "from";
  }

  function commit(active) {
    // Close the calendar first: with it open, leaving the field does not apply the date.
    active.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
    setTimeout(function () {
      active.blur();
      active.focus();
    }, 50);
  }

  function idle() {
    var app = document.querySelector('[data-testid="stApp"]');
    return !app || app.dataset.testScriptState === "notRunning";
  }

  document.addEventListener("keyup", function (event) {
    var target = event.target;
    var field = target && target.closest && target.closest(FIELD);
    if (!field) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      var active = document.activeElement;
      if (!field.contains(active) || !typedDate(field)) { return; }
      commit(active);
    }, 500);
  }, true);

  document.addEventListener("mousedown", function (event) {
    if (replaying || !event.target.closest || !event.target.closest(LINK)) { return; }
    var active = document.activeElement;
    var field = active && active.closest && active.closest(FIELD);
    if (!field) { return; }
    var date = typedDate(field);
    if (!date) { return; }
    event.preventDefault();  // keep the focus: the commit below leaves and returns to it
    clearTimeout(timer);
    held = {field: field, param: paramOf(field), date: date};
    commit(active);
  }, true);

  document.addEventListener("click", function (event) {
    if (replaying || !held) { return; }
    var link = event.target.closest && event.target.closest(LINK);
    if (!link) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();  // before Streamlit's own handler sees the click
    var waiting = held;
    held = null;
    var started = Date.now();
    (function replayWhenApplied() {
      var query = new URLSearchParams(window.location.search);
      var applied = query.get(waiting.param) === waiting.date && idle();
      if (!applied && Date.now() - started < 5000) {
        setTimeout(replayWhenApplied, 50);
        return;
      }
      replaying = true;
      try { link.click(); } finally { replaying = false; }
    })();
  }, true);
})();
</script>"""


def _layer_label(layer: str) -> str:
    return "Wards" if layer == "wards" else f"Grid, {layer.split('-')[1]} m cells"


def render_filters(data: AtlasData, *, map_controls: bool = True) -> ViewState:
    """Draw the shared filters in the sidebar, keep the view and write it to the URL.

    Called once per run by the entry point, before the page runs; pages read the result
    with :func:`dashboard.view_state.current`.

    Parameters
    ----------
    data : AtlasData
        For the ward list and the span of dates.
    map_controls : bool
        Whether to draw the Map's own controls (layer, measure, context layers, basemap).
        On other pages their last values are kept, in the view and in the URL.

    Returns
    -------
    ViewState
        The choices, also written to the URL.
    """
    base = view_state.begin_run(data)
    first, last = view_state.span(data)
    names = data.geography.ward_name_by_code
    with st.sidebar:
        st.header("Filters")
        preset = st.selectbox(
            "Dates", [*DATE_PRESETS, PRESET_CUSTOM], key=KEYS["preset"],
            format_func=str.capitalize,
        )
        if preset == PRESET_CUSTOM:
            _custom_dates(first, last)
        st.multiselect(
            "Wards", data.geography.ward_codes, key=KEYS["wards"],
            format_func=lambda c: names.get(c, c), placeholder="All wards",
        )
        st.write("Show")
        show_ref = st.checkbox("Referrals", key=KEYS[REFERRAL])
        show_out = st.checkbox("Outreach", key=KEYS[OUTREACH])
        st.multiselect(
            "Referral types", vocab.REFERRAL_CATEGORIES, key=KEYS["rcat"],
            placeholder="All types", disabled=not show_ref,
        )
        st.multiselect(
            "Outreach activities", vocab.OUTREACH_CATEGORIES, key=KEYS["ocat"],
            placeholder="All activities", disabled=not show_out,
        )
        if map_controls:
            layer = st.radio("Map by", LAYERS, key=KEYS["layer"], format_func=_layer_label)
            if data.ward_figures(POPULATION) and layer == "wards":
                st.radio(
                    "Colour wards by", MEASURES, key=KEYS["measure"], horizontal=True,
                    format_func=lambda m: "referrals" if m == "count" else "per 1,000 residents",
                )
            if data.crime is not None:
                _crime_choice(data.crime.crime_types)
            if data.indicator_names():
                st.selectbox(
                    "Context indicator", [NO_INDICATOR, *data.indicator_names()],
                    key=KEYS["indicator"],
                )
    state = view_state.view_from_widgets(st.session_state, base, map_controls=map_controls)
    if map_controls:
        # Controls not offered on this run (no population, no crime data...) are off.
        state = replace(
            state,
            measure=state.measure if state.layer == "wards" and data.ward_figures(POPULATION)
            else "count",
            crime=state.crime if data.crime is not None else None,
            indicator=state.indicator if data.indicator_names() else None,
        )
    view_state.finish_run(state)
    for notice in view_state.pop_notices():
        st.warning(escape_markdown(notice))
    filters = to_filters(state, first_day=first, last_day=last)
    if synthetic_in_view(data, filters):
        components.render_synthetic_banner()
    with st.sidebar:
        st.caption(f"Counting whole blocks of {DEFAULT_POLICY.bin_weeks} ISO weeks: "
                   f"{filters.window.describe()}.")
        if map_controls:
            _basemap_choice()
    return state


def _custom_dates(first: dt.date, last: dt.date) -> None:
    left, right = st.columns(2)
    start = left.date_input("From", key=KEYS["from"], min_value=first, max_value=last,
                            format="DD/MM/YYYY")
    end = right.date_input("To", key=KEYS["to"], min_value=first, max_value=last,
                           format="DD/MM/YYYY")
    st.html(_COMMIT_TYPED_DATES, unsafe_allow_javascript=True)
    if start and end and end < start:
        st.warning("The last day (To) is before the first (From): showing all dates "
                   "until it is after.")


def _crime_choice(crime_types: tuple[str, ...]) -> tuple[str, ...] | None:
    on = st.checkbox("Police.uk crime (context)", key=KEYS["crime_on"])
    types = st.multiselect(
        "Crime types", crime_types, key=KEYS["crime_types"], placeholder="All crime types",
        disabled=not on,
    )
    return tuple(types) if on else None


def _basemap_choice() -> None:
    options = [b.name for b in available_basemaps()]
    if st.session_state.get(KEYS["basemap"]) not in options:
        st.session_state[KEYS["basemap"]] = st.session_state.get(view_state.BASEMAP, options[0])
    if st.session_state[KEYS["basemap"]] not in options:
        st.session_state[KEYS["basemap"]] = options[0]
    name = st.selectbox(
        "Basemap", options, key=KEYS["basemap"],
        help="'None' needs no network. Tile servers receive the area you look at.",
    )
    st.session_state[view_state.BASEMAP] = name


def chosen_basemap() -> Basemap:
    """Return the basemap chosen on the Map page (default: none, which works offline)."""
    name = st.session_state.get(view_state.BASEMAP)
    options = available_basemaps()
    return next((b for b in options if b.name == name), options[0])
