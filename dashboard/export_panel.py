"""The Export panel under the map: prepare every format, download each, audit each.

A prepared file is released: Streamlit serves it under ``/media/`` whether or not its
button is clicked. So preparing writes one ``export`` entry per file in the audit log (who,
role, format, filters, marking), and a click adds a ``download`` entry.
"""

from __future__ import annotations

import streamlit as st

from analysis.dataset import AtlasData
from analysis.filters import Filters
from analysis.plan import compute_priorities
from dashboard import cache, maps, snapshot
from dashboard.auth import ANALYST, Access
from dashboard.components import ranking_table
from dashboard.export import PDF_NOTES

_FILES = "_export_files"


def render_export_panel(
    data: AtlasData,
    geometry: maps.MapGeometry,
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
    geometry : MapGeometry
    filters : Filters
    cell_size : int or None
        The grid layer shown, if any.
    extent : tuple of float or None
        The map's bounds on screen (EPSG:27700), or ``None`` for the selected wards.
    basemap : Basemap
    access : Access
        Who is exporting (audit log; viewers get outreach per ward only).
    """
    st.subheader("Export this view")
    st.caption(
        "Snapshots for briefings: a print-quality PNG, a PDF pack with the figures and the "
        "priorities, an HTML map that opens without internet, and the figures as CSV or "
        "GeoJSON. They hold the same released figures as the page, never individual records."
    )
    left, middle, right = st.columns(3)
    marking = left.text_input("Marking", value=snapshot.DEFAULT_MARKING, key="x_marking")
    dpi = middle.select_slider("PNG resolution (dpi)", [100, 150, 200, 300], value=200,
                               key="x_dpi")
    ward_pages = right.checkbox("PDF: a page for each selected ward", key="x_ward_pages",
                                disabled=not filters.wards)
    wanted = (data.version, filters, cell_size, extent, marking, dpi, ward_pages, basemap.name)
    if st.button("Prepare the downloads", key="x_prepare", type="primary"):
        snap = snapshot.prepare_snapshot(
            data, filters, cell_size=cell_size, extent=extent, marking=marking,
            basemap=basemap, outreach_detail=access.at_least(ANALYST),
        )
        ranking = compute_priorities(data, filters)
        options = {
            "png": {"dpi": dpi},
            "pdf": {"priorities": ranking_table(ranking.ward_gaps, "Ward"), "notes": PDF_NOTES,
                    "ward_pages": ward_pages},
        }
        bar = st.progress(0.0, text="Preparing…")
        files = {}
        for i, fmt in enumerate(snapshot.FORMATS):
            bar.progress(i / len(snapshot.FORMATS), text=f"Preparing the {fmt.upper()}…")
            files[fmt] = (
                snapshot.render(snap, fmt, data, geometry, **options.get(fmt, {})),
                snapshot.file_name(snap, fmt),
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
            f"Download {fmt.upper()}", content, file_name=name, mime=snapshot.MIME[fmt],
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
