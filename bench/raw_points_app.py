"""The usual folium dashboard, for comparison only: raw referral points in a HeatMap.

This is what the atlas must never do (it sends every referral location to the browser).
It exists so the benchmark can time the common approach on the same synthetic records,
on this machine, in the same run. Never deploy it.
"""

import datetime as dt

import folium
import pandas as pd
import streamlit as st
from folium.plugins import HeatMap
from pyproj import Transformer
from streamlit_folium import st_folium

from analysis.filters import DATE_PRESETS, preset_window
from geodata.settings import load_settings
from geodata.store import Store

st.set_page_config(page_title="Raw points (benchmark only)", layout="wide")


class LocalHeatMap(HeatMap):
    """HeatMap with its script served locally (the benchmark runs offline)."""

    default_js = [("leaflet-heat.js", "../../app/static/leaflet_heat.min.js")]


class LocalMap(folium.Map):
    """A folium map with Leaflet served locally."""

    default_js = [("leaflet", "../../app/static/leaflet.js")]
    default_css = [("leaflet_css", "../../app/static/leaflet.css")]


@st.cache_resource
def referrals() -> pd.DataFrame:
    """Load every referral with its location, as such dashboards do."""
    records = Store(load_settings().database_url).load_records()
    records = records[records["kind"] == "referral"]
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(
        records["x"].to_numpy(), records["y"].to_numpy()
    )
    return pd.DataFrame({"date": records["date"].to_numpy(), "lat": lat, "lon": lon})


points = referrals()
preset = st.sidebar.selectbox("Dates", DATE_PRESETS, key="dates", format_func=str.capitalize)
last = pd.Timestamp(points["date"].max()).date()
first = pd.Timestamp(points["date"].min()).date()
window = preset_window(preset, last, first_day=first)
keep = (points["date"] >= pd.Timestamp(window.start)) & (
    points["date"] <= pd.Timestamp(window.end + dt.timedelta(days=1))
)
chosen = points[keep]
st.metric("Referrals", f"{len(chosen):,}")
m = LocalMap(location=[51.61, -0.21], zoom_start=11.75, zoom_snap=0.25, tiles=None)
LocalHeatMap(chosen[["lat", "lon"]].to_numpy().tolist(), radius=8).add_to(m)
st_folium(m, key="raw", returned_objects=[], height=560, use_container_width=True)
