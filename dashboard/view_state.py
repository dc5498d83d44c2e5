"""The planner's view: one state that every page reads, kept across pages and in the URL.

The entry point (``dashboard/app.py``) draws the filters once per run, before
``navigation.run()``, through :func:`dashboard.sidebar.render_filters`; pages never draw
them, they call :func:`current`. Because the widgets are created by the entry point, their
ids are the same on every page, so Streamlit keeps their values when the page changes.

Session-state keys (all of them live here)
------------------------------------------
==========================  ==========================================================
key                         holds
==========================  ==========================================================
``atlas_view``              :class:`~dashboard.url_state.ViewState`: the view of this run,
                            a plain (non-widget) value, so Streamlit never drops it
``atlas_view_query``        the query string (dict) last written to the URL
``atlas_basemap``           the chosen basemap's name (kept out of the URL)
``atlas_url_notices``       notices from reading a link, shown once
``f_preset`` ... ``f_*``    the widgets (:data:`KEYS`). A widget that is not drawn on a
                            run (the custom dates, the Map's own controls on other
                            pages) loses its key; :func:`begin_run` puts it back from
                            ``atlas_view``
==========================  ==========================================================

Where the view comes from, on each run (:func:`from_url`):

* the session's first run: the URL (a shared link);
* Back or Forward in the browser, to a URL other than the one last written: the URL;
* otherwise (a filter change, a page link, a rerun): the widgets, with ``atlas_view``
  filling in whatever is not drawn on this page. A page link's run starts with an empty
  query string; :func:`keep_query_on_page_change` (called by the entry point before
  ``st.navigation``) writes the view back first, so the new page's history entry has it.

At the end of the filters the view goes back to the URL (:func:`finish_run`), on every page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analysis.dataset import AtlasData
from analysis.filters import DATE_PRESETS, PRESET_ALL, PRESET_CUSTOM, Filters
from dashboard.url_state import ViewState, parse_query, to_filters, to_query
from geodata.schema import OUTREACH, REFERRAL

VIEW = "atlas_view"
QUERY = "atlas_view_query"
BASEMAP = "atlas_basemap"
NOTICES = "atlas_url_notices"

KEYS = {
    "preset": "f_preset",
    "from": "f_from",
    "to": "f_to",
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
NO_INDICATOR = "none"
MAP_ONLY = ("layer", "crime_on", "crime_types", "indicator", "measure")


def from_url(
    *, stored: ViewState | None, last_query: Mapping[str, str] | None,
    url: Mapping[str, str], history: bool,
) -> bool:
    """Say whether this run takes its view from the URL rather than from the session.

    Parameters
    ----------
    stored : ViewState or None
        The session's view, ``None`` on its first run.
    last_query : mapping or None
        The query string the app last wrote.
    url : mapping
        The query string of this run.
    history : bool
        Whether the run comes from the browser's Back or Forward.

    Returns
    -------
    bool

    Examples
    --------
    >>> from_url(stored=None, last_query=None, url={"dates": "all"}, history=False)
    True
    >>> from_url(stored=ViewState(), last_query={}, url={"wards": "E1"}, history=True)
    True
    >>> from_url(stored=ViewState(), last_query={"wards": "E1"}, url={}, history=False)
    False
    """
    if stored is None:
        return True
    return history and dict(url) != dict(last_query or {})


def widget_values(view: ViewState, *, first: dt.date, last: dt.date) -> dict[str, object]:
    """Return the value of every filter widget (by key) that shows ``view``.

    Parameters
    ----------
    view : ViewState
    first, last : datetime.date
        The span of the data: the custom dates default to it.

    Returns
    -------
    dict of str to object
    """
    return {
        KEYS["preset"]: view.preset,
        KEYS["from"]: view.start or first,
        KEYS["to"]: view.end or last,
        KEYS["wards"]: list(view.wards),
        KEYS[REFERRAL]: REFERRAL in view.kinds,
        KEYS[OUTREACH]: OUTREACH in view.kinds,
        KEYS["rcat"]: list(view.referral_categories),
        KEYS["ocat"]: list(view.outreach_categories),
        KEYS["layer"]: view.layer,
        KEYS["crime_on"]: view.crime is not None,
        KEYS["crime_types"]: list(view.crime or ()),
        KEYS["indicator"]: view.indicator or NO_INDICATOR,
        KEYS["measure"]: view.measure,
    }


def view_from_widgets(
    values: Mapping[str, object], base: ViewState, *, map_controls: bool
) -> ViewState:
    """Read the view from the widgets' values, keeping ``base`` for what was not drawn.

    Parameters
    ----------
    values : mapping
        Widget values by key (``st.session_state`` after the widgets are drawn).
    base : ViewState
        The view before this run: the Map's own controls come from it when they were not
        drawn (``map_controls=False``).
    map_controls : bool
        Whether the Map's controls (layer, measure, crime, indicator) were drawn.

    Returns
    -------
    ViewState
        Custom dates that are incomplete or in the wrong order count as all dates.
    """
    preset = values[KEYS["preset"]]
    start = end = None
    if preset == PRESET_CUSTOM:
        start, end = values.get(KEYS["from"]), values.get(KEYS["to"])
        if not (isinstance(start, dt.date) and isinstance(end, dt.date) and start <= end):
            preset, start, end = PRESET_ALL, None, None
    kinds = tuple(k for k in (REFERRAL, OUTREACH) if values.get(KEYS[k]))
    view = ViewState(
        preset=preset if preset in (*DATE_PRESETS, PRESET_CUSTOM) else PRESET_ALL,
        start=start,
        end=end,
        wards=tuple(values.get(KEYS["wards"]) or ()),
        kinds=kinds,
        referral_categories=tuple(values.get(KEYS["rcat"]) or ()),
        outreach_categories=tuple(values.get(KEYS["ocat"]) or ()),
        layer=base.layer,
        crime=base.crime,
        indicator=base.indicator,
        measure=base.measure,
    )
    if not map_controls:
        return view
    indicator = values.get(KEYS["indicator"], NO_INDICATOR)
    return ViewState(
        **{**view.__dict__,
           "layer": values.get(KEYS["layer"], base.layer),
           "measure": values.get(KEYS["measure"], base.measure),
           "crime": tuple(values.get(KEYS["crime_types"]) or ())
           if values.get(KEYS["crime_on"]) else None,
           "indicator": None if indicator == NO_INDICATOR else indicator},
    )


def span(data: AtlasData) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the data (today when there are no records)."""
    today = dt.date.today()
    return data.first_day or today, data.last_day or today


