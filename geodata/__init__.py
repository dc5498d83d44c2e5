"""Getting data in and keeping it safe.

Ward boundaries and grids, record import and validation, the release layer (disclosure
control, ``geodata.release``), persistence and the synthetic demo generator. Nothing here
imports streamlit or folium.
"""
