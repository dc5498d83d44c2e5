"""The Streamlit app: entry point, pages, map builders, URL state and exports."""
