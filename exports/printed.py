"""Printed exports: a PNG of the map page and the PDF briefing pack.

Pages are built as :class:`matplotlib.figure.Figure` objects, never through pyplot, and no
global ``rcParams`` is changed: these run inside the dashboard's threaded server. Maps are
drawn in British National Grid, so the scale bar is exact. Every text is at least 9 pt and
every page carries the marking at the top and bottom, the briefing's title and a page
number. On a pack's ward pages each ward keeps its overview colour: the classes are fixed
for the whole pack (:func:`exports.snapshot.ward_snapshots`).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from analysis.classes import OUTREACH_COLOUR, OUTREACH_EDGE
from analysis.dataset import AtlasData
from analysis.outlook import NextWeek
from analysis.trends import ALL, COUNT, SERIES, WEEK, block_series, campaign_verdict
from exports.snapshot import Snapshot, ward_snapshots
from exports.tables import figures_table
from geodata.escaping import escape_mathtext
from geodata.schema import CRS_METRIC, OUTREACH, REFERRAL

MAX_DPI = 300
A4_LANDSCAPE_MM = (297.0, 210.0)
TEXT_PT = 9.0  # the smallest type anywhere in the pack
MARKING_COLOUR = "#b10e1e"
LINES_PER_PAGE = 30  # of 9 pt text in a page's body
WRAP = 150  # characters of 9 pt text across a landscape page


@dataclass(frozen=True)
class PackSection:
    """A block of the trends page: a heading, sentences, and optionally a chart.

    A new section (a campaign verdict, say) is added to a pack by passing it to
    :func:`render_pdf` in ``sections``; it is drawn on the trends page after the series.

    Attributes
    ----------
    title : str
    lines : tuple of str
        Plain sentences, one paragraph each.
    draw : callable, optional
        ``draw(ax)`` draws a chart in the section's own axes.
    """

    title: str
    lines: tuple[str, ...] = ()
    draw: Callable | None = None


def _text(fig_or_ax, x, y, text: str, **kwargs):
    """Place text literally: dollars and backslashes are never mathematics."""
    kwargs.setdefault("fontsize", TEXT_PT)
    return fig_or_ax.text(x, y, escape_mathtext(text), **kwargs)


# --------------------------------------------------------------------------- pages


def _page(snapshot: Snapshot, heading: str | None, size_mm=A4_LANDSCAPE_MM,
          dpi: int | None = None) -> Figure:
    """Start a page: the marking line at top and bottom, the title and the page's heading."""
    width_mm, height_mm = size_mm
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi or 100)
    for y, va in ((0.975, "top"), (0.012, "bottom")):
        _text(fig, 0.5, y, snapshot.marking, ha="center", va=va, color=MARKING_COLOUR,
              fontsize=10, fontweight="bold")
    _text(fig, 0.03, 0.935, snapshot.title, fontsize=15, fontweight="bold", va="top")
    if heading:
        _text(fig, 0.03, 0.885, heading, fontsize=12, fontweight="bold", va="top")
    return fig


def number_pages(figures: Sequence[Figure]) -> None:
    """Write "Page i of n" in the bottom right corner of every page."""
    for i, fig in enumerate(figures, start=1):
        _text(fig, 0.97, 0.012, f"Page {i} of {len(figures)}", ha="right", va="bottom")


def map_page(snapshot: Snapshot, geography, size_mm=A4_LANDSCAPE_MM, dpi: int = 100,
             heading: str | None = None) -> Figure:
    """Draw the map page: marking, title, filters, map, legend, scale bar, north arrow."""
    fig = _page(snapshot, None, size_mm, dpi)
    lines = snapshot.header_lines()[1:]
    if heading:
        lines = [heading, *lines]
    _text(fig, 0.03, 0.885, "\n".join(textwrap.fill(t, WRAP) for t in lines), va="top")
    ax = fig.add_axes((0.03, 0.11, 0.6, 0.71))
    _draw_map(ax, snapshot, geography)
    legend_ax = fig.add_axes((0.65, 0.11, 0.33, 0.71))
    legend_ax.set_axis_off()
    _draw_legend(legend_ax, snapshot)
    _text(fig, 0.03, 0.04, textwrap.fill(" ".join(snapshot.attributions), WRAP), va="bottom")
    return fig


