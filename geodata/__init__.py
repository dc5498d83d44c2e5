"""Getting data in and keeping it safe.

Ward boundaries, record import and validation, disclosure control, persistence and the
synthetic demo generator. Nothing here imports streamlit or folium.
"""
