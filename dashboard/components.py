"""Small rendering pieces shared by pages: banners, KPIs, legend, notes, attribution."""

from __future__ import annotations

import html

import streamlit as st

from analysis.classes import LegendSection
from analysis.views import MapView
from dashboard import auth, cache
from dashboard.auth import Access
from dashboard.maps import Basemap
from exports.tables import area_table, ranking_table  # noqa: F401 - pages call them here
from geodata.demo import SYNTHETIC_MARK
from geodata.escaping import escape_markdown
from geodata.importing import ImportReport
from geodata.release import DEFAULT_POLICY
from geodata.wards import ONS_ATTRIBUTION


def render_synthetic_banner() -> None:
    """Say that synthetic demo records are in view (only while they are)."""
    st.warning(
        f"**{SYNTHETIC_MARK}.** Records in this view are made up by the demo generator, "
        "not real referrals or outreach. Import real data on the Data page, and delete "
        "the demo dataset there once it is no longer needed.",
    )


def render_access_banner(access: Access) -> None:
    """Say on every page how the app is run and who is signed in."""
    if access.local_mode:
        st.info(
            f"Local single-user mode: no sign-in is configured, so this session has the "
            f"{access.role} role. Configure sign-in before sharing the atlas (see the README).",
        )
    else:
        st.caption(f"Signed in as {escape_markdown(access.user)} ({access.role}).")


def render_kpis(view: MapView) -> None:
    """Show the KPI row: referrals (released), outreach activities, wards with activity.

    One HTML element rather than a row of ``st.metric`` columns: the row is redrawn on every
    filter click, before the map, and seven elements cost the browser about 70 ms a click
    (docs/architecture.md, "One filter click"). The referrals' note says why they are not exact.
    """
    figures = (
        ("Referrals", view.referrals_total if view.referrals_total is not None else "not shown",
         "Released: never the exact count."),
        ("Outreach activities",
         f"{view.outreach_total:,}" if view.outreach_total is not None else "not shown", ""),
        ("Wards with activity", f"{view.wards_with_activity} of {len(view.wards.codes)}", ""),
    )
    st.html(
        "<style>.atlas-kpis{display:flex;flex-wrap:wrap;gap:1rem 3rem;margin:0}"
        ".atlas-kpis dt{font-size:.875rem}.atlas-kpis dd{margin:0}"
        ".atlas-kpi-value{font-size:2.25rem;line-height:1.2}"
        ".atlas-kpi-note{font-size:.8rem;opacity:.75}</style><dl class=\"atlas-kpis\">"
        + "".join(
            f"<div><dt>{html.escape(label)}</dt>"
            f'<dd class="atlas-kpi-value">{html.escape(str(value))}</dd>'
            + (f'<dd class="atlas-kpi-note">{html.escape(note)}</dd>' if note else "")
            + "</div>"
            for label, value, note in figures
        )
        + "</dl>"
    )


def render_legend(sections: list[LegendSection]) -> None:
    """Draw the legend as text with colour swatches (every class is also named in words)."""
    rows = []
    for section in sections:
        rows.append(f"<p><strong>{html.escape(section.title)}</strong></p>")
        shape = "atlas-swatch atlas-dot" if section.dots else "atlas-swatch"
        rows += [
            f'<div class="atlas-legend-row"><span class="{shape}" '
            f'style="background:{e.colour}"></span>{html.escape(e.label)}</div>'
            for e in section.entries
        ]
    st.html(
        "<style>.atlas-legend-row{display:flex;align-items:center;gap:.5rem;margin:.15rem 0}"
        ".atlas-swatch{display:inline-block;flex:none;width:1.4rem;height:1rem;"
        "border:1px solid #555}.atlas-dot{border-radius:50%;width:1rem}</style>"
        + "".join(rows)
    )


def render_disclosure_note() -> None:
    """Explain, in plain English, why figures are adjusted (the policy's own words)."""
    st.caption("How figures are protected: " + " ".join(DEFAULT_POLICY.describe()))


def render_attribution(basemap: Basemap | None = None, *, extra: list[str] = ()) -> None:
    """Show the data and tile attributions (plus those of any context layer shown).

    The ``extra`` lines name stored indicators and their sources, so they are escaped.
    """
    text = " ".join([ONS_ATTRIBUTION, *map(escape_markdown, extra)])
    if basemap is not None and basemap.tiles:
        text += f" Basemap: {basemap.attribution}."
    st.caption(text)