def _paths(geometry) -> Path:
    """Return one matplotlib path for a polygon or multipolygon (holes kept)."""
    rings = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        rings += [polygon.exterior, *polygon.interiors]
    return Path.make_compound_path(
        *[Path(np.asarray(r.coords)[:, :2], closed=True) for r in rings]
    )


def _polygons(ax, geometries, **kwargs) -> None:
    patches = [PathPatch(_paths(g)) for g in geometries if g is not None and not g.is_empty]
    ax.add_collection(PatchCollection(patches, **kwargs))


def _draw_map(ax, snapshot: Snapshot, geography) -> None:
    minx, miny, maxx, maxy = snapshot.extent
    pad = 0.04 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    wards = geography.wards
    _polygons(ax, wards.geometry, facecolor="none", edgecolor="#9e9e9e", linewidth=0.4,
              zorder=2)
    if snapshot.classified is not None:
        _polygons(ax, snapshot.area_shapes(geography), facecolor=list(snapshot.classified.colours),
                  edgecolor="#4d4d4d", linewidth=0.2 if snapshot.cell_size else 0.6,
                  alpha=0.85, zorder=3)
    view = snapshot.view
    if view.outreach_points is not None:
        ax.scatter(view.outreach_points[:, 0], view.outreach_points[:, 1], s=6,
                   color=OUTREACH_COLOUR, edgecolor=OUTREACH_EDGE, linewidth=0.3, zorder=5)
    elif view.wards.outreach is not None:
        points = wards.geometry.iloc[view.wards.positions].representative_point()
        biggest = max(int(view.wards.outreach.max(initial=0)), 1)
        ax.scatter(points.x, points.y, s=20 + 300 * view.wards.outreach / biggest,
                   color=OUTREACH_COLOUR, alpha=0.7, edgecolor=OUTREACH_EDGE, zorder=5)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for name, point in zip(wards.ward_name, wards.representative_point(), strict=True):
        if minx - pad <= point.x <= maxx + pad and miny - pad <= point.y <= maxy + pad:
            ax.annotate(escape_mathtext(textwrap.fill(str(name), 14)), (point.x, point.y),
                        fontsize=TEXT_PT, ha="center", va="center", path_effects=halo,
                        zorder=6)
    _basemap(ax, snapshot)
    span = maxx - minx + 2 * pad
    bar = next(b for b in (100, 250, 500, 1000, 2000, 5000, 10000) if b >= span / 6)
    ax.add_artist(AnchoredSizeBar(
        ax.transData, bar, f"{bar / 1000:g} km" if bar >= 1000 else f"{bar} m",
        loc="lower left", pad=0.5, frameon=True, size_vertical=span / 250,
        fontproperties={"size": TEXT_PT}))
    ax.annotate("N", xy=(0.95, 0.97), xytext=(0.95, 0.86), xycoords="axes fraction",
                ha="center", va="center", fontsize=10, fontweight="bold",
                arrowprops={"facecolor": "black", "width": 3, "headwidth": 9})


def _basemap(ax, snapshot: Snapshot) -> None:
    if not snapshot.basemap.tiles:
        return
    try:
        import contextily

        contextily.add_basemap(ax, crs=CRS_METRIC, source=snapshot.basemap.tiles,
                               attribution=False, zorder=1)
    except Exception as error:  # noqa: BLE001 - an unreachable tile server must not stop an export
        _text(ax, 0.01, 0.99, f"Basemap unavailable ({type(error).__name__})",
              transform=ax.transAxes, va="top")


