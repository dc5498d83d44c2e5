"""Exports of a map view for briefings: PNG, PDF, self-contained HTML, CSV and GeoJSON.

Every export is built from the same :class:`Snapshot`: the released figures of one view
(never individual records), the filters in words, the dates of the data and of the export,
the attributions and a marking line ("OFFICIAL-SENSITIVE", and "SYNTHETIC DEMO DATA" when
the data are the demo). Maps are drawn on the server in British National Grid, so the
scale bar is exact.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import textwrap
from dataclasses import dataclass, field, replace

import matplotlib

matplotlib.use("Agg")  # noqa: E402 - a server has no screen

import folium  # noqa: E402
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar  # noqa: E402

from analysis.dataset import AtlasData  # noqa: E402
from analysis.filters import Filters  # noqa: E402
from analysis.views import (  # noqa: E402
    OUTREACH_POINT_CAP,
    MapView,
    compute_map_view,
    synthetic_in_view,
)
from dashboard import assets, maps  # noqa: E402
from dashboard.classes import Classified, classify_counts  # noqa: E402
from dashboard.components import area_table  # noqa: E402
from geodata.demo import SYNTHETIC_MARK  # noqa: E402
from geodata.escaping import csv_safe_frame, escape_mathtext, escape_text  # noqa: E402
from geodata.release import DEFAULT_POLICY  # noqa: E402
from geodata.schema import CRS_METRIC, CRS_WGS84, OUTREACH  # noqa: E402

FORMATS = ("png", "pdf", "html", "csv", "geojson")
MIME = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}
DEFAULT_MARKING = os.environ.get("ATLAS_MARKING", "OFFICIAL-SENSITIVE")
MAX_DPI = 300
A4_LANDSCAPE_MM = (297.0, 210.0)
TITLE = "Barnet Outreach Atlas: referrals and outreach"
plt.rcParams["pdf.fonttype"] = 42  # embed TrueType, so the PDF's text can be read back


@dataclass(frozen=True)
class Snapshot:
    """One view, ready to export: released figures and the words around them."""

    view: MapView
    classified: Classified | None
    cell_size: int | None
    extent: tuple[float, float, float, float]
    filters_text: str
    data_date: str
    exported_at: dt.datetime
    marking: str
    attributions: tuple[str, ...]
    basemap: maps.Basemap = field(default=maps.NO_BASEMAP)
    point_cap: int = OUTREACH_POINT_CAP
    outreach_detail: bool = True

    @property
    def areas(self):
        """The areas drawn: wards or grid cells."""
        return self.view.cells if self.cell_size else self.view.wards

    def header_lines(self) -> list[str]:
        """Return the marking, filters and dates, as printed on every export."""
        return [
            self.marking,
            f"Filters: {self.filters_text}",
            f"Data to {self.data_date}; exported {self.exported_at:%d %b %Y %H:%M} UTC",
        ]


def prepare_snapshot(
    data: AtlasData,
    filters: Filters,
    *,
    cell_size: int | None = None,
    extent: tuple[float, float, float, float] | None = None,
    marking: str = DEFAULT_MARKING,
    basemap: maps.Basemap = maps.NO_BASEMAP,
    exported_at: dt.datetime | None = None,
    point_cap: int | None = None,
    outreach_detail: bool = True,
) -> Snapshot:
    """Compute the released view behind an export.

    Parameters
    ----------
    data : AtlasData
    filters : Filters
    cell_size : int, optional
        A grid layer instead of wards.
    extent : tuple of float, optional
        ``minx, miny, maxx, maxy`` in EPSG:27700 (the map's bounds on screen); defaults to
        the selected wards.
    marking : str
        The protective marking printed at the top and bottom.
    basemap : Basemap
        Tiles under the map, when configured and reachable.
    exported_at : datetime, optional
        Defaults to now (UTC).
    point_cap : int, optional
        Most outreach points to draw; above it, outreach is drawn per ward.
    outreach_detail : bool
        Masked points and outreach per grid cell (analysts); ``False``: outreach per ward
        only, as viewers see it. Every page of a pack keeps it.

    Returns
    -------
    Snapshot
    """
    point_cap = OUTREACH_POINT_CAP if point_cap is None else point_cap
    view = compute_map_view(data, filters, cell_size=cell_size, point_cap=point_cap,
                            outreach_detail=outreach_detail)
    areas = view.cells if cell_size else view.wards
    classified = classify_counts(areas.referrals) if areas.referrals is not None else None
    if extent is None:
        extent = tuple(data.geography.wards.geometry.iloc[view.wards.positions].total_bounds)
    names = dict(zip(data.geography.ward_codes, data.geography.ward_names, strict=True))
    marks = [marking.strip()] if marking.strip() else []
    if synthetic_in_view(data, filters):
        marks.append(SYNTHETIC_MARK)
    attributions = [maps.ONS_ATTRIBUTION]
    if basemap.tiles:
        attributions.append(f"Basemap: {basemap.attribution}.")
    return Snapshot(
        view=view,
        classified=classified,
        cell_size=cell_size,
        extent=tuple(float(v) for v in extent),
        filters_text=filters.describe(names),
        data_date=data.last_day.strftime("%d %b %Y") if data.last_day else "no data",
        exported_at=exported_at or dt.datetime.now(dt.UTC),
        marking=" — ".join(marks) or "UNMARKED",
        attributions=tuple(attributions),
        basemap=basemap,
        point_cap=point_cap,
        outreach_detail=outreach_detail,
    )


# --------------------------------------------------------------------------- tables


def figures_table(snapshot: Snapshot) -> pd.DataFrame:
    """Return the released figures of the view, as shown next to the map."""
    return area_table(snapshot.view, use_cells=bool(snapshot.cell_size))


def export_csv(snapshot: Snapshot) -> bytes:
    """Return the view's figures as CSV: aggregates only, formula-safe, marked.

    Parameters
    ----------
    snapshot : Snapshot

    Returns
    -------
    bytes
    """
    table = figures_table(snapshot).copy()
    table["Marking"] = snapshot.marking
    table["Filters"] = snapshot.filters_text
    return csv_safe_frame(table).to_csv(index=False).encode("utf-8")


def export_geojson(snapshot: Snapshot, geography) -> bytes:
    """Return the view's areas with their released figures as GeoJSON (EPSG:4326).

    No record, not even a masked outreach point, is included: only ward or cell polygons
    with their figures. Marking, filters and attribution are foreign members.

    Parameters
    ----------
    snapshot : Snapshot
    geography : Geography

    Returns
    -------
    bytes
    """
    areas = snapshot.areas
    shapes = (
        geography.grids[snapshot.cell_size].geometry.iloc[areas.positions]
        if snapshot.cell_size
        else geography.wards.geometry.iloc[areas.positions]
    )
    table = figures_table(snapshot)
    frame = gpd.GeoDataFrame(table, geometry=shapes.to_numpy(), crs=CRS_METRIC)
    collection = json.loads(frame.to_crs(CRS_WGS84).to_json(drop_id=True))
    collection.update(
        marking=snapshot.marking,
        filters=snapshot.filters_text,
        data_to=snapshot.data_date,
        exported_at=snapshot.exported_at.isoformat(),
        attribution=" ".join(snapshot.attributions),
    )
    return json.dumps(collection).encode("utf-8")


# --------------------------------------------------------------------------- drawn maps


def _figure(snapshot: Snapshot, geography, size_mm, dpi: int):
    """Draw the map page: title, marking, map, legend, scale bar, north arrow, credits."""
    fig = _page(snapshot, TITLE, size_mm, dpi)
    fig.text(0.03, 0.885, escape_mathtext("\n".join(snapshot.header_lines()[1:])), fontsize=7.5,
             va="top", wrap=True)
    ax = fig.add_axes((0.03, 0.1, 0.6, 0.72))
    _draw_map(ax, snapshot, geography)
    legend_ax = fig.add_axes((0.66, 0.1, 0.32, 0.72))
    legend_ax.set_axis_off()
    _draw_legend(legend_ax, snapshot)
    fig.text(0.03, 0.045, escape_mathtext(" ".join(snapshot.attributions)), fontsize=6,
             va="bottom", wrap=True)
    return fig


def _draw_map(ax, snapshot: Snapshot, geography) -> None:
    minx, miny, maxx, maxy = snapshot.extent
    pad = 0.04 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    wards = geography.wards
    wards.plot(ax=ax, facecolor="none", edgecolor="#9e9e9e", linewidth=0.4, zorder=2)
    areas = snapshot.areas
    if snapshot.classified is not None:
        shapes = (
            geography.grids[snapshot.cell_size].geometry.iloc[areas.positions]
            if snapshot.cell_size
            else wards.geometry.iloc[areas.positions]
        )
        gpd.GeoSeries(shapes.to_numpy(), crs=CRS_METRIC).plot(
            ax=ax, color=list(snapshot.classified.colours), edgecolor="#4d4d4d",
            linewidth=0.2 if snapshot.cell_size else 0.6, alpha=0.85, zorder=3,
        )
    view = snapshot.view
    if view.outreach_points is not None:
        ax.scatter(view.outreach_points[:, 0], view.outreach_points[:, 1], s=6,
                   color=maps.OUTREACH_COLOUR, edgecolor=maps.OUTREACH_EDGE, linewidth=0.3,
                   zorder=5)
    elif view.wards.outreach is not None:
        points = wards.geometry.iloc[view.wards.positions].representative_point()
        biggest = max(int(view.wards.outreach.max(initial=0)), 1)
        ax.scatter(points.x, points.y, s=20 + 300 * view.wards.outreach / biggest,
                   color=maps.OUTREACH_COLOUR, alpha=0.7, edgecolor=maps.OUTREACH_EDGE, zorder=5)
    halo = [patheffects.withStroke(linewidth=2, foreground="white")]
    for name, point in zip(wards.ward_name, wards.representative_point(), strict=True):
        if minx - pad <= point.x <= maxx + pad and miny - pad <= point.y <= maxy + pad:
            ax.annotate(escape_mathtext(name), (point.x, point.y), fontsize=5, ha="center",
                        va="center", path_effects=halo, zorder=6)
    _basemap(ax, snapshot)
    span = (maxx - minx + 2 * pad)
    bar = next(b for b in (100, 250, 500, 1000, 2000, 5000, 10000) if b >= span / 6)
    ax.add_artist(AnchoredSizeBar(
        ax.transData, bar, f"{bar / 1000:g} km" if bar >= 1000 else f"{bar} m",
        loc="lower left", pad=0.5, frameon=True, size_vertical=span / 250, fontproperties={
            "size": 7}))
    ax.annotate("N", xy=(0.95, 0.97), xytext=(0.95, 0.86), xycoords="axes fraction",
                ha="center", va="center", fontsize=9, fontweight="bold",
                arrowprops={"facecolor": "black", "width": 3, "headwidth": 9})


def _basemap(ax, snapshot: Snapshot) -> None:
    if not snapshot.basemap.tiles:
        return
    try:
        import contextily

        contextily.add_basemap(ax, crs=CRS_METRIC, source=snapshot.basemap.tiles,
                               attribution=False, zorder=1)
    except Exception as error:  # noqa: BLE001 - an unreachable tile server must not stop an export
        ax.text(0.01, 0.99, f"Basemap unavailable ({type(error).__name__})", fontsize=6,
                transform=ax.transAxes, va="top")


def _draw_legend(ax, snapshot: Snapshot) -> None:
    handles = []
    if snapshot.classified is not None:
        handles += [Patch(facecolor=e.colour, edgecolor="#4d4d4d", label=escape_mathtext(e.label))
                    for e in snapshot.classified.legend]
    view = snapshot.view
    if view.outreach_total is not None:
        label = ("one outreach activity (location masked)" if view.outreach_points is not None
                 else "outreach activities per ward (area grows with the count)")
        handles.append(Line2D([], [], marker="o", linestyle="", color=maps.OUTREACH_COLOUR,
                              label=label))
    if handles:
        ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=7,
                  title="Legend", title_fontsize=9, alignment="left")
    figures = [
        f"Referrals: {view.referrals_total if view.referrals_total is not None else 'not shown'}",
        f"Outreach activities: "
        f"{view.outreach_total if view.outreach_total is not None else 'not shown'}",
        f"Wards with activity: {view.wards_with_activity} of {len(view.wards.codes)}",
    ]
    rule = textwrap.fill(DEFAULT_POLICY.describe()[1], width=52)
    ax.text(0, 0.02, "\n".join(figures) + "\n\n" + rule,
            fontsize=7, va="bottom", transform=ax.transAxes)


def _size(size_mm, dpi: int) -> tuple[tuple[float, float], int]:
    dpi = int(dpi)
    if not 50 <= dpi <= MAX_DPI:
        raise ValueError(f"dpi must be between 50 and {MAX_DPI}, not {dpi!r}")
    return tuple(float(v) for v in size_mm), dpi


def render_png(snapshot: Snapshot, geography, *, size_mm=A4_LANDSCAPE_MM, dpi: int = 200) -> bytes:
    """Render the view as a PNG at print quality.

    Parameters
    ----------
    snapshot : Snapshot
    geography : Geography
    size_mm : tuple of float
        Width and height in millimetres (A4 landscape by default).
    dpi : int
        50 to 300 dots per inch.

    Returns
    -------
    bytes
        The PNG; its size in pixels is ``size_mm / 25.4 * dpi``, rounded down.
    """
    size_mm, dpi = _size(size_mm, dpi)
    fig = _figure(snapshot, geography, size_mm, dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Title": TITLE})
    plt.close(fig)
    return buffer.getvalue()


def render_pdf(
    snapshot: Snapshot,
    geography,
    *,
    priorities: pd.DataFrame | None = None,
    notes: tuple[str, ...] = (),
    ward_pages: bool = False,
    data: AtlasData | None = None,
) -> bytes:
    """Render a briefing pack: the map, the figures, the priorities and the notes.

    Parameters
    ----------
    snapshot : Snapshot
    geography : Geography
    priorities : pandas.DataFrame, optional
        A ranking table (rank, ward, referrals, outreach nearby, reason).
    notes : tuple of str
        Method and disclosure notes, one paragraph each.
    ward_pages : bool
        Add one page per selected ward (needs ``data``).
    data : AtlasData, optional

    Returns
    -------
    bytes
    """
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": TITLE, "Subject": snapshot.marking}) as pdf:
        fig = _figure(snapshot, geography, A4_LANDSCAPE_MM, 150)
        pdf.savefig(fig)
        plt.close(fig)
        _table_page(pdf, snapshot, "Figures shown on the map", figures_table(snapshot))
        if priorities is not None and len(priorities):
            _table_page(pdf, snapshot, "Priorities: wards most in need first",
                        priorities.head(24))
        _notes_page(pdf, snapshot, notes)
        if ward_pages and data is not None:
            for one in ward_snapshots(snapshot, data):
                fig = _figure(one, geography, A4_LANDSCAPE_MM, 150)
                pdf.savefig(fig)
                plt.close(fig)
    return buffer.getvalue()


def ward_snapshots(snapshot: Snapshot, data: AtlasData) -> list[Snapshot]:
    """Return one snapshot per selected ward, for the pack's ward pages.

    Each keeps the pack's outreach detail, so a viewer's pack shows outreach per ward only
    on every page.

    Parameters
    ----------
    snapshot : Snapshot
    data : AtlasData

    Returns
    -------
    list of Snapshot
    """
    return [
        prepare_snapshot(
            data, replace(snapshot.view.filters, wards=(code,)), cell_size=None,
            marking=snapshot.marking.split(" — ")[0], exported_at=snapshot.exported_at,
            point_cap=snapshot.point_cap, outreach_detail=snapshot.outreach_detail,
        )
        for code in snapshot.view.filters.wards
    ]


def _page(snapshot: Snapshot, title: str, size_mm=A4_LANDSCAPE_MM, dpi: int | None = None):
    """Start a page: the marking line at top and bottom, and the title."""
    width_mm, height_mm = size_mm
    fig = plt.figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi)
    for y, va in ((0.975, "top"), (0.012, "bottom")):
        fig.text(0.5, y, escape_mathtext(snapshot.marking), ha="center", va=va, color="#b10e1e",
                 fontsize=10, fontweight="bold")
    fig.text(0.03, 0.93, escape_mathtext(title), fontsize=15, fontweight="bold", va="top")
    return fig


def _table_page(pdf, snapshot: Snapshot, title: str, table: pd.DataFrame) -> None:
    fig = _page(snapshot, title)
    ax = fig.add_axes((0.04, 0.06, 0.92, 0.82))
    ax.set_axis_off()
    shown = table.head(30).astype(str)
    cells = [[escape_mathtext(value[:90]) for value in row] for row in shown.to_numpy().tolist()]
    grid = ax.table(cellText=cells or [[""] * len(shown.columns)],
                    colLabels=[escape_mathtext(c) for c in shown.columns], loc="upper left",
                    cellLoc="left")
    grid.auto_set_font_size(False)
    grid.set_fontsize(6.5)
    grid.auto_set_column_width(list(range(len(shown.columns))))
    pdf.savefig(fig)
    plt.close(fig)


def _notes_page(pdf, snapshot: Snapshot, notes: tuple[str, ...]) -> None:
    fig = _page(snapshot, "Method, disclosure control and sources")
    body = [*notes, *snapshot.header_lines()[1:], *snapshot.attributions]
    text = "\n\n".join(textwrap.fill(p, 140) for p in body)
    fig.text(0.04, 0.88, escape_mathtext(text), fontsize=8, va="top")
    pdf.savefig(fig)
    plt.close(fig)


# --------------------------------------------------------------------------- interactive HTML


def render_html(snapshot: Snapshot, geometry: maps.MapGeometry) -> bytes:
    """Render the view as one self-contained HTML file that works offline.

    Leaflet's script and stylesheet are inlined, the basemap is left out (it would need the
    network), and only the released layers are drawn.

    Parameters
    ----------
    snapshot : Snapshot
    geometry : MapGeometry

    Returns
    -------
    bytes
    """
    centre, zoom = maps.fit_view(snapshot.extent)
    m = maps.AtlasMap(location=centre, zoom_start=zoom, tiles=None,
                      zoom_snap=0.25, control_scale=True)
    m.default_js, m.default_css = [], []
    inline = assets.inline_assets()
    root = m.get_root()
    root.header.add_child(folium.Element(f"<style>{inline['css']}</style>"), name="leaflet_css")
    root.header.add_child(folium.Element(f"<script>{inline['js']}</script>"), name="leaflet_js")
    areas = snapshot.areas
    shapes = geometry.cells[snapshot.cell_size] if snapshot.cell_size else geometry.wards
    if snapshot.classified is not None:
        maps.build_area_layer(shapes, areas, snapshot.classified, name="Referrals",
                              area_label="Cell" if snapshot.cell_size else "Ward").add_to(m)
    else:
        maps.build_outline_layer(shapes, areas.positions, name="Areas").add_to(m)
    if OUTREACH in snapshot.view.filters.kinds:
        maps.build_outreach_layer(snapshot.view, geometry).add_to(m)
    lines = "".join(f"<div>{escape_text(line)}</div>" for line in snapshot.header_lines()[1:])
    legend = ""
    if snapshot.classified is not None:
        legend = "".join(
            f'<div><span style="display:inline-block;width:14px;height:10px;'
            f'background:{e.colour};border:1px solid #555"></span> {escape_text(e.label)}</div>'
            for e in snapshot.classified.legend
        )
    banner = (
        f'<div style="font:bold 14px sans-serif;color:#b10e1e;text-align:center">'
        f"{escape_text(snapshot.marking)}</div>"
        f'<h1 style="font:bold 18px sans-serif;margin:4px 8px">{escape_text(TITLE)}</h1>'
        f'<div style="font:12px sans-serif;margin:0 8px">{lines}</div>'
        f'<div style="font:12px sans-serif;margin:4px 8px">{legend}</div>'
        f'<div style="font:10px sans-serif;margin:4px 8px">'
        f"{escape_text(' '.join(snapshot.attributions))}</div>"
    )
    root.html.add_child(folium.Element(banner), index=0)
    m.get_root().height = "80%"
    return root.render().encode("utf-8")


def render(snapshot: Snapshot, fmt: str, data: AtlasData, geometry, **options) -> bytes:
    """Render one export format (see :data:`FORMATS`).

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
        return render_html(snapshot, geometry)
    if fmt == "csv":
        return export_csv(snapshot)
    if fmt == "geojson":
        return export_geojson(snapshot, data.geography)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def file_name(snapshot: Snapshot, fmt: str) -> str:
    """Name an export file by its date and view."""
    return f"barnet-atlas-{snapshot.exported_at:%Y%m%d-%H%M}.{fmt}"

