"""The "Next week" section at the top of the Priorities page.

It shows :func:`analysis.outlook.next_week_summary` (computed once per data version and
filters, see :func:`dashboard.cache.next_week`): the few places hot, emerging and
under-served, the emerging hot-spot map layer and table, the method and how the categories
change with the time step, and how accurate this kind of map has been (the backtest and
its hit-rate curve).
"""

from __future__ import annotations

import streamlit as st
from matplotlib.figure import Figure
from streamlit_folium import st_folium

from analysis.backtest import LAST, METHODS, UNIFORM, Backtest
from analysis.classes import LegendEntry, LegendSection
from analysis.emerging import NONE, PATTERNS
from analysis.filters import Filters
from analysis.outlook import NextWeek
from analysis.priorities import DEFAULT_RADIUS_M
from dashboard import cache, components, maps
from geodata.escaping import escape_markdown
from geodata.grid import CELL_SIZES, DEFAULT_CELL_SIZE

EMERGING_LAYER = "Emerging hot spots"
# hot categories in reds (strongest for growing ones), cold in blues, none pale grey
_HOT = ("#67000d", "#a50f15", "#cb181d", "#ef3b2c", "#fb6a4a", "#fc9272", "#fcbba1", "#fee0d2")
_COLD = ("#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7")
_ORDER = ("intensifying", "new", "consecutive", "persistent", "sporadic", "oscillating",
          "diminishing", "historical")
CATEGORY_COLOURS = {
    **{f"{p} hot spot": _HOT[_ORDER.index(p)] for p in PATTERNS},
    **{f"{p} cold spot": _COLD[_ORDER.index(p)] for p in PATTERNS},
    NONE: "#f7f7f7",
}


def render(data, filters: Filters, geometry) -> None:
    """Draw the Next week section (one call, near the top of the Priorities page)."""
    st.header("Next week")
    left, middle, right = st.columns(3)
    step = left.select_slider("Emerging hot spots: period (weeks)", [4, 6, 8], value=4,
                              key="nw_step")
    neighbourhood = middle.number_input("Neighbourhood time step (periods)", 1, 4, 1,
                                        key="nw_neighbourhood")
    method = right.selectbox("Backtest this method", METHODS, key="nw_method")
    cell_size = st.session_state.get("p_cell", DEFAULT_CELL_SIZE)
    cell_size = cell_size if cell_size in CELL_SIZES else DEFAULT_CELL_SIZE
    radius = st.session_state.get("p_radius", DEFAULT_RADIUS_M)
    bin_weeks = data.release.policy.bin_weeks
    with st.spinner("Working out emerging hot spots and backtests…"):
        summary = cache.next_week(
            data.version, filters, int(cell_size), float(radius), step // bin_weeks,
            int(neighbourhood), method, data,
        )
    render_summary(summary)
    if summary.note:
        return
    map_col, legend_col = st.columns([3, 1])
    with map_col:
        st_folium(
            maps.build_base_map(geometry), key="next_week_map",
            feature_group_to_add=[emerging_layer(summary, geometry)], returned_objects=[],
            height=420, use_container_width=True,
        )
    with legend_col:
        components.render_legend(emerging_legend(summary))
    st.subheader(f"Emerging hot spots: wards ({summary.step_weeks}-week periods)")
    st.dataframe(summary.wards, hide_index=True, key="nw_wards")
    st.subheader(f"Emerging hot spots: {summary.cell_size} m cells with a category")
    st.dataframe(summary.cells, hide_index=True, key="nw_cells")
    if summary.backtest is not None:
        st.subheader("How accurate this kind of map has been here")
        st.dataframe(summary.backtest.summary(), hide_index=True, key="nw_backtest")
        st.pyplot(hit_rate_figure(summary.backtest))
        with st.expander("Every test"):
            st.dataframe(summary.backtest.table(), hide_index=True, key="nw_folds")
    render_method(summary)


def render_summary(summary: NextWeek) -> None:
    """Show the sentences and the short list of places."""
    for sentence in summary.sentences:
        st.markdown(escape_markdown(sentence))  # ward names come from the boundary file
    if not summary.rows.empty:
        st.dataframe(summary.rows.rename(columns=str.capitalize), hide_index=True,
                     key="nw_rows")


def emerging_layer(summary: NextWeek, geometry):
    """Draw the emerging hot-spot category of each grid cell in view, as a map layer."""
    # only cells with a category: the rest would be most of the payload and say nothing
    shown = [(p, c) for p, c in zip(summary.cell_positions, summary.cell_categories,
                                    strict=True) if c != NONE]
    return maps.build_class_layer(
        geometry.cells[summary.cell_size], [p for p, _ in shown],
        colours=[CATEGORY_COLOURS[c] for _, c in shown],
        fields={"Emerging hot spot": [c for _, c in shown]},
        name=EMERGING_LAYER, line_weight=0.3,
    )


def emerging_legend(summary: NextWeek) -> list[LegendSection]:
    """Legend entries for the categories present (and 'no pattern')."""
    present = set(summary.cell_categories)
    entries = tuple(LegendEntry(colour, name) for name, colour in CATEGORY_COLOURS.items()
                    if name in present and name != NONE)
    if not entries:
        entries = (LegendEntry(CATEGORY_COLOURS[NONE], "no cell in view has a category"),)
    return [LegendSection(f"{EMERGING_LAYER} ({summary.step_weeks}-week periods)", entries)]


def hit_rate_figure(backtest: Backtest) -> Figure:
    """Plot the hit-rate curve: next weeks' referrals caught against area flagged."""
    curve = backtest.curve()
    figure = Figure(figsize=(6, 3.2))  # not pyplot: its global state is not thread-safe
    axes = figure.subplots()
    share = curve["area flagged (%)"]
    axes.plot(share, curve[backtest.method], marker="o", color="#b2182b",
              label=backtest.method)
    axes.plot(share, curve[LAST], marker="s", color="#636363", label=LAST)
    axes.plot(share, curve[UNIFORM], linestyle="--", color="#999999", label=UNIFORM)
    axes.set_xlabel("Area flagged (%)")
    axes.set_ylabel("Next weeks' referrals caught (%)")
    axes.set_title(f"Hit-rate curve, median of {len(backtest.folds)} tests", fontsize=10)
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 100)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure


def render_method(summary: NextWeek) -> None:
    """Explain the method in plain English, with how categories change with the period."""
    with st.expander("How emerging hot spots and the backtest are worked out", expanded=False):
        st.markdown(summary.method)
        st.markdown(
            "**Backtest.** For each of the last tests, the method sees only the released "
            "referrals of the 12 weeks before a date, flags an area, and is scored on the "
            "next 4 weeks: the *hit rate* is the share of those weeks' referrals in the "
            "flagged area; the *PAI* divides it by the share of area flagged (1: no better "
            "than chance); the *RRI* compares the flagged area's share of referrals in the "
            "test weeks with its share in the training weeks. Last period's counts (the "
            "cells busiest in the 4 weeks before, flagging as much area) and a uniform map "
            "are shown beside it. Figures are medians with the middle half of tests in "
            "brackets, from released counts, rounded."
        )
        st.markdown("**How the ward categories change with the period length.**")
        if summary.sensitivity.empty:
            st.markdown("No ward has a category at any of the period lengths tried.")
        else:
            st.dataframe(summary.sensitivity, hide_index=True, key="nw_sensitivity")