def _draw_legend(ax, snapshot: Snapshot) -> None:
    handles = []
    if snapshot.classified is not None:
        handles += [Patch(facecolor=e.colour, edgecolor="#4d4d4d", label=escape_mathtext(e.label))
                    for e in snapshot.classified.legend]
    outreach = snapshot.outreach_legend()
    if outreach:
        handles.append(Line2D([], [], marker="o", linestyle="", color=OUTREACH_COLOUR,
                              markeredgecolor=OUTREACH_EDGE, label=outreach))
    if handles:
        ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=TEXT_PT,
                  title="Referrals (released counts) and outreach", title_fontsize=10,
                  alignment="left")
    view = snapshot.view
    figures = [
        f"Referrals: {view.referrals_total if view.referrals_total is not None else 'not shown'}",
        f"Outreach activities: "
        f"{view.outreach_total if view.outreach_total is not None else 'not shown'}",
        f"Wards with activity: {view.wards_with_activity} of {len(view.wards.codes)}",
    ]
    paragraphs = ["\n".join(figures), textwrap.fill(snapshot.policy.describe()[1], 55)]
    if snapshot.masking_note():
        paragraphs.append(textwrap.fill(snapshot.masking_note(), 55))
    _text(ax, 0, 0.0, "\n\n".join(paragraphs), va="bottom", transform=ax.transAxes)


# --------------------------------------------------------------------------- tables, text


def _column_widths(table: pd.DataFrame, budget: int = 140) -> list[int]:
    widths = [
        max([len(str(c)), *(len(v) for v in table[c].astype(str))], default=4)
        for c in table.columns
    ]
    widths = [min(max(w, 4), 60) for w in widths]
    while sum(widths) > budget and max(widths) > 10:
        widths[widths.index(max(widths))] -= 1
    return widths


def table_pages(snapshot: Snapshot, heading: str, table: pd.DataFrame) -> list[Figure]:
    """Lay a table out over as many pages as it needs, long cells wrapped, at 9 pt."""
    shown = table.astype(str)
    widths = _column_widths(shown)
    header = [textwrap.fill(str(c), w) for c, w in zip(shown.columns, widths, strict=True)]
    rows = [
        [textwrap.fill(v, w) or " " for v, w in zip(row, widths, strict=True)]
        for row in shown.to_numpy().tolist()
    ]
    head_lines = max(h.count("\n") + 1 for h in header)
    pages = _paginate(rows, lambda row: max(v.count("\n") + 1 for v in row),
                      LINES_PER_PAGE - head_lines)
    figures = []
    for i, chunk in enumerate(pages):
        title = heading if i == 0 else f"{heading} (continued)"
        fig = _page(snapshot, title)
        ax = fig.add_axes((0.03, 0.06, 0.94, 0.79))
        ax.set_axis_off()
        cells = [[escape_mathtext(v) for v in row] for row in chunk] or [[" "] * len(header)]
        grid = ax.table(cellText=cells, colLabels=[escape_mathtext(h) for h in header],
                        loc="upper left", cellLoc="left",
                        colWidths=[w / sum(widths) for w in widths])
        grid.auto_set_font_size(False)
        grid.set_fontsize(TEXT_PT)
        line = 1.0 / (LINES_PER_PAGE + 2)
        for (r, _c), cell in grid.get_celld().items():
            text = header if r == 0 else cells[r - 1]
            cell.set_height(line * max(t.count("\n") + 1 for t in text) + line * 0.3)
            if r == 0:
                cell.set_text_props(fontweight="bold")
                cell.set_facecolor("#eeeeee")
        figures.append(fig)
    return figures


def _paginate(items: Sequence, lines_of: Callable[..., int], room: int) -> list[list]:
    """Split items, in order, into pages of at most ``room`` lines (one item per page at least).

    Examples
    --------
    >>> _paginate(["a", "b", "cc", "d", "eee"], len, 2)
    [['a', 'b'], ['cc'], ['d'], ['eee']]
    >>> _paginate([], len, 2)
    [[]]
    """
    pages: list[list] = [[]]
    used = 0
    for item in items:
        lines = lines_of(item)
        if pages[-1] and used + lines > room:
            pages.append([])
            used = 0
        pages[-1].append(item)
        used += lines
    return pages


