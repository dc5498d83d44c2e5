"""Map page: where referrals concentrate and where outreach has been."""

import streamlit as st

from analysis.classes import LegendEntry, LegendSection, classify_counts, classify_rates
from analysis.views import compute_map_view
from dashboard import auth, cache, components, maps, sidebar, timing, view_state
from dashboard.context_layers import build_context_layers
from dashboard.export_panel import PANEL, render_export_panel, tracking_view
from geodata.escaping import escape_markdown
from geodata.schema import OUTREACH
from geodata.ward_figures import POPULATION

MAP_TITLE = "Map of Barnet wards: referrals and outreach"

data = cache.atlas_data()
geography, geometry = cache.geography()
state, filters = view_state.current(data)  # drawn by app.py, shared by every page
basemap = sidebar.chosen_basemap()

st.title("Referrals and outreach")
st.caption(escape_markdown(  # ward names come from the boundary file
    filters.describe(geography.ward_name_by_code)))
if not filters.kinds:
    st.info("Choose referrals, outreach or both in the sidebar to see them on the map.")
    st.stop()

# Viewers see outreach only per ward; analysts may see the masked points.
view = compute_map_view(data, filters, cell_size=state.cell_size,
                        outreach_detail=auth.current_access().at_least(auth.ANALYST))
timing.mark("view computed")
components.render_kpis(view)

areas = view.cells if state.cell_size else view.wards
shapes = geometry.cells[state.cell_size] if state.cell_size else geometry.wards
area_label = "Cell" if state.cell_size else "Ward"
population = data.ward_figures(POPULATION)
by_rate = state.measure == "rate" and not state.cell_size and bool(population)
if areas.referrals is None:
    classified = None
elif by_rate:
    classified = classify_rates(areas.referrals, [population.get(c, 0) for c in areas.codes])
else:
    classified = classify_counts(areas.referrals)
if classified is not None:
    layer = maps.build_live_area_layer(
        shapes, areas, classified, name="Referrals", area_label=area_label,
        line_weight=0.4 if state.cell_size else 1.0,
    )
else:
    layer = maps.build_outline_layer(shapes, areas.positions, name="Areas")
layers = [layer, maps.build_ward_labels_layer(geometry, view.wards.positions)]
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
context, context_legend, credits = build_context_layers(state, data, view, geometry)
layers += context
legend += context_legend

track = tracking_view()  # a switch in the export panel, drawn under the map
tall = st.toggle("Taller map", key="x_tall_map")
map_col, legend_col = st.columns([3, 1])
with map_col:
    returned = maps.live_map(
        geometry, basemap, layers, title=MAP_TITLE, centre=centre, zoom=zoom,
        height=900 if tall else 560, report_bounds=track, key="atlas_map",
    )
timing.mark("map sent")
with legend_col:
    st.subheader("Legend")
    components.render_legend(legend)

# Drawn only while open: a filter click then redraws the map and legend, not the table
# and the export form (docs/architecture.md, "One filter click").
figures = st.expander("Figures shown on the map, as a table", key="x_figures_open",
                      on_change="rerun")
if figures.open:
    with figures:
        table = components.area_table(view, use_cells=bool(state.cell_size),
                                      rates=classified.class_labels if by_rate else None)
        if state.cell_size:  # hundreds of cells: a scrolling grid
            st.dataframe(table, hide_index=True, width="stretch", key="map_table")
        else:  # the wards: a plain HTML table, light to redraw and read by screen readers
            st.table(table.set_index(table.columns[0]))
components.render_disclosure_note()
export = st.expander("Export this view", key=PANEL, on_change="rerun")
if export.open:
    with export:
        render_export_panel(
            data, filters, cell_size=state.cell_size, basemap=basemap,
            extent=maps.extent_from_bounds((returned or {}).get("bounds")) if track else None,
            access=auth.current_access(),
        )
components.render_attribution(basemap, extra=credits)
