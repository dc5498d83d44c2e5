"""Barnet Outreach Atlas: the Streamlit entry point (``streamlit run dashboard/app.py``)."""

import streamlit as st

from dashboard import assets, auth, cache, components, sidebar, timing, view_state

timing.mark("script start")

st.set_page_config(page_title="Barnet Outreach Atlas", layout="wide")
assets.install_assets()
access = auth.require_access()

setup = st.Page("screens/setup.py", title="Ward boundaries", url_path="setup")
data = cache.atlas_data()
if data is None:
    pages = [st.Page("screens/setup.py", title="Set up", url_path="setup", default=True)]
else:
    map_page = st.Page("screens/map.py", title="Map", url_path="map", default=True)
    pages = [
        map_page,
        st.Page("screens/priorities.py", title="Priorities", url_path="priorities"),
        st.Page("screens/trends.py", title="Trends", url_path="trends"),
    ]
    filtered = list(pages)  # the pages that show the shared filters
    if access.at_least(auth.ANALYST):
        pages.append(st.Page("screens/data.py", title="Data", url_path="data"))
    if access.at_least(auth.ADMIN):
        pages += [setup, st.Page("screens/admin.py", title="Audit log", url_path="audit")]

if data is not None:
    view_state.keep_query_on_page_change()  # before the new page's address is pushed
navigation = st.navigation(pages)
components.render_access_banner(access)
if data is not None and navigation in filtered:
    # Drawn here, not by the pages, so the widgets are the same ones on every page and keep
    # their values when the page changes (dashboard/view_state.py); pages read the view
    # with view_state.current().
    sidebar.render_filters(data, map_controls=navigation is map_page)
navigation.run()
# After the first page is drawn, so compiling does not slow the first map.
cache.warm_up_statistics()
timing.mark("script end")