def text_pages(snapshot: Snapshot, heading: str, paragraphs: Sequence[str]) -> list[Figure]:
    """Flow paragraphs of 9 pt text over as many pages as they need."""
    blocks = [textwrap.fill(p, WRAP) for p in paragraphs if p.strip()]
    pages = _paginate(blocks, lambda block: block.count("\n") + 2, LINES_PER_PAGE)
    figures = []
    for i, chunk in enumerate(pages):
        fig = _page(snapshot, heading if i == 0 else f"{heading} (continued)")
        _text(fig, 0.03, 0.83, "\n\n".join(chunk), va="top", linespacing=1.4)
        figures.append(fig)
    return figures


# --------------------------------------------------------------------------- trends


def trend_sections(data: AtlasData, snapshot: Snapshot) -> list[PackSection]:
    """Return the trends page's series: released referrals and outreach per block of weeks.

    Parameters
    ----------
    data : AtlasData
    snapshot : Snapshot

    Returns
    -------
    list of PackSection
    """
    filters = snapshot.view.filters
    weeks = snapshot.policy.bin_weeks
    sections = []
    for kind, noun in ((REFERRAL, "Referrals (released counts)"),
                       (OUTREACH, "Outreach activities")):
        if kind not in filters.kinds:
            continue
        series = block_series(data, filters, kind)
        series = series[series[SERIES] == ALL]
        if series.empty:
            continue
        top = series.loc[series[COUNT].idxmax()]
        lines = (
            f"{noun} per block of {weeks} weeks, {filters.window.describe()}.",
            f"Highest: {int(top[COUNT]):,} in the {weeks} weeks from "
            f"{top[WEEK]:%d %b %Y}; latest block: {int(series[COUNT].iloc[-1]):,}.",
        )
        sections.append(PackSection(noun, lines, _series_chart(series, noun)))
    return sections


def _series_chart(series: pd.DataFrame, noun: str) -> Callable:
    def draw(ax) -> None:
        weeks = pd.to_datetime(series[WEEK])
        ax.plot(weeks, series[COUNT], marker="o", markersize=3, color="#2c7fb8")
        ax.set_ylabel(escape_mathtext(noun.split(" (")[0]), fontsize=TEXT_PT)
        ax.set_ylim(bottom=0)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(labelsize=TEXT_PT)
        ax.grid(axis="y", color="#dddddd")
        ax.spines[["top", "right"]].set_visible(False)
    return draw


def campaign_pages(data: AtlasData, snapshot: Snapshot) -> list[Figure]:
    """Draw the campaign page: did the campaign week work (rates per week, the verdicts)."""
    verdict = campaign_verdict(data, snapshot.view.filters)
    if not verdict.changes:
        return []
    return [
        *text_pages(snapshot, "Campaign week: did it work?",
                    [*verdict.sentences, *verdict.method]),
        *table_pages(snapshot, "Campaign week: rates per week", verdict.table()),
    ]


def next_week_pages(snapshot: Snapshot, outlook: NextWeek) -> list[Figure]:
    """Draw the "next week" pages: the summary, each ward's emerging category, the backtest."""
    pages = text_pages(snapshot, "Next week: where to go",
                       [*outlook.sentences, *((outlook.note,) if outlook.note else ()),
                        outlook.method])
    if len(outlook.rows):
        pages += table_pages(snapshot, "Next week: hot, emerging and under-served places",
                             outlook.rows)
    if len(outlook.wards):
        pages += table_pages(snapshot, "Next week: each ward's emerging category", outlook.wards)
    if outlook.backtest is not None:
        pages += table_pages(snapshot, "How accurate this kind of map has been here",
                             outlook.backtest.summary())
    return pages


def trends_pages(snapshot: Snapshot, sections: Sequence[PackSection]) -> list[Figure]:
    """Draw the trends page(s): each section's chart and sentences, two sections a page."""
    figures = []
    for start in range(0, len(sections), 2):
        heading = "Trends" if not figures else "Trends (continued)"
        fig = _page(snapshot, heading)
        for slot, section in enumerate(sections[start:start + 2]):
            top = 0.83 - slot * 0.40
            _text(fig, 0.03, top, section.title, fontsize=10, fontweight="bold", va="top")
            _text(fig, 0.03, top - 0.035,
                  "\n".join(textwrap.fill(line, 60) for line in section.lines), va="top")
            if section.draw is not None:
                section.draw(fig.add_axes((0.42, top - 0.33, 0.55, 0.31)))
        figures.append(fig)
    return figures


