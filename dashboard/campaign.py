"""The Trends page's chart (with the campaign marked) and the campaign verdict, drawn."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from analysis.trends import COUNT, SERIES, WEEK, CampaignVerdict
from geodata.escaping import escape_markdown
from geodata.release import WeekWindow

CAMPAIGN_FILL = "#fdd49e"  # light orange, under the lines
CAMPAIGN_RULE = "#b35806"
CAMPAIGN_LABEL = "Campaign fortnight"


def series_chart(
    series: pd.DataFrame, campaign: WeekWindow | None, *, x_title: str, y_title: str
) -> alt.LayerChart | alt.Chart:
    """Draw counts per block of weeks as lines, with the campaign's block shaded.

    Parameters
    ----------
    series : pandas.DataFrame
        ``week``, ``series``, ``count`` (as from :func:`analysis.trends.block_series`).
    campaign : WeekWindow or None
        The campaign's block of weeks, when it falls inside the series' dates.
    x_title, y_title : str

    Returns
    -------
    altair.Chart or altair.LayerChart
    """
    frame = series[[WEEK, SERIES, COUNT]].copy()
    frame[WEEK] = pd.to_datetime(frame[WEEK])
    top = max(1.0, float(frame[COUNT].max()) if len(frame) else 1.0)
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{WEEK}:T", title=x_title, axis=alt.Axis(format="%-d %b %Y")),
            # whole counts only: an empty view shows 0 and 1, never 0.000000
            y=alt.Y(f"{COUNT}:Q", title=y_title, scale=alt.Scale(domain=[0, top]),
                    axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(f"{SERIES}:N", title=None),
            tooltip=[alt.Tooltip(f"{WEEK}:T", title="Beginning", format="%-d %b %Y"),
                     alt.Tooltip(f"{SERIES}:N", title="Series"),
                     alt.Tooltip(f"{COUNT}:Q", title="Count", format=",d")],
        )
    )
    if campaign is None:
        return lines.properties(description=f"Line chart: {y_title.lower()}.")
    block = pd.DataFrame({
        "start": [pd.Timestamp(campaign.start)],
        "end": [pd.Timestamp(campaign.end + dt.timedelta(days=1))],
        "label": [CAMPAIGN_LABEL],
        "top": [top],
    })
    band = alt.Chart(block).mark_rect(color=CAMPAIGN_FILL, opacity=1).encode(
        x="start:T", x2="end:T",
        tooltip=[alt.Tooltip("label:N", title="Marked"),
                 alt.Tooltip("start:T", title="From", format="%-d %b %Y")],
    )
    rule = alt.Chart(block).mark_rule(color=CAMPAIGN_RULE, strokeDash=[4, 3]).encode(x="start:T")
    text = alt.Chart(block).mark_text(align="left", baseline="top", dx=4, dy=2,
                                      color=CAMPAIGN_RULE, fontWeight="bold").encode(
        x="start:T", y=alt.Y("top:Q"), text="label:N")
    return alt.layer(band, rule, lines, text).properties(
        description=(f"Line chart: {y_title.lower()}. The shaded band marks the campaign "
                     f"fortnight, {campaign.describe()}."),
    )


def render_verdict(verdict: CampaignVerdict) -> None:
    """Show the verdict: one sentence per comparison, the rates per week, and the method."""
    for rates in _grouped(verdict):
        st.markdown("\n".join(f"- {escape_markdown(c.sentence)}" for c in rates))
    st.dataframe(verdict.table(), hide_index=True, key="t_campaign_rates")
    with st.expander("How the campaign is judged"):
        st.markdown("\n\n".join(verdict.method))


def _grouped(verdict: CampaignVerdict) -> list[list]:
    # one list per measure and area, in the verdict's order
    groups: dict[tuple[str, str], list] = {}
    for change in verdict.changes:
        groups.setdefault((change.measure, change.area), []).append(change)
    return list(groups.values())
