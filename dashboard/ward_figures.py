"""The Data page's section for figures per ward: population and context indicators."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.auth import Access
from geodata.errors import AtlasDataError
from geodata.escaping import escape_markdown
from geodata.ward_figures import (
    NOMIS_POPULATION_URL,
    POPULATION,
    fetch_nomis_population,
    read_ward_figures,
)


def render_ward_figures(access: Access) -> None:
    """Load population (Nomis or CSV) and indicators (CSV), list and delete them."""
    store = cache.store()
    st.subheader("Figures per ward")
    st.write(
        "Population turns referral counts into rates per 1,000 residents; an indicator (say, "
        "residents born in Romania, from Census 2021 country of birth) can be shown next to "
        "referrals on the map. Rows are matched on the ward code."
    )
    left, right = st.columns(2)
    with left:
        if st.button("Get Census 2021 population from Nomis", key="wf_nomis"):
            with st.spinner("Asking Nomis…"):
                _save(store, access, POPULATION, "population", lambda: fetch_nomis_population(
                    NOMIS_POPULATION_URL, timeout=cache.settings().http_timeout
                ), NOMIS_POPULATION_URL)
        population = st.file_uploader("…or a CSV of ward code and population", type=["csv"],
                                      key="wf_population")
        if population is not None and st.button("Use this population", key="wf_pop_use"):
            _save(store, access, POPULATION, "population",
                  lambda: read_ward_figures(population.getvalue(), population.name),
                  population.name)
    with right:
        name = st.text_input("Indicator name", placeholder="Born in Romania", key="wf_name")
        indicator = st.file_uploader("CSV of ward code and value", type=["csv"],
                                     key="wf_indicator")
        if indicator is not None and st.button("Store the indicator", key="wf_ind_use",
                                               disabled=not name.strip()):
            _save(store, access, name.strip(), "indicator",
                  lambda: read_ward_figures(indicator.getvalue(), indicator.name), indicator.name)
    stored = store.load_ward_figures()
    if stored.empty:
        st.caption("No figures per ward are stored yet.")
        return
    summary = stored.groupby(["name", "role", "source"], as_index=False)["value"].sum()
    st.dataframe(
        pd.DataFrame({"Figure": summary["name"], "Role": summary["role"],
                      "Source": summary["source"], "Borough total": summary["value"]}),
        hide_index=True, key="wf_table",
    )
    doomed = st.selectbox("Remove a figure", sorted(summary["name"]), key="wf_delete_choice")
    if st.button("Remove", key="wf_delete"):
        store.delete_ward_figures(doomed)
        store.audit(user=access.user, action="delete", what=f"ward figures: {doomed}")
        st.rerun()


def _save(store, access: Access, name: str, role: str, load, source: str) -> None:
    try:
        values = load()
    except AtlasDataError as error:
        st.error(escape_markdown(error.message))  # may quote the file's content
        return
    store.save_ward_figures(name, values, role=role, source=source)
    store.audit(user=access.user, action="import", what=f"ward figures: {name}",
                details={"source": source, "wards": len(values)})
    st.success(f"Stored '{escape_markdown(name)}' for {len(values)} wards.")
