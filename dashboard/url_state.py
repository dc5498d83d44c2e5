"""The view a planner has chosen, as URL query parameters, so a view can be shared.

Pure Python: parsing and writing the parameters does not need Streamlit. Invalid values
fall back to the defaults, each with a notice saying which parameter was ignored and what
was shown instead. A notice never quotes the value from the link: a link is written by
whoever sends it, and a notice is rendered as Markdown.

==========  ==================================================================
parameter   meaning
==========  ==================================================================
``dates``   ``last-4-weeks``, ``last-quarter``, ``campaign-week``, ``all`` or
            ``custom``
``from``    first day (ISO date) when ``dates=custom``
``to``      last day (ISO date) when ``dates=custom``
``wards``   comma-separated ward codes (all wards when absent)
``kinds``   ``referral``, ``outreach`` or both, comma-separated
``rcat``    referral categories, comma-separated (all when absent)
``ocat``    outreach categories, comma-separated (all when absent)
``layer``   ``wards`` or ``grid-250``, ``grid-500``, ``grid-1000``
``crime``   police.uk crime context: ``all`` or comma-separated crime types
``ind``     a context indicator per ward, by name
``measure`` ``count`` (default) or ``rate`` (per 1,000 residents)
==========  ==================================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from analysis.filters import (
    DATE_PRESETS,
    PRESET_ALL,
    PRESET_CUSTOM,
    Filters,
    preset_window,
)
from geodata import vocab
from geodata.grid import CELL_SIZES
from geodata.release import snap_to_weeks
from geodata.schema import KINDS, OUTREACH, REFERRAL

LAYER_WARDS = "wards"
MEASURES = ("count", "rate")
LAYERS = (LAYER_WARDS, *(f"grid-{size}" for size in CELL_SIZES))

_PRESET_SLUGS = {p: p.replace(" dates", "").replace(" ", "-") for p in DATE_PRESETS}
_PRESET_SLUGS[PRESET_CUSTOM] = PRESET_CUSTOM
_SLUG_PRESETS = {slug: p for p, slug in _PRESET_SLUGS.items()}


@dataclass(frozen=True)
class ViewState:
    """The sidebar's choices.

    Attributes
    ----------
    preset : str
        A date preset from :data:`analysis.filters.DATE_PRESETS`, or ``"custom"``.
    start, end : datetime.date or None
        The custom range (only with ``preset == "custom"``).
    wards : tuple of str
        Ward codes; empty means all.
    kinds : tuple of str
    referral_categories, outreach_categories : tuple of str
        Empty means all.
    layer : str
        One of :data:`LAYERS`.
    crime : tuple of str or None
        The police.uk context layer: ``None`` off, empty for every crime type.
    indicator : str or None
        A stored context indicator to show per ward.
    measure : {"count", "rate"}
        Colour wards by referral count or by referrals per 1,000 residents.
    """

    preset: str = PRESET_ALL
    start: dt.date | None = None
    end: dt.date | None = None
    wards: tuple[str, ...] = ()
    kinds: tuple[str, ...] = KINDS
    referral_categories: tuple[str, ...] = ()
    outreach_categories: tuple[str, ...] = ()
    layer: str = LAYER_WARDS
    crime: tuple[str, ...] | None = None
    indicator: str | None = None
    measure: str = "count"

    @property
    def cell_size(self) -> int | None:
        """The grid cell size of the layer, or ``None`` for the ward layer."""
        return None if self.layer == LAYER_WARDS else int(self.layer.split("-")[1])


DEFAULT_STATE = ViewState()


def _listed(raw: str | None) -> list[str]:
    return [v.strip() for v in (raw or "").split(",") if v.strip()]


def _pick(
    raw: str | None, allowed: Sequence[str], what: str, notices: list[str], *, key: str,
    fallback: str,
) -> tuple[str, ...] | None:
    values = _listed(raw)
    unknown = [v for v in values if v not in allowed]
    kept = tuple(v for v in allowed if v in values)
    if unknown:
        notices.append(
            f"Ignored {len(unknown)} unknown {what} in the link ({key}); "
            + ("kept the others." if kept else f"showing {fallback}.")
        )
    return kept or None


def parse_query(
    params: Mapping[str, str],
    *,
    ward_codes: Sequence[str],
    crime_types: Sequence[str] = (),
    indicators: Sequence[str] = (),
    span: tuple[dt.date, dt.date] | None = None,
) -> tuple[ViewState, list[str]]:
    """Read a view from URL query parameters.

    Parameters
    ----------
    params : mapping of str to str
        ``st.query_params`` or any dict of the same shape.
    ward_codes : sequence of str
        The wards that exist.
    crime_types : sequence of str
        The police.uk crime types in the data.
    indicators : sequence of str
        The names of the stored indicators.
    span : tuple of datetime.date, optional
        The first and last day of the data: custom dates are clamped to it, and dates
        wholly outside it fall back to all dates.

    Returns
    -------
    ViewState
        With defaults wherever a value was absent or invalid.
    list of str
        One notice per parameter that was ignored or changed, naming the parameter and
        what is shown instead, never quoting the value from the link.

    Examples
    --------
    >>> state, notices = parse_query({"dates": "soon", "kinds": "outreach"}, ward_codes=[])
    >>> state.preset, state.kinds
    ('all dates', ('outreach',))
    >>> notices
    ['Ignored an unknown date preset in the link (dates); showing all dates.']
    """
    notices: list[str] = []
    state = DEFAULT_STATE
    slug = params.get("dates")
    if slug is not None:
        if slug in _SLUG_PRESETS:
            state = replace(state, preset=_SLUG_PRESETS[slug])
        else:
            notices.append(
                "Ignored an unknown date preset in the link (dates); showing all dates."
            )
    if state.preset == PRESET_CUSTOM:
        start, end = _dates(params.get("from"), params.get("to"), notices, span)
        state = replace(state, start=start, end=end) if start else replace(state, preset=PRESET_ALL)
    wards = _pick(params.get("wards"), ward_codes, "ward code(s)", notices, key="wards",
                  fallback="all wards")
    if wards is not None:
        state = replace(state, wards=wards)
    kinds = _pick(params.get("kinds"), KINDS, "record kind(s)", notices, key="kinds",
                  fallback="referrals and outreach")
    if kinds is not None:
        state = replace(state, kinds=kinds)
    for key, kind, attr in (
        ("rcat", REFERRAL, "referral_categories"),
        ("ocat", OUTREACH, "outreach_categories"),
    ):
        cats = _pick(params.get(key), vocab.categories_for(kind), f"{kind} category(ies)",
                     notices, key=key, fallback=f"all {kind} categories")
        if cats is not None:
            state = replace(state, **{attr: cats})
    for key, attr, allowed, what, fallback in (
        ("layer", "layer", LAYERS, "map layer", "wards"),
        ("ind", "indicator", indicators, "indicator", "no indicator"),
        ("measure", "measure", MEASURES, "measure", "referral counts"),
    ):
        value = params.get(key)
        if value is not None and value in allowed:
            state = replace(state, **{attr: value})
        elif value is not None:
            notices.append(f"Ignored an unknown {what} in the link ({key}); showing {fallback}.")
    crime = params.get("crime")
    if crime == "all":
        state = replace(state, crime=())
    elif crime is not None:
        picked = _pick(crime, crime_types, "crime type(s)", notices, key="crime",
                       fallback="no crime layer")
        state = replace(state, crime=picked)
    return state, notices


def _dates(raw_from, raw_to, notices, span) -> tuple[dt.date | None, dt.date | None]:
    try:
        start = dt.date.fromisoformat(raw_from or "")
        end = dt.date.fromisoformat(raw_to or "")
    except ValueError:
        notices.append(
            "Ignored the custom dates in the link (from, to): they must be ISO dates such "
            "as 2023-09-18; showing all dates."
        )
        return None, None
    if end < start:
        notices.append(
            "Ignored the custom dates in the link: the last day (to) is before the first "
            "(from); showing all dates."
        )
        return None, None
    if span is None:
        return start, end
    first, last = span
    if end < first or start > last:
        notices.append(
            "Ignored the custom dates in the link (from, to): they are outside the data, "
            f"which run from {first:%d/%m/%Y} to {last:%d/%m/%Y}; showing all dates."
        )
        return None, None
    if start < first or end > last:
        start, end = max(start, first), min(end, last)
        notices.append(
            "The custom dates in the link (from, to) reached outside the data; showing "
            f"{start:%d/%m/%Y} to {end:%d/%m/%Y}."
        )
    return start, end


def to_query(state: ViewState) -> dict[str, str]:
    """Write a view as URL query parameters, leaving out whatever is the default.

    Parameters
    ----------
    state : ViewState

    Returns
    -------
    dict of str to str
    """
    query: dict[str, str] = {}
    if state.preset != DEFAULT_STATE.preset:
        query["dates"] = _PRESET_SLUGS[state.preset]
    if state.preset == PRESET_CUSTOM and state.start and state.end:
        query["from"], query["to"] = state.start.isoformat(), state.end.isoformat()
    for key, value, default in (
        ("wards", state.wards, DEFAULT_STATE.wards),
        ("kinds", state.kinds, DEFAULT_STATE.kinds),
        ("rcat", state.referral_categories, ()),
        ("ocat", state.outreach_categories, ()),
    ):
        if value != default:
            query[key] = ",".join(value)
    if state.layer != DEFAULT_STATE.layer:
        query["layer"] = state.layer
    if state.crime is not None:
        query["crime"] = ",".join(state.crime) or "all"
    if state.indicator is not None:
        query["ind"] = state.indicator
    if state.measure != DEFAULT_STATE.measure:
        query["measure"] = state.measure
    return query


def to_filters(state: ViewState, *, first_day: dt.date, last_day: dt.date) -> Filters:
    """Turn the sidebar's choices into analysis filters (whole ISO weeks).

    Parameters
    ----------
    state : ViewState
    first_day, last_day : datetime.date
        The span of the data, which date presets are relative to.

    Returns
    -------
    Filters
    """
    if state.preset == PRESET_CUSTOM and state.start and state.end:
        window = snap_to_weeks(state.start, state.end)
    else:
        preset = PRESET_ALL if state.preset == PRESET_CUSTOM else state.preset
        window = preset_window(preset, last_day, first_day=first_day)
    return Filters(
        window=window,
        wards=state.wards,
        kinds=state.kinds,
        referral_categories=state.referral_categories,
        outreach_categories=state.outreach_categories,
    )
