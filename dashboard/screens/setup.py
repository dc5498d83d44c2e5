"""Set-up page: get Barnet's ward boundaries, by download or from a file."""

import tempfile
from pathlib import Path

import streamlit as st

from dashboard import auth, cache
from geodata.errors import AtlasDataError
from geodata.escaping import escape_markdown
from geodata.wards import fetch_wards, load_wards_file, save_wards

MISSING = (
    "**The map needs Barnet's 24 ward boundaries, and this machine has none yet.** "
    "`make run` tries to download them from the ONS when the atlas starts; that did not "
    "work, most often because this machine has no internet access or cannot reach the ONS "
    "service (services1.arcgis.com). Press *Download ward boundaries* below to try again "
    "and see the exact reason, or give the atlas a boundary file as shown below."
)
def how_to_fix(url: str) -> str:
    """Say, step by step, how to give the atlas the boundaries on a machine that is offline."""
    return f"""**How to get the map without internet access on this machine**

1. On a machine with internet access, get Barnet's ward boundaries from the ONS Open
   Geography Portal (geoportal.statistics.gov.uk), layer **Wards (December 2022)
   Boundaries UK BGC** or a later edition, Barnet's wards only (local authority
   E09000003). The simplest way: open this address in a browser there and save the
   answer as `barnet_wards.geojson`:

   `{url}`

   A GeoJSON, GeoPackage or zipped shapefile of Barnet's 24 wards with a ward code field
   (such as WD22CD) also works.
2. Copy the file to this machine, then either upload it under *Or upload a boundary file*
   below, or stop the atlas and start it with the file:
   `make run WARDS_FILE=path/to/barnet_wards.geojson`

The boundaries are then kept in the atlas's folder, so this is needed only once."""


def download_failed(reason: str) -> str:
    """Say that the download failed, why (``reason``, already Markdown-escaped) and what to do."""
    return (
        f"The ward boundaries could not be downloaded. {reason} Without them there is no "
        "map: download the file on a machine with internet access and upload it below, or "
        "start the atlas with `make run WARDS_FILE=path/to/barnet_wards.geojson` (see *How to get "
        "the map without internet access* above)."
    )


auth.require_role(auth.ADMIN)
settings = cache.settings()
st.title("Ward boundaries")
missing = cache.wards_version() is None
if missing:
    st.warning(MISSING)
else:
    st.success(
        f"Ward boundaries are loaded (cached in {escape_markdown(settings.wards_cache)})."
    )
if missing:
    st.markdown(how_to_fix(settings.wards_url))


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
        # quotes the URL and the server's answer
        st.error(download_failed(escape_markdown(error.message)))
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
