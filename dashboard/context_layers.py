"""Context layers for the Map page: police.uk crime and stored indicators, per ward."""

from __future__ import annotations

import folium
import numpy as np

from analysis.classes import LegendEntry, LegendSection
from analysis.context import POLICE_UK_ATTRIBUTION, crime_by_ward
from analysis.dataset import AtlasData
from analysis.views import MapView
from dashboard import maps
from dashboard.url_state import ViewState

INDICATOR_COLOUR = "#1b9e77"  # teal: the next Dark2 colour after orange and purple
INDICATOR_EDGE = "#0d4f3c"


def build_context_layers(
    state: ViewState, data: AtlasData, view: MapView, geometry: maps.MapGeometry
) -> tuple[list[folium.FeatureGroup], list[LegendSection], list[str]]:
    """Build the chosen context layers as ward symbols.

    Parameters
    ----------
    state : ViewState
        Which layers the planner switched on.
    data : AtlasData
    view : MapView
        The selected wards and the date window.
    geometry : MapGeometry

    Returns
    -------
    tuple
        Feature groups, legend sections and attribution lines.
    """
    layers, legend, credits = [], [], []
    wards = view.wards
    if state.crime is not None and data.crime is not None:
        crimes, months = crime_by_ward(
            data.crime, view.filters.window, state.crime, wards.positions,
            len(data.geography.ward_codes),
        )
        layers.append(maps.build_ward_symbols(
            crimes, wards, geometry, name="Crime", colour=maps.CRIME_COLOUR,
            edge=maps.CRIME_EDGE, noun="crimes (police.uk)",
        ))
        note = (
            f"police.uk crimes per ward, {', '.join(months) or 'no month in this window'} "
            f"({', '.join(state.crime) or 'all types'}; circle area grows with the count)"
        )
        legend.append(LegendSection("Crime (context)", (LegendEntry(maps.CRIME_COLOUR, note),),
                                    True))
        credits.append(POLICE_UK_ATTRIBUTION)
    if state.indicator is not None:
        figures = data.ward_figures(state.indicator)
        values = np.array([figures.get(code, 0.0) for code in wards.codes])
        layers.append(maps.build_ward_symbols(
            values, wards, geometry, name=state.indicator, colour=INDICATOR_COLOUR,
            edge=INDICATOR_EDGE, noun=state.indicator,
        ))
        table = data.ward_figures_table
        sources = table.loc[table["name"] == state.indicator, "source"]
        note = f"{state.indicator} per ward (circle area grows with the value)"
        legend.append(LegendSection("Indicator (context)",
                                    (LegendEntry(INDICATOR_COLOUR, note),), True))
        credits.append(f"{state.indicator}: {', '.join(sorted(set(sources)))}.")
    return layers, legend, credits
