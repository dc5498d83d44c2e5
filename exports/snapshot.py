"""The snapshot behind every export: one view's released figures and the words around them.

A :class:`Snapshot` holds the released figures of one view (never individual records), the
filters in words, the dates of the data and of the export, the attributions, the marking
line ("OFFICIAL-SENSITIVE", and "SYNTHETIC DEMO DATA" when the data are the demo), the
title and notes of a briefing, and the release policy whose own words the exports quote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Protocol

from analysis.classes import Classified, classify_counts
from analysis.dataset import AtlasData
from analysis.filters import Filters
from analysis.views import OUTREACH_POINT_CAP, MapView, compute_map_view, synthetic_in_view
from geodata.demo import SYNTHETIC_MARK
from geodata.release import DEFAULT_POLICY, ReleasePolicy
from geodata.settings import DEFAULT_MARKING
from geodata.wards import ONS_ATTRIBUTION

TITLE = "Barnet Outreach Atlas: referrals and outreach"
MAX_TITLE = 120
MAX_NOTES = 2000


class TileSource(Protocol):
    """Tiles under a drawn map (the dashboard's ``Basemap`` is one)."""

    name: str
    tiles: str | None
    attribution: str


@dataclass(frozen=True)
class NoTiles:
    """No basemap: the exports work offline."""

    name: str = "None (works offline)"
    tiles: str | None = None
    attribution: str = ""


NO_TILES = NoTiles()


@dataclass(frozen=True)
class Snapshot:
    """One view, ready to export: released figures and the words around them.

    Attributes
    ----------
    view : MapView
    classified : Classified or None
        Colour classes of the areas drawn; on a pack's ward pages, the overview's classes.
    cell_size : int or None
        Grid cells instead of wards.
    extent : tuple of float
        ``minx, miny, maxx, maxy`` drawn, in EPSG:27700.
    filters_text, data_date : str
    exported_at : datetime.datetime
    marking : str
        The marking line, with "SYNTHETIC DEMO DATA" when the demo is in view.
    attributions : tuple of str
    basemap : TileSource
    point_cap : int
    outreach_detail : bool
        Masked points and outreach per cell (analysts), or outreach per ward only (viewers).
    policy : ReleasePolicy
        The rules the figures were released under; exports quote ``policy.describe()``.
    title : str
        The briefing's title.
    notes : str
        The author's notes, printed as given (escaped for each format).
    """

    view: MapView
    classified: Classified | None
    cell_size: int | None
    extent: tuple[float, float, float, float]
    filters_text: str
    data_date: str
    exported_at: dt.datetime
    marking: str
    attributions: tuple[str, ...]
    basemap: TileSource = field(default=NO_TILES)
    point_cap: int = OUTREACH_POINT_CAP
    outreach_detail: bool = True
    policy: ReleasePolicy = DEFAULT_POLICY
    title: str = TITLE
    notes: str = ""
    base_marking: str = DEFAULT_MARKING

    @property
    def areas(self):
        """The areas drawn: wards or grid cells."""
        return self.view.cells if self.cell_size else self.view.wards

    def area_shapes(self, geography):
        """Return the polygons of the areas drawn (British National Grid), in their order.

        Parameters
        ----------
        geography : Geography

        Returns
        -------
        geopandas.GeoSeries
        """
        shapes = geography.grids[self.cell_size] if self.cell_size else geography.wards
        return shapes.geometry.iloc[self.areas.positions]

    @property
    def area_label(self) -> str:
        """What one area is called: "Ward" or "Cell"."""
        return "Cell" if self.cell_size else "Ward"

    @property
    def masked_points(self) -> bool:
        """Whether geomasked outreach points are drawn (rather than outreach per ward)."""
        return self.view.outreach_points is not None

    def header_lines(self) -> list[str]:
        """Return the marking, filters and dates, as printed on every export."""
        return [
            self.marking,
            f"Filters: {self.filters_text}",
            f"Data to {self.data_date}; exported {self.exported_at:%d %b %Y %H:%M} UTC",
        ]

    def outreach_legend(self) -> str | None:
        """Say what an outreach symbol stands for, or ``None`` when outreach is not shown."""
        if self.view.outreach_total is None:
            return None
        if self.masked_points:
            return "One outreach activity (location masked)"
        return "Outreach activities per ward (circle area grows with the count)"

    def masking_note(self) -> str | None:
        """Warn, wherever masked outreach points are drawn, that they may lie outside."""
        if not self.masked_points:
            return None
        p = self.policy
        return (
            f"Outreach points are moved {p.geomask_min_m:.0f}–{p.geomask_max_m:.0f} m to "
            "protect the places, so some are drawn outside their ward, or the borough."
        )


def clean_title(title: str | None) -> str:
    """Return a briefing title: one line, at most :data:`MAX_TITLE` characters."""
    text = " ".join((title or "").split())
    return text[:MAX_TITLE] if text else TITLE


def clean_notes(notes: str | None) -> str:
    """Return a briefing's notes: paragraphs kept, at most :data:`MAX_NOTES` characters."""
    paragraphs = [" ".join(p.split()) for p in (notes or "").replace("\r", "").split("\n")]
    return "\n".join(p for p in paragraphs if p)[:MAX_NOTES]


def prepare_snapshot(
    data: AtlasData,
    filters: Filters,
    *,
    cell_size: int | None = None,
    extent: tuple[float, float, float, float] | None = None,
    marking: str = DEFAULT_MARKING,
    basemap: TileSource = NO_TILES,
    exported_at: dt.datetime | None = None,
    point_cap: int | None = None,
    outreach_detail: bool = True,
    title: str | None = None,
    notes: str | None = None,
    classes_among=None,
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
    basemap : TileSource
        Tiles under the map, when configured and reachable.
    exported_at : datetime, optional
        Defaults to now (UTC).
    point_cap : int, optional
        Most outreach points to draw; above it, outreach is drawn per ward.
    outreach_detail : bool
        Masked points and outreach per grid cell (analysts); ``False``: outreach per ward
        only, as viewers see it. Every page of a pack keeps it.
    title, notes : str, optional
        The briefing's title (default :data:`TITLE`) and the author's notes.
    classes_among : ReleasedCounts, optional
        Work the colour classes out from these counts (a pack's overview), not the view's.

    Returns
    -------
    Snapshot
    """
    point_cap = OUTREACH_POINT_CAP if point_cap is None else point_cap
    view = compute_map_view(data, filters, cell_size=cell_size, point_cap=point_cap,
                            outreach_detail=outreach_detail)
    areas = view.cells if cell_size else view.wards
    classified = (
        classify_counts(areas.referrals, among=classes_among)
        if areas.referrals is not None else None
    )
    if extent is None:
        extent = tuple(data.geography.wards.geometry.iloc[view.wards.positions].total_bounds)
    names = dict(zip(data.geography.ward_codes, data.geography.ward_names, strict=True))
    base = marking.strip()
    marks = [base] if base else []
    if synthetic_in_view(data, filters):
        marks.append(SYNTHETIC_MARK)
    attributions = [ONS_ATTRIBUTION]
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
        policy=data.release.policy,
        title=clean_title(title),
        notes=clean_notes(notes),
        base_marking=base,
    )


def ward_snapshots(snapshot: Snapshot, data: AtlasData) -> list[Snapshot]:
    """Return one snapshot per selected ward, for the pack's ward pages.

    Every page keeps the pack's classes (worked out from the selected wards' released
    counts, as on a ward overview), so a ward has one colour throughout the pack, and the
    pack's outreach detail, so a viewer's pack shows outreach per ward only on every page.

    Parameters
    ----------
    snapshot : Snapshot
    data : AtlasData

    Returns
    -------
    list of Snapshot
    """
    among = snapshot.view.wards.referrals
    return [
        replace(
            prepare_snapshot(
                data, replace(snapshot.view.filters, wards=(code,)), cell_size=None,
                marking=snapshot.base_marking, exported_at=snapshot.exported_at,
                point_cap=snapshot.point_cap, outreach_detail=snapshot.outreach_detail,
                title=snapshot.title, classes_among=among,
            ),
            notes="",
            policy=snapshot.policy,
        )
        for code in snapshot.view.filters.wards
    ]
