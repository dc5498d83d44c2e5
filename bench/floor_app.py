"""The floor: the least a Streamlit + st_folium page can do for one click (benchmark only).

One select box recolours the ward polygons in an ``st_folium`` map, and nothing else is on
the page. The benchmark times it side by side with the atlas, in the same run and the same
way, so the atlas's figures can be stated as ratios to what Streamlit itself costs on the
machine. The colours are made up from the option picked: no records are read.
"""

import folium
import streamlit as st
from streamlit_folium import st_folium

from dashboard import maps, timing
from geodata.geography import build_geography
from geodata.settings import load_settings
from geodata.wards import load_wards_file

timing.mark("script start")
st.set_page_config(page_title="Floor (benchmark only)", layout="wide")

OPTIONS = ("Last quarter", "All dates", "Last 4 weeks", "Campaign week")
PALETTE = ("#edf8fb", "#b2e2e2", "#66c2a4", "#2ca25f", "#006d2c")


@st.cache_resource
def shapes() -> list[dict]:
    """Return the simplified ward polygons (the same display geometry as the atlas)."""
    return maps.build_map_geometry(
        build_geography(load_wards_file(load_settings().wards_cache))
    ).wards


wards = shapes()
choice = st.sidebar.selectbox("Dates", OPTIONS, index=1)
shift = OPTIONS.index(choice)
layer = folium.FeatureGroup(name="Wards")
folium.GeoJson(
    {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g,
         "properties": {"fill": PALETTE[(i + shift) % len(PALETTE)]}}
        for i, g in enumerate(wards)]},
    style_function=lambda f: {"fillColor": f["properties"]["fill"], "fillOpacity": 0.75,
                              "color": "#4d4d4d", "weight": 1},
).add_to(layer)
m = maps.AtlasMap(location=[51.62, -0.21], zoom_start=11.5, tiles=None)
st_folium(m, key="floor", feature_group_to_add=[layer], returned_objects=[], height=560,
          use_container_width=True)
timing.mark("script end")
