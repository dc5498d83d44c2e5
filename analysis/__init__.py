"""Pure computation over records and wards: filtering, aggregation and statistics.

Nothing here imports streamlit or folium; every function can be tested as plain Python.
"""