# --------------------------------------------------------------------------- outputs


def _size(size_mm, dpi: int) -> tuple[tuple[float, float], int]:
    dpi = int(dpi)
    if not 50 <= dpi <= MAX_DPI:
        raise ValueError(f"dpi must be between 50 and {MAX_DPI}, not {dpi!r}")
    return tuple(float(v) for v in size_mm), dpi


def render_png(snapshot: Snapshot, geography, *, size_mm=A4_LANDSCAPE_MM, dpi: int = 200) -> bytes:
    """Render the map page as a PNG at print quality.

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
    fig = map_page(snapshot, geography, size_mm, dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Title": snapshot.title})
    return buffer.getvalue()


def pack_pages(
    snapshot: Snapshot,
    geography,
    *,
    priorities: pd.DataFrame | None = None,
    notes: tuple[str, ...] = (),
    ward_pages: bool = False,
    data: AtlasData | None = None,
    sections: Sequence[PackSection] = (),
    outlook: NextWeek | None = None,
) -> list[Figure]:
    """Build the numbered pages of a briefing pack: map, figures, priorities, trends, notes.

    Ward pages follow when asked for.

    Parameters
    ----------
    snapshot : Snapshot
    geography : Geography
    priorities : pandas.DataFrame, optional
        A ranking table (:func:`exports.tables.ranking_table`).
    notes : tuple of str
        Method notes, one paragraph each (the disclosure rules are always stated, in the
        policy's own words).
    ward_pages : bool
        Add one page per selected ward (needs ``data``), in the overview's classes.
    data : AtlasData, optional
        For the trends page and the ward pages.
    sections : sequence of PackSection
        More sections for the trends page.
    outlook : NextWeek, optional
        The "next week" summary (:func:`analysis.outlook.next_week_summary`), printed as
        its own pages: the places, each ward's emerging category and the backtest.

    Returns
    -------
    list of matplotlib.figure.Figure
    """
    pages = [map_page(snapshot, geography)]
    pages += table_pages(snapshot, "Figures shown on the map", figures_table(snapshot))
    if priorities is not None and len(priorities):
        pages += table_pages(snapshot, "Priorities: wards most in need first",
                             priorities.head(24))
    if data is not None:
        trend = [*trend_sections(data, snapshot), *sections]
        if trend:
            pages += trends_pages(snapshot, trend)
        pages += campaign_pages(data, snapshot)
    elif sections:
        pages += trends_pages(snapshot, sections)
    paragraphs = []
    if snapshot.notes:
        paragraphs += ["Notes: " + snapshot.notes.split("\n")[0], *snapshot.notes.split("\n")[1:]]
    paragraphs += [
        "How figures are protected: " + " ".join(snapshot.policy.describe()),
        *notes,
        *([snapshot.masking_note()] if snapshot.masking_note() else []),
        *snapshot.header_lines()[1:],
        *snapshot.attributions,
    ]
    if outlook is not None:
        pages += next_week_pages(snapshot, outlook)
    pages += text_pages(snapshot, "Notes, method, disclosure control and sources", paragraphs)
    if ward_pages and data is not None:
        for one in ward_snapshots(snapshot, data):
            pages.append(map_page(one, geography, heading=f"Ward: {one.view.wards.names[0]}"))
    number_pages(pages)
    return pages


def render_pdf(snapshot: Snapshot, geography, **contents) -> bytes:
    """Render a briefing pack as one PDF: the pages of :func:`pack_pages`.

    Parameters
    ----------
    snapshot : Snapshot
    geography : Geography
    **contents
        What the pack holds besides the map and its figures (``priorities``, ``notes``,
        ``ward_pages``, ``data``, ``sections``, ``outlook``), as for :func:`pack_pages`.

    Returns
    -------
    bytes
    """
    pages = pack_pages(snapshot, geography, **contents)
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": snapshot.title, "Subject": snapshot.marking}) as pdf:
        for fig in pages:
            pdf.savefig(fig)
    return buffer.getvalue()
