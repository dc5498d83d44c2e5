"""The Priorities map's layers and legend: hot spots or the smoothed surface, and sites."""

from __future__ import annotations

import folium

from analysis.classes import (
    DENSITY_COLOURS,
    HOTSPOT_COLOURS,
    LegendEntry,
    LegendSection,
    hotspot_legend,
)
from analysis.density import DENSITY_LABELS
from analysis.hotspots import CLASS_LABELS
from analysis.priorities_view import Priorities
from dashboard import maps

HOT_SPOTS = "Hot spots"
SURFACE = "Smoothed surface"


def hotspot_label(cls: int, stable: bool = False) -> str:
    """Say a hot-spot class in words, noting when it holds at two cell sizes."""
    text = CLASS_LABELS[int(cls)]
    return f"{text}; also at the other cell size" if stable else text


def build_priority_layers(
    result: Priorities, geometry: maps.MapGeometry, *, show: str, radius_m: float
) -> tuple[list[folium.FeatureGroup], list[LegendSection]]:
    """Build the map layers and their legend for the Priorities page.

    Parameters
    ----------
    result : Priorities
    geometry : MapGeometry
    show : {"Hot spots", "Smoothed surface"}
    radius_m : float

    Returns
    -------
    tuple
        The feature groups and the legend sections.
    """
    if show == HOT_SPOTS:
        layer = maps.build_class_layer(
            geometry.cells[result.cell_size], result.cells,
            colours=[HOTSPOT_COLOURS[int(c)] for c in result.hotspot_classes],
            fields={"Place": list(result.cell_names),
                    "Hot spot": [hotspot_label(c, s) for c, s in
                                 zip(result.hotspot_classes, result.stable, strict=True)]},
            name=HOT_SPOTS, line_weight=0.3, emphasise=result.stable,
        )
        legend = [
            LegendSection("Gi* hot spots", hotspot_legend(result.hotspot_classes)),
            LegendSection("Thick outline", (LegendEntry(
                "#000000", f"hot at {result.cell_size} m and at {result.partner_size} m"),)),
        ]
    else:
        density = result.density
        layer = maps.build_class_layer(
            geometry.cells[min(geometry.cells)], result.fine_cells,
            colours=["#ffffff" if c == 0 else DENSITY_COLOURS[c - 1] for c in density.classes],
            fields={"Place": list(result.fine_cell_names),
                    "Smoothed density": list(density.labels)}, name=SURFACE, line_weight=0,
        )
        entries = [LegendEntry("#ffffff", "masked: fewer than 5 referrals nearby")]
        entries += [LegendEntry(c, f"{w} density")
                    for c, w in zip(DENSITY_COLOURS, DENSITY_LABELS, strict=True)]
        legend = [LegendSection(f"Smoothed surface ({density.bandwidth_m:,.0f} m bandwidth)",
                                tuple(entries))]
    legend.append(LegendSection("Sites", (LegendEntry(
        maps.SITE_COLOUR, f"recommended site, with its {radius_m:,.0f} m radius"),), True))
    legend.append(LegendSection("Wards", (LegendEntry(
        "#ffffff", "ward outline, named when zoomed in enough to read"),)))
    wards = maps.build_ward_labels_layer(geometry)
    sites = maps.build_sites_layer(result.site_points, result.site_names, radius_m=radius_m)
    return [layer, wards, sites], legend