def render_import_report(report: ImportReport) -> None:
    """Show a dry-run report: counts, what was understood, every rejected row."""
    if report.error:
        st.error(escape_markdown(report.error))  # quotes the file's name and content
        return
    cols = st.columns(3)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Accepted", f"{report.rows_accepted:,}")
    cols[2].metric("Rejected", f"{report.rows_rejected:,}")
    # The lines quote the file's name, its column names and values from its rows.
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in report.summary()[1:]))
    if report.rows_rejected:
        st.dataframe(
            report.rejected_rows().head(1000).rename(
                columns={"row": "Row", "reason": "Reason", "column": "Column"}
            ),
            hide_index=True,
            key="import_rejected",
        )
        _audit_prepared_once(report)
        st.download_button(
            "Download the rejected rows (CSV)",
            report.to_csv(),
            file_name=f"{report.file_name}-rejected.csv",
            mime="text/csv",
            key="import_report_download",
        )


def _audit_prepared_once(report: ImportReport) -> None:
    """Record the rejected-rows file once, when it is first prepared for download."""
    seen = st.session_state.setdefault("_atlas_audited_reports", set())
    key = (report.file_name, report.rows_read, report.rows_rejected)
    if key not in seen:
        cache.store().audit(user=auth.current_access().user, action="export",
                            what="rejected rows", details={"file": report.file_name,
                                                           "rows": report.rows_rejected})
        seen.add(key)


def gap_explanation(rate: float, radius_m: float, areas: str) -> str:
    """Say how the gap that orders a ranking is made, with the usual rate C in figures.

    Examples
    --------
    >>> gap_explanation(2.04, 400, "wards")[:62]
    'Ordered by gap = referrals − served by outreach nearby. Across'
    """
    return (
        f"Ordered by gap = referrals − served by outreach nearby. Across these {areas} with "
        f"referrals there are {rate:,.1f} outreach activities within {radius_m:,.0f} m per "
        f"referral (the usual rate), so an area's outreach nearby serves its number of "
        f"activities ÷ {rate:,.1f} referrals, at most all of them; the rest is its gap."
    )


def render_method(cell_size: int, partner_size: int, radius_m: int, density) -> None:
    """Explain the Priorities methods in plain English."""
    with st.expander("How these priorities are worked out", expanded=False):
        st.markdown(
            rf"""
- **All of it uses released counts**: the adjusted referral counts shown on the Map page
  (see "How figures are protected" below), never the exact records.
- **Hot spots** (Getis-Ord Gi\*): for each {cell_size} m cell, referrals in the cell and
  the eight around it are compared with what the same referrals would give if they were
  scattered at random. 999 random rearrangements (fixed seed, so the answer never changes
  for the same data) tell how unusual each cell is; the false discovery rate is then
  controlled, so that among cells called hot at 95 % no more than 5 % are expected to be
  false alarms. Classes follow ArcGIS's Hot Spot Analysis (90, 95, 99 % confidence). A
  thick outline marks hot spots that also hold with {partner_size} m cells.
- **Smoothed surface**: referrals spread out with a Gaussian kernel of about
  {density.bandwidth_m:,.0f} m ({density.rule}: 0.9 × the smaller of the standard distance
  and 1.2 × the median distance to the centre, × n^−0.2, worked out from the released
  counts and rounded to 50 m). It is shown in five classes, never as numbers, and blank
  where fewer than {DEFAULT_POLICY.k} released referrals lie within the bandwidth.
- **Outreach gap**: referrals in each area against outreach activities within
  {radius_m} m in the same weeks. Across the areas with referrals, there are C outreach
  activities nearby per referral; an area's gap is the referrals its own outreach would
  not cover at that usual rate. Areas are ranked by gap, then by referrals per outreach
  activity, then by their code. Outreach is counted where its masked points fall.
- **Recommended sites add to today's outreach**: each place's referrals count as already
  served up to what its outreach within {radius_m} m serves at the usual rate (the same
  rule as the gap), so only the gap is left for new sites. A maximal covering location
  model (spopt, solved exactly by CBC) then picks the sites (grid centres, or your venues)
  that put the most of that gap within {radius_m} m. The headline says what today's
  outreach reaches and what the new sites would add on top.
"""
        )
