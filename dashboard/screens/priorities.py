"""Priorities page: hot spots, outreach gaps and recommended sites, with the method."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from analysis.priorities import DEFAULT_RADIUS_M, DEFAULT_SITES
from dashboard import cache, components, maps, next_week, view_state
from dashboard.priority_map import HOT_SPOTS, SURFACE, build_priority_layers
from geodata.escaping import escape_markdown
from geodata.grid import CELL_SIZES, DEFAULT_CELL_SIZE
from geodata.importing import read_venues
from geodata.ward_figures import POPULATION

data = cache.atlas_data()
geography, geometry = cache.geography()
state, filters = view_state.current(data)  # drawn by app.py, shared by every page

st.title("Priorities: where outreach should go next")
st.caption(escape_markdown(  # ward names come from the boundary file
    filters.describe(geography.ward_name_by_code)))
next_week.render(data, filters, geometry)
left, middle, right = st.columns(3)
cell_size = left.select_slider("Grid cell size (m)", CELL_SIZES, value=DEFAULT_CELL_SIZE,
                               key="p_cell")
radius = middle.slider("Walking radius R (m)", 200, 1000, DEFAULT_RADIUS_M, step=50,
                       key="p_radius")
sites = right.number_input("Sites to recommend (K)", 1, 15, DEFAULT_SITES, key="p_sites")
with st.expander("Candidate venues and smoothing"):
    upload = st.file_uploader("Venues to choose from (CSV or Excel: a name and a location)",
                              type=["csv", "xlsx"], key="p_venues")
    own_bandwidth = st.checkbox("Set the smoothing bandwidth myself", key="p_own_bw")
    bandwidth = st.number_input("Bandwidth (m)", 250, 3000, 800, step=50, key="p_bw",
                                disabled=not own_bandwidth)
venues = None
if upload is not None:
    report = read_venues(upload.getvalue(), upload.name, wards=geography.wards)
    if report.error or not report.rows_accepted:
        st.error(escape_markdown(report.error) or "None of the venues could be placed in Barnet.")
    else:
        venues = report.accepted
        st.caption(
            f"Choosing among {report.rows_accepted:,} venues from {escape_markdown(upload.name)}."
        )
        if report.rows_rejected:
            st.warning(" ".join(map(escape_markdown, report.summary()[1:])))

with st.spinner("Working out hot spots, gaps and sites…"):
    result = cache.priorities(
        data, filters, cell_size, float(radius), int(sites),
        float(bandwidth) if own_bandwidth else None, venues, data.ward_figures(POPULATION),
    )

st.markdown(f"**{result.sites.headline()}**")
st.caption(
    f"Today's outreach serves {result.sites.current}: each place's referrals count as served "
    f"up to what its outreach within {radius} m serves at the usual rate. The new sites "
    f"would reach {result.sites.covered} that outreach does not serve yet."
)
show = st.radio("Map shows", [HOT_SPOTS, SURFACE], horizontal=True, key="p_layer")
layers, legend = build_priority_layers(result, geometry, show=show, radius_m=radius)
map_col, legend_col = st.columns([3, 1])
with map_col:
    st_folium(
        maps.build_base_map(geometry), key="priorities_map", feature_group_to_add=layers,
        returned_objects=[], height=560, use_container_width=True,
    )
with legend_col:
    components.render_legend(legend)

st.subheader("Wards, most in need first")
st.caption(components.gap_explanation(result.ward_rate, radius, "wards"))
st.dataframe(components.ranking_table(result.ward_gaps, "Ward", parts=True), hide_index=True,
             key="p_wards")
st.subheader(f"Grid cells ({cell_size} m), most in need first")
st.caption(components.gap_explanation(result.cell_rate, radius, f"{cell_size} m cells"))
st.dataframe(components.ranking_table(result.cell_gaps.head(20), "Place", parts=True),
             hide_index=True, key="p_cells")
st.subheader("Recommended sites")
st.table(  # a few rows: a plain HTML table that screen readers read (cells are plain text)
    pd.DataFrame(
        {"Site": list(range(1, len(result.site_names) + 1)),
         "Where": list(result.site_names),
         f"Unserved referrals within {radius} m, on its own": list(result.sites.per_site)}
    ).set_index("Site")
)
components.render_method(cell_size, result.partner_size, radius, result.density)
components.render_disclosure_note()
components.render_attribution()
