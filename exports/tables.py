"""The figures of a view as tables: on screen, in the pack, as CSV and as GeoJSON.

Only released aggregates leave here, never a record: not even a masked outreach point.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.views import AREA_CODE, AREA_NAME, OUTREACH_COUNT, REFERRALS, MapView
from exports.snapshot import Snapshot
from geodata.escaping import csv_safe_frame
from geodata.schema import CRS_METRIC, CRS_WGS84

NOT_SHOWN = "not shown"
PLACE = "place"  # a name people know for an area (ward and postcode sector), when present


def area_table(view: MapView, *, use_cells: bool, rates=None, codes: bool = False
               ) -> pd.DataFrame:
    """Return the figures next to the map as a table of text (exactly what is shown).

    Parameters
    ----------
    view : MapView
    use_cells : bool
        Grid cells instead of wards.
    rates : sequence of str, optional
        Referrals per 1,000 residents with their class, one per area.
    codes : bool
        Start with the area codes (ward codes such as E05013630), for tables that leave
        the atlas and are joined to other data.

    Returns
    -------
    pandas.DataFrame
    """
    areas = view.cells if use_cells else view.wards
    label = "Cell" if use_cells else "Ward"
    table = areas.table()
    columns = {AREA_CODE: f"{label} code"} if codes else {}
    columns[AREA_NAME] = label
    if PLACE in table:
        columns[PLACE] = "Place"
    if REFERRALS in table:
        columns[REFERRALS] = "Referrals"
    if rates is not None:
        table["rate"] = rates
        columns["rate"] = "Referrals per 1,000 residents (class)"
    if OUTREACH_COUNT in table:
        columns[OUTREACH_COUNT] = "Outreach activities"
    return table[list(columns)].rename(columns=columns)


def ranking_table(ranking: pd.DataFrame, area_label: str, *, parts: bool = False
                  ) -> pd.DataFrame:
    """Return a gap ranking as the table planners read (rank, area, place, figures, reason).

    Parameters
    ----------
    ranking : pandas.DataFrame
        A gap ranking (:mod:`analysis.priorities`); a ``place`` column, when present, names
        each area as people know it.
    area_label : str
        "Ward", "Cell" or "Place".
    parts : bool
        Put the gap's parts before it: referrals, outreach nearby and the referrals that
        outreach serves at the usual rate (gap = referrals - served).

    Returns
    -------
    pandas.DataFrame
    """
    if parts:
        columns = {
            "rank": "Rank", "name": area_label, PLACE: "Place", "gap": "Gap",
            "referrals": "Referrals", "outreach_nearby": "Outreach nearby",
            "served": "Served by outreach nearby", "hotspot": "Hot spot",
            "rate": "Referrals per 1,000 residents", "reason": "Why",
        }
    else:
        columns = {
            "rank": "Rank", "name": area_label, PLACE: "Place", "referrals": "Referrals",
            "gap": "Gap", "outreach_nearby": "Outreach nearby", "hotspot": "Hot spot",
            "rate": "Referrals per 1,000 residents", "reason": "Why",
        }
    present = [c for c in columns if c in ranking.columns]
    return ranking[present].rename(columns=columns)


def figures_table(snapshot: Snapshot) -> pd.DataFrame:
    """Return the released figures of the view, with the area codes, as exported."""
    return area_table(snapshot.view, use_cells=bool(snapshot.cell_size), codes=True)


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


def area_properties(snapshot: Snapshot) -> list[dict]:
    """Return each area's figures as GeoJSON properties: numbers as numbers.

    A figure that is not shown (its kind filtered out, or outreach per cell for a viewer)
    is ``null``; every figure also has a ``_label`` field with the text shown on the map.
    """
    areas = snapshot.areas
    table = areas.table()
    n = len(areas.codes)
    referrals = (
        [int(v) for v in areas.referrals.values] if areas.referrals is not None else [None] * n
    )
    referral_labels = (
        list(areas.referrals.labels) if areas.referrals is not None else [NOT_SHOWN] * n
    )
    outreach = (
        [int(v) for v in np.asarray(areas.outreach)] if areas.outreach is not None
        else [None] * n
    )
    places = table[PLACE].tolist() if PLACE in table else None
    rows = []
    for i in range(n):
        row = {"code": areas.codes[i], "name": areas.names[i]}
        if places is not None:
            row["place"] = places[i]
        row.update(
            referrals=referrals[i], referrals_label=referral_labels[i],
            outreach=outreach[i],
            outreach_label=NOT_SHOWN if outreach[i] is None else f"{outreach[i]:,}",
        )
        if snapshot.classified is not None:
            row["referrals_class"] = snapshot.classified.class_labels[i]
        rows.append(row)
    return rows


def export_geojson(snapshot: Snapshot, geography) -> bytes:
    """Return the view's areas with their released figures as GeoJSON (EPSG:4326).

    No record, not even a masked outreach point, is included: only ward or cell polygons
    with their figures (numbers as numbers, ``null`` where not shown, plus a label). The
    marking, title, filters and attribution are foreign members.

    Parameters
    ----------
    snapshot : Snapshot
    geography : Geography

    Returns
    -------
    bytes
    """
    shapes = snapshot.area_shapes(geography)
    frame = gpd.GeoDataFrame(geometry=shapes.to_numpy(), crs=CRS_METRIC).to_crs(CRS_WGS84)
    features = [
        {"type": "Feature", "properties": props, "geometry": geometry}
        for props, geometry in zip(
            area_properties(snapshot),
            (f["geometry"] for f in json.loads(frame.to_json(drop_id=True))["features"]),
            strict=True,
        )
    ]
    collection = {
        "type": "FeatureCollection",
        "features": features,
        "title": snapshot.title,
        "marking": snapshot.marking,
        "filters": snapshot.filters_text,
        "data_to": snapshot.data_date,
        "exported_at": snapshot.exported_at.isoformat(),
        "attribution": " ".join(snapshot.attributions),
    }
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")
