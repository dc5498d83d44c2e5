"""Map page: where referrals concentrate and where outreach has been."""

import streamlit as st
from streamlit_folium import st_folium

from analysis.context import crime_by_ward
from analysis.views import compute_map_view
from dashboard import cache, components, maps, sidebar
from dashboard.classes import LegendEntry, LegendSection, classify_counts
from geodata.schema import OUTREACH

data = cache.atlas_data()
geography, geometry = cache.geography()
state, filters = sidebar.render_filters(data)
basemap = sidebar.render_basemap_choice()

st.title("Referrals and outreach")
st.caption(filters.describe(dict(zip(geography.ward_codes, geography.ward_names, strict=True))))
if not filters.kinds:
    st.info("Choose referrals, outreach or both in the sidebar to see them on the map.")
    st.stop()

view = compute_map_view(data.index, geography, filters, cell_size=state.cell_size)
components.render_kpis(view)

areas = view.cells if state.cell_size else view.wards
shapes = geometry.cells[state.cell_size] if state.cell_size else geometry.wards
area_label = "Cell" if state.cell_size else "Ward"
classified = classify_counts(areas.referrals) if areas.referrals is not None else None
if classified is not None:
    layer = maps.build_area_layer(
        shapes, areas, classified, name="Referrals", area_label=area_label,
        line_weight=0.4 if state.cell_size else 1.0,
    )
else:
    layer = maps.build_outline_layer(shapes, areas.positions, name="Areas")
layers = [layer]
legend = [LegendSection("Referrals", classified.legend)] if classified else []
if OUTREACH in filters.kinds:
    layers.append(maps.build_outreach_layer(view, geometry))
    outreach_note = (
        "one outreach activity (location masked)"
        if view.outreach_points is not None
        else "outreach activities per ward (circle area grows with the count)"
    )
    legend.append(
        LegendSection("Outreach", (LegendEntry(maps.OUTREACH_COLOUR, outreach_note),), True)
    )

centre, zoom = maps.fit_view(geography.wards.geometry.iloc[view.wards.positions].total_bounds)
if state.crime is not None and data.crime is not None:
    crimes, months = crime_by_ward(
        data.crime, filters.window, state.crime, view.wards.positions, len(geography.ward_codes)
    )
    layers.append(maps.build_ward_symbols(
        crimes, view.wards, geometry, name="Crime", colour=maps.CRIME_COLOUR,
        edge=maps.CRIME_EDGE, noun="crimes (police.uk)",
    ))
    crime_note = (
        f"police.uk crimes per ward, {', '.join(months) or 'no month in this window'}"
        f" ({', '.join(state.crime) or 'all types'}; circle area grows with the count)"
    )
    legend.append(LegendSection("Context", (LegendEntry(maps.CRIME_COLOUR, crime_note),), True))

map_col, legend_col = st.columns([3, 1])
with map_col:
    st_folium(
        maps.build_base_map(geometry, basemap),
        key="atlas_map",
        feature_group_to_add=layers,
        center=centre,
        zoom=zoom,
        returned_objects=[],
        height=560,
        use_container_width=True,
    )
with legend_col:
    st.subheader("Legend")
    components.render_legend(legend)

st.subheader("Figures shown on the map")
st.dataframe(
    components.area_table(view, use_cells=bool(state.cell_size)),
    hide_index=True,
    use_container_width=True,
    key="map_table",
)
components.render_disclosure_note()
components.render_attribution(basemap, crime=state.crime is not None)
