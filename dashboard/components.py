"""Small rendering pieces shared by pages: banners, KPIs, legend, notes, attribution."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from analysis.views import AREA_NAME, OUTREACH_COUNT, REFERRALS, MapView
from dashboard import auth, cache
from dashboard.auth import Access
from dashboard.classes import LegendSection
from dashboard.maps import ONS_ATTRIBUTION, Basemap
from geodata.demo import SYNTHETIC_MARK
from geodata.escaping import escape_markdown
from geodata.importing import ImportReport
from geodata.release import DEFAULT_POLICY


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
    """Show the KPI row: referrals (released), outreach activities, wards with activity."""
    cols = st.columns(3)
    cols[0].metric(
        "Referrals",
        view.referrals_total if view.referrals_total is not None else "not shown",
        help=" ".join(DEFAULT_POLICY.describe()[:2]),
    )
    cols[1].metric(
        "Outreach activities",
        f"{view.outreach_total:,}" if view.outreach_total is not None else "not shown",
    )
    cols[2].metric(
        "Wards with activity", f"{view.wards_with_activity} of {len(view.wards.codes)}"
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


def area_table(view: MapView, *, use_cells: bool, rates=None) -> pd.DataFrame:
    """Return the figures next to the map as a table of text (exactly what is shown)."""
    areas = view.cells if use_cells else view.wards
    table = areas.table()
    columns = {AREA_NAME: "Cell" if use_cells else "Ward"}
    if REFERRALS in table:
        columns[REFERRALS] = "Referrals"
    if rates is not None:
        table["rate"] = rates
        columns["rate"] = "Referrals per 1,000 residents (class)"
    if OUTREACH_COUNT in table:
        columns[OUTREACH_COUNT] = "Outreach activities"
    return table[list(columns)].rename(columns=columns)


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


def ranking_table(ranking: pd.DataFrame, area_label: str) -> pd.DataFrame:
    """Return a gap ranking as the table planners read (rank, area, figures, reason)."""
    columns = {
        "rank": "Rank", "name": area_label, "referrals": "Referrals", "gap": "Gap",
        "outreach_nearby": "Outreach nearby", "hotspot": "Hot spot",
        "rate": "Referrals per 1,000 residents", "reason": "Why",
    }
    present = [c for c in columns if c in ranking.columns]
    return ranking[present].rename(columns=columns)


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
  {radius_m} m in the same weeks. Across the areas, there are C outreach activities nearby
  per referral; an area's gap is the referrals its own outreach would not cover at that
  usual rate. Areas are ranked by gap, then by referrals per outreach activity, then by
  their code. Outreach is counted where its masked points fall.
- **Recommended sites**: a maximal covering location model (spopt, solved exactly by CBC)
  picks the sites (grid centres, or your venues) that put the most referrals within
  {radius_m} m, and the share is set against what current outreach reached.
"""
        )
