"""One entry point for every export format, and the pack's priorities."""

from __future__ import annotations

import pandas as pd

from analysis.dataset import AtlasData
from analysis.filters import Filters
from analysis.plan import compute_priorities
from exports.html import render_html
from exports.printed import render_pdf, render_png
from exports.snapshot import Snapshot
from exports.tables import export_csv, export_geojson, ranking_table

FORMATS = ("png", "pdf", "html", "csv", "geojson")
MIME = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}
# The pack ranks wards as the Priorities page does by default.
PACK_PRIORITIES = {"cell_size": 500, "radius_m": 400, "sites": 5}
PRIORITIES_NOTE = (
    "Priorities: wards are ranked by their outreach gap, the referrals that their own "
    "outreach within {radius_m} m would not cover at the borough's usual rate of outreach "
    "per referral."
).format(**PACK_PRIORITIES)


def pack_priorities(data: AtlasData, filters: Filters) -> pd.DataFrame:
    """Return the wards ranked by outreach gap, as the pack's priorities table."""
    ranking = compute_priorities(data, filters, **PACK_PRIORITIES)
    return ranking_table(ranking.ward_gaps, "Ward")


def render(snapshot: Snapshot, fmt: str, data: AtlasData, **options) -> bytes:
    """Render one export format (see :data:`FORMATS`).

    Parameters
    ----------
    snapshot : Snapshot
    fmt : str
    data : AtlasData
        Its geography draws the areas; the PDF pack also reads its trends and ward pages.
    **options
        ``dpi`` and ``size_mm`` for PNG; ``priorities``, ``notes``, ``ward_pages`` and
        ``sections`` for PDF.

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        For an unknown format.
    """
    if fmt == "png":
        return render_png(snapshot, data.geography, **options)
    if fmt == "pdf":
        return render_pdf(snapshot, data.geography, data=data, **options)
    if fmt == "html":
        return render_html(snapshot, data.geography)
    if fmt == "csv":
        return export_csv(snapshot)
    if fmt == "geojson":
        return export_geojson(snapshot, data.geography)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def file_name(snapshot: Snapshot, fmt: str) -> str:
    """Name an export file by its date and view."""
    return f"barnet-atlas-{snapshot.exported_at:%Y%m%d-%H%M}.{fmt}"
