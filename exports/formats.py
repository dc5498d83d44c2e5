"""One entry point for every export format, and the pack's priorities."""

from __future__ import annotations

import pandas as pd

from analysis.dataset import AtlasData
from analysis.filters import Filters
from analysis.outlook import next_week_summary
from analysis.priorities import DEFAULT_RADIUS_M, DEFAULT_SITES
from analysis.priorities_view import compute_priorities
from exports.html import render_html
from exports.printed import render_pdf, render_png
from exports.snapshot import Snapshot
from exports.tables import export_csv, export_geojson, ranking_table
from geodata.grid import DEFAULT_CELL_SIZE

FORMATS = ("png", "pdf", "html", "csv", "geojson")
MIME = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}
# The pack ranks wards as the Priorities page does by default.
PACK_PRIORITIES = {
    "cell_size": DEFAULT_CELL_SIZE, "radius_m": DEFAULT_RADIUS_M, "sites": DEFAULT_SITES,
}
PRIORITIES_NOTE = (
    "Priorities: wards are ranked by their outreach gap, the referrals that their own "
    "outreach within {radius_m} m would not cover at the borough's usual rate of outreach "
    "per referral."
).format(**PACK_PRIORITIES)


def pack_priorities(data: AtlasData, filters: Filters) -> pd.DataFrame:
    """Return the wards ranked by outreach gap, as the pack's priorities table."""
    ranking = compute_priorities(data, filters, **PACK_PRIORITIES)
    return ranking_table(ranking.ward_gaps, "Ward")


def pack_options(data: AtlasData, filters: Filters, *, ward_pages: bool = False) -> dict:
    """Return the PDF pack's options: its priorities, their note, the "next week" summary.

    The summary and its backtest use the same grid and radius as the priorities table.
    """
    return {
        "priorities": pack_priorities(data, filters),
        "notes": (PRIORITIES_NOTE,),
        "ward_pages": ward_pages,
        "outlook": next_week_summary(data, filters, cell_size=PACK_PRIORITIES["cell_size"],
                                     radius_m=PACK_PRIORITIES["radius_m"]),
    }


def render(snapshot: Snapshot, fmt: str, data: AtlasData, **options) -> bytes:
    """Render one export format (see :data:`FORMATS`).

    Parameters
    ----------
    snapshot : Snapshot
    fmt : str
    data : AtlasData
        Its geography draws the areas; the PDF pack also reads its trends and ward pages.
    **options
        ``dpi`` and ``size_mm`` for PNG; ``priorities``, ``notes``, ``ward_pages``,
        ``sections`` and ``outlook`` for PDF (:func:`pack_options`).

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
