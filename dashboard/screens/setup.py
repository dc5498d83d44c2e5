"""Set-up page: get Barnet's ward boundaries, by download or from a file."""

import tempfile
from pathlib import Path

import streamlit as st

from dashboard import auth, cache
from geodata.errors import AtlasDataError
from geodata.escaping import escape_markdown
from geodata.wards import fetch_wards, load_wards_file, save_wards

auth.require_role(auth.ADMIN)
settings = cache.settings()
st.title("Ward boundaries")
if cache.wards_version() is None:
    st.warning(
        "The atlas needs Barnet's 24 ward boundaries before it can show anything, and none "
        "are available yet. Download them from the ONS Open Geography Portal, or upload a "
        "boundary file if this machine has no internet access."
    )
else:
    st.success(
        f"Ward boundaries are loaded (cached in {escape_markdown(settings.wards_cache)})."
    )


def _store_and_reload(wards, source: str) -> None:
    save_wards(wards, settings.wards_cache)
    cache.store().audit(user=auth.current_access().user, action="wards",
                        what="ward boundaries",
                        details={"page": "set-up", "source": source, "wards": len(wards)})
    cache.clear_all()
    st.success(f"Loaded {len(wards)} wards.")
    st.rerun()


st.subheader("Download from the ONS")
url = st.text_input("ArcGIS query URL", value=settings.wards_url, key="setup_url")
if st.button("Download ward boundaries", key="setup_fetch", type="primary"):
    try:
        with st.spinner("Downloading ward boundaries from the ONS…"):
            wards = fetch_wards(url, timeout=settings.http_timeout)
    except AtlasDataError as error:
        st.error(escape_markdown(error.message))  # quotes the URL and the server's answer
    else:
        _store_and_reload(wards, url)

st.subheader("Or upload a boundary file")
upload = st.file_uploader(
    "GeoJSON, GeoPackage or zipped shapefile of Barnet's wards",
    type=["geojson", "json", "gpkg", "zip"],
    key="setup_upload",
)
if upload is not None and st.button("Use this file", key="setup_use_file"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            wards = load_wards_file(path)
        except AtlasDataError as error:
            st.error(escape_markdown(error.message))  # quotes the file's name and content
        else:
            _store_and_reload(wards, f"upload: {upload.name}")

st.caption(
    "Boundaries: ONS Open Geography Portal, current wards, filtered to Barnet (E09000003). "
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)
