"""The Export panel under the map: prepare every format, download each, audit each.

The panel is drawn only while its expander is open (the Map page), so a filter click does
not redraw the form. Streamlit forgets a widget's value once it is not drawn, so what the
planner typed or chose here is kept under its own key and given back when the panel opens
again: closing the panel loses nothing.

A prepared file is released: Streamlit serves it under ``/media/`` whether or not its
button is clicked. So preparing writes one ``export`` entry per file in the audit log (who,
role, format, filters, marking), and a click adds a ``download`` entry.
"""

from __future__ import annotations

import streamlit as st

import exports
from analysis.dataset import AtlasData
from analysis.filters import Filters
from dashboard import cache, maps
from dashboard.auth import ANALYST, Access
from exports.snapshot import MAX_NOTES, MAX_TITLE
from geodata.settings import load_settings

_FILES = "_export_files"
PANEL = "x_export_open"  # the Map page's expander around the panel
_TRACK_VIEW = "x_track_view"


def tracking_view() -> bool:
    """Whether the open panel asks for the map's current view (read before the map is drawn).

    The switch's own value when Streamlit has it (on the rerun its click starts, before the
    switch is drawn again), else the value kept while the panel was closed.
    """
    state = st.session_state
    switch = state.get(_TRACK_VIEW, state.get(_kept_key(_TRACK_VIEW)))
    return bool(state.get(PANEL)) and bool(switch)


def _kept_key(key: str) -> str:
    return f"_kept_{key}"  # a plain key: Streamlit keeps it while the widget is not drawn


def _kept(widget, label: str, key: str, default, **kwargs):
    """Draw ``widget`` with the value it had when the panel was last open."""
    kept = _kept_key(key)
    st.session_state.setdefault(kept, default)
    if key not in st.session_state:  # forgotten while the panel was closed
        st.session_state[key] = st.session_state[kept]
    value = widget(label, key=key, **kwargs)
    st.session_state[kept] = value
    return value


def render_export_panel(
    data: AtlasData,
    filters: Filters,
    *,
    cell_size: int | None,
    extent: tuple[float, float, float, float] | None,
    basemap: maps.Basemap,
    access: Access,
) -> None:
    """Offer PNG, PDF, HTML, CSV and GeoJSON of the current view.

    Parameters
    ----------
    data : AtlasData
    filters : Filters
    cell_size : int or None
        The grid layer shown, if any.
    extent : tuple of float or None
        The map's bounds on screen (EPSG:27700), or ``None`` for the selected wards.
    basemap : Basemap
    access : Access
        Who is exporting (audit log; viewers get outreach per ward only).
    """
    st.caption(
        "Snapshots for briefings: a print-quality PNG, a PDF pack with the figures and the "
        "priorities, an HTML map that opens without internet, and the figures as CSV or "
        "GeoJSON. They hold the same released figures as the page, never individual records."
    )
    _kept(st.toggle, "Use the map's current view for exports", _TRACK_VIEW, False,
          help="Off: exports frame the selected wards, and panning the map costs nothing. "
          "On: every pan or zoom tells the server the new view.")
    title = _kept(st.text_input, "Title of the briefing", "x_title", exports.TITLE,
                  max_chars=MAX_TITLE)
    notes = _kept(st.text_area, "Notes for the briefing (printed in the PDF and the HTML)",
                  "x_notes", "", max_chars=MAX_NOTES)
    left, middle, right = st.columns(3)
    with left:
        marking = _kept(st.text_input, "Marking", "x_marking", load_settings().marking)
    with middle:
        dpi = _kept(st.select_slider, "PNG resolution (dpi)", "x_dpi", 200,
                    options=[100, 150, 200, 300])
    with right:
        ward_pages = _kept(st.checkbox, "PDF: a page for each selected ward", "x_ward_pages",
                           False, disabled=not filters.wards)
    wanted = (data.version, filters, cell_size, extent, marking, dpi, ward_pages, basemap.name,
              title, notes)
    if st.button("Prepare the downloads", key="x_prepare", type="primary"):
        snap = exports.prepare_snapshot(
            data, filters, cell_size=cell_size, extent=extent, marking=marking,
            basemap=basemap, outreach_detail=access.at_least(ANALYST), title=title,
            notes=notes,
        )
        options = {
            "png": {"dpi": dpi},
            "pdf": exports.pack_options(data, filters, ward_pages=ward_pages),
        }
        bar = st.progress(0.0, text="Preparing…")
        files = {}
        for i, fmt in enumerate(exports.FORMATS):
            bar.progress(i / len(exports.FORMATS), text=f"Preparing the {fmt.upper()}…")
            files[fmt] = (
                exports.render(snap, fmt, data, **options.get(fmt, {})),
                exports.file_name(snap, fmt),
            )
        bar.empty()
        record_prepared(cache.store(), access, files, snap.filters_text, snap.marking)
        st.session_state[_FILES] = (wanted, files, snap.filters_text, snap.marking)
    prepared = st.session_state.get(_FILES)
    if not prepared or prepared[0] != wanted:
        return
    _, files, filters_text, marking_text = prepared
    columns = st.columns(len(files))
    for column, (fmt, (content, name)) in zip(columns, files.items(), strict=True):
        column.download_button(
            f"Download {fmt.upper()}", content, file_name=name, mime=exports.MIME[fmt],
            key=f"x_download_{fmt}", on_click=_record,
            args=(access.user, fmt, name, filters_text, marking_text),
        )


def record_prepared(store, access: Access, files: dict[str, tuple[bytes, str]],
                    filters_text: str, marking: str) -> None:
    """Audit every prepared file: once prepared, it can be fetched without a click.

    Parameters
    ----------
    store : Store
    access : Access
        Who prepared the files, and in which role.
    files : dict
        Format to ``(content, file name)``.
    filters_text : str
        The view's filters in words.
    marking : str
        The marking printed on the files.
    """
    for fmt, (content, name) in files.items():
        store.audit(user=access.user, action="export", what=fmt,
                    details={"file": name, "filters": filters_text, "marking": marking,
                             "role": access.role, "bytes": len(content)})


def _record(user: str, fmt: str, name: str, filters_text: str, marking: str) -> None:
    cache.store().audit(user=user, action="download", what=fmt,
                        details={"file": name, "filters": filters_text, "marking": marking})
