"""Trends page: series per fortnight (campaign marked), the campaign verdict, two periods."""

import pandas as pd
import streamlit as st

from analysis.trends import (
    COUNT,
    LABEL,
    SERIES,
    WEEK,
    block_series,
    campaign_periods,
    campaign_verdict,
    compare_periods,
)
from dashboard import cache, campaign, components, view_state
from geodata.escaping import escape_markdown
from geodata.release import DEFAULT_POLICY
from geodata.schema import OUTREACH, REFERRAL

data = cache.atlas_data()
geography, _ = cache.geography()
state, filters = view_state.current(data)  # drawn by app.py, shared by every page

st.title("Trends")
st.caption(escape_markdown(  # ward names come from the boundary file
    filters.describe(geography.ward_name_by_code)))

st.subheader(f"Every {DEFAULT_POLICY.bin_weeks} weeks")
kind = st.radio("Records", [REFERRAL, OUTREACH], horizontal=True, key="t_kind",
                format_func=lambda k: "Referrals" if k == REFERRAL else "Outreach activities")
series = block_series(data, filters, kind)
categories = [c for c in series[SERIES].unique() if c != "all"]
shown = st.multiselect("Also show", categories, key="t_categories",
                       placeholder="Only the total")
periods = campaign_periods()
during = periods["campaign week"]
in_view = filters.window.first_week <= during.first_week <= filters.window.last_week
drawn = series[series[SERIES].isin(["all", *shown])].replace({SERIES: {"all": "all categories"}})
if drawn.empty or not drawn[COUNT].to_numpy().any():  # an all-zero chart has no scale
    st.info("No released records for these filters and dates: nothing to chart.")
else:
    st.altair_chart(
        campaign.series_chart(drawn, during if in_view else None,
                              x_title=f"{DEFAULT_POLICY.bin_weeks} weeks beginning (Monday)",
                              y_title=f"Count per {DEFAULT_POLICY.bin_weeks} weeks"),
        width="stretch",
    )
    st.caption(
        f"The shaded band marks the campaign fortnight, {during.describe()}." if in_view else
        f"The campaign fortnight ({during.describe()}) is outside the dates chosen."
    )
if kind == REFERRAL:
    st.caption(
        f"Referrals are counted in fixed blocks of {DEFAULT_POLICY.bin_weeks} weeks, never "
        "week by week, and every figure is a released (slightly adjusted) count: a 0 can "
        "stand for a few referrals, and the categories may not add up to the total."
    )
with st.expander("The same figures as a table"):
    table = series.pivot(index=WEEK, columns=SERIES, values=LABEL)
    table.index = pd.to_datetime(table.index).strftime("%d/%m/%Y")
    st.dataframe(table, key="t_table")

st.subheader("Did the campaign week work?")
st.caption("Rates per week before, during and after the campaign, for the borough"
           + (" and the selected wards" if filters.wards else "")
           + ", in the chosen categories (the dates chosen above play no part).")
campaign.render_verdict(campaign_verdict(data, filters))

st.subheader("Two periods compared")
periods["the filter's dates"] = filters.window
names = list(periods)
left, right = st.columns(2)
first = left.selectbox("First period", names, index=0, key="t_first")
second = right.selectbox("Second period", names, index=1, key="t_second")
if first == second:
    st.info("Choose two different periods to compare.")
else:
    a, b = periods[first], periods[second]
    st.caption(f"First: {a.describe()}. Second: {b.describe()}.")
    comparison = compare_periods(data, filters, a, b, geography.ward_weights)
    st.dataframe(
        comparison.drop(columns="ward").rename(columns={
            "name": "Ward", "first": first.capitalize(), "second": second.capitalize(),
            "change": "Change in the ward", "neighbours": "Change in neighbouring wards",
        }),
        hide_index=True,
        key="t_comparison",
    )
    st.markdown(
        "**How to read this.** Where a ward and the periods together have at least 10 "
        "released referrals, an exact binomial test asks whether they split between the two "
        "periods differently from what the periods' lengths would give; 'rise' or 'fall' is shown "
        "only when that is significant at 95 %. Otherwise the figures speak for themselves. "
        "A fall in a ward with a rise next door may mean displacement; rises in both may "
        "mean diffusion, or more reporting after outreach."
    )
components.render_disclosure_note()
components.render_attribution()