def _history_navigation() -> bool:
    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "is_history_navigation", False))


def begin_run(data: AtlasData) -> ViewState:
    """Before the filters are drawn: pick the view (URL or session) and set the widgets.

    Parameters
    ----------
    data : AtlasData
        For the ward codes, crime types, indicators and the span of dates.

    Returns
    -------
    ViewState
        The view the widgets now show.
    """
    state = st.session_state
    first, last = span(data)
    url = st.query_params.to_dict()
    if from_url(stored=state.get(VIEW), last_query=state.get(QUERY), url=url,
                history=_history_navigation()):
        view, notices = parse_query(
            url,
            ward_codes=data.geography.ward_codes,
            crime_types=data.crime.crime_types if data.crime else (),
            indicators=data.indicator_names(),
            span=(first, last),  # the date picker refuses a default outside its range
        )
        state[NOTICES] = notices
        state[VIEW] = view
        state[QUERY] = to_query(view)
        for key, value in widget_values(view, first=first, last=last).items():
            state[key] = value
        return view
    view = state[VIEW]
    for key, value in widget_values(view, first=first, last=last).items():
        if key not in state:  # not drawn on the last run, so Streamlit dropped it
            state[key] = value
    return view


def keep_query_on_page_change() -> None:
    """Before ``st.navigation``: put the session's view back in the URL a page link cleared.

    A page link starts its run with an empty query string, and the browser history gets the
    new page's address when the navigation message arrives. Written only at the end of the
    filters, the view could reach the browser after that address was pushed, leaving a
    history entry of the new page without the view (Back from Trends landed on bare
    ``/trends``, with every filter reset). Written here, before the navigation, the new
    page's address carries the view from the start. Nothing is written on the session's
    first run or on Back and Forward, where the URL is the view (:func:`from_url`).
    """
    state = st.session_state
    last = state.get(QUERY)
    if state.get(VIEW) is None or last is None or _history_navigation():
        return
    if st.query_params.to_dict() != dict(last):
        st.query_params.from_dict(last)


def finish_run(view: ViewState) -> None:
    """After the filters are drawn: keep the view for the pages and write it to the URL."""
    st.session_state[VIEW] = view
    query = to_query(view)
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)
    st.session_state[QUERY] = query


def current(data: AtlasData) -> tuple[ViewState, Filters]:
    """Return the view chosen in the sidebar on this run, and the same as analysis filters.

    Pages call this; the entry point has drawn the filters before the page runs.

    Parameters
    ----------
    data : AtlasData
        For the span of dates the presets are relative to.

    Returns
    -------
    ViewState
    Filters
        In whole ISO weeks.
    """
    view = st.session_state.get(VIEW) or ViewState()
    first, last = span(data)
    return view, to_filters(view, first_day=first, last_day=last)


def pop_notices() -> list[str]:
    """Return (once) the notices from reading the link this session was opened with."""
    return st.session_state.pop(NOTICES, [])
